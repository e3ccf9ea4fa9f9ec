"""AWS Signature Version 4, as the S3 API reference describes it: pure functions,
no I/O, each step one function a test can check against the published examples.

    canonical request -> string to sign -> signing key -> signature
    -> Authorization header (header auth) or X-Amz-Signature (presigned URL)

Paths and query values are given decoded ("/my key.wav", [("prefix", "a b")]);
the functions encode them once, per RFC 3986, keeping only A-Z a-z 0-9 - _ . ~
(and '/' in paths). The URL a request is sent to must use the same encoding:
`encode_path` and `canonical_query` produce the wire form too.

S3 signs the path as sent: no dot-segment removal and no double encoding. Other
services normalise the path (`normalize_path=True`: used by the generic test
suite; their second encoding pass is not implemented, as only S3 is signed here).
"""
from __future__ import annotations

import hashlib
import hmac
import posixpath
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Sequence
from urllib.parse import quote

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"

Pairs = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(default="", repr=False)


def uri_encode(text: str, *, keep_slash: bool = False) -> str:
    """Percent-encode UTF-8 bytes except the RFC 3986 unreserved characters."""
    return quote(text, safe="-_.~/" if keep_slash else "-_.~")


def encode_path(path: str, *, normalize: bool = False) -> str:
    """The canonical URI of a decoded path; also what goes on the wire."""
    if not path:
        return "/"
    if normalize:
        trailing = path.endswith("/")
        path = posixpath.normpath("/" + path.lstrip("/"))
        path = re.sub("/{2,}", "/", path)
        if trailing and path != "/":
            path += "/"
    return uri_encode(path, keep_slash=True)


def canonical_query(query: Pairs) -> str:
    """Encoded pairs sorted by key then value; a key without value is `key=`."""
    encoded = sorted((uri_encode(k), uri_encode(v)) for k, v in query)
    return "&".join(f"{k}={v}" for k, v in encoded)


def canonical_headers(headers: Pairs) -> tuple[str, str]:
    """(canonical header block, signed header list). Names are lowercased and
    sorted, values trimmed with inner runs of spaces collapsed, and repeated
    headers joined with ',' in the order given."""
    merged: dict[str, list[str]] = {}
    for name, value in headers:
        merged.setdefault(name.strip().lower(), []).append(" ".join(str(value).split()))
    names = sorted(merged)
    block = "".join(f"{n}:{','.join(merged[n])}\n" for n in names)
    return block, ";".join(names)


def canonical_request(method: str, path: str, query: Pairs, headers: Pairs, payload_hash: str,
                      *, normalize_path: bool = False) -> tuple[str, str]:
    """(canonical request, signed header list)."""
    block, signed = canonical_headers(headers)
    text = "\n".join([method.upper(), encode_path(path, normalize=normalize_path),
                      canonical_query(query), block, signed, payload_hash])
    return text, signed


def amz_date(now: datetime) -> str:
    return now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def credential_scope(date: str, region: str, service: str) -> str:
    return f"{date[:8]}/{region}/{service}/aws4_request"


def string_to_sign(timestamp: str, scope: str, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"{ALGORITHM}\n{timestamp}\n{scope}\n{digest}"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    k_date = _hmac(("AWS4" + secret).encode(), date[:8])
    return _hmac(_hmac(_hmac(k_date, region), service), "aws4_request")


def signature(key: bytes, to_sign: str) -> str:
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Signed:
    """Everything a signing produced, for sending and for tests."""
    headers: dict[str, str]       # the headers to send, Authorization included
    canonical_request: str
    string_to_sign: str
    signature: str


def sign_headers(*, method: str, host: str, path: str, query: Pairs = (),
                 headers: Pairs = (), payload_hash: str, credentials: Credentials,
                 region: str, service: str = "s3", now: datetime,
                 content_sha256_header: bool = True, normalize_path: bool = False) -> Signed:
    """Header-based auth. Adds host (unless given), x-amz-date,
    x-amz-content-sha256 (for S3) and x-amz-security-token (with a session token);
    every header given, plus those, is signed."""
    timestamp = amz_date(now)
    out: list[tuple[str, str]] = list(headers)
    present = {n.lower() for n, _ in out}
    if "host" not in present:
        out.append(("host", host))
    if "x-amz-date" not in present:
        out.append(("x-amz-date", timestamp))
    if content_sha256_header and "x-amz-content-sha256" not in present:
        out.append(("x-amz-content-sha256", payload_hash))
    if credentials.session_token and "x-amz-security-token" not in present:
        out.append(("x-amz-security-token", credentials.session_token))
    canonical, signed = canonical_request(method, path, query, out, payload_hash,
                                          normalize_path=normalize_path)
    scope = credential_scope(timestamp, region, service)
    to_sign = string_to_sign(timestamp, scope, canonical)
    sig = signature(signing_key(credentials.secret_access_key, timestamp, region, service), to_sign)
    auth = (f"{ALGORITHM} Credential={credentials.access_key_id}/{scope}, "
            f"SignedHeaders={signed}, Signature={sig}")
    sent = {n: v for n, v in out}
    sent["Authorization"] = auth
    return Signed(sent, canonical, to_sign, sig)


def presign_url(*, method: str, scheme: str, host: str, path: str, query: Pairs = (),
                credentials: Credentials, region: str, expires: int, now: datetime,
                service: str = "s3", headers: Pairs = ()) -> tuple[str, Signed]:
    """Query-string auth: (URL, details). Only host (and `headers`) are signed;
    the payload is UNSIGNED-PAYLOAD, and a session token is a signed parameter."""
    if not 1 <= expires <= 604800:
        raise ValueError("a presigned URL lasts from 1 second to 7 days")
    timestamp = amz_date(now)
    scope = credential_scope(timestamp, region, service)
    _, signed_names = canonical_headers([("host", host), *headers])
    params = [*query,
              ("X-Amz-Algorithm", ALGORITHM),
              ("X-Amz-Credential", f"{credentials.access_key_id}/{scope}"),
              ("X-Amz-Date", timestamp),
              ("X-Amz-Expires", str(expires)),
              ("X-Amz-SignedHeaders", signed_names)]
    if credentials.session_token:
        params.append(("X-Amz-Security-Token", credentials.session_token))
    canonical, _ = canonical_request(method, path, params, [("host", host), *headers],
                                     UNSIGNED_PAYLOAD)
    to_sign = string_to_sign(timestamp, scope, canonical)
    sig = signature(signing_key(credentials.secret_access_key, timestamp, region, service), to_sign)
    url = (f"{scheme}://{host}{encode_path(path)}?{canonical_query(params)}"
           f"&X-Amz-Signature={sig}")
    return url, Signed({}, canonical, to_sign, sig)

