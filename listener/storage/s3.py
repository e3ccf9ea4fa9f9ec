"""S3-compatible object storage (AWS S3, MinIO, R2, ...) over plain aiohttp,
signed by listener.storage.sigv4 (no SDK).

Every request goes through `retrying`. Uploads stream from the file in 1 MiB
blocks (memory does not grow with the file): a single PUT below
S3_MULTIPART_THRESHOLD_BYTES, a multipart upload above, parts sent one after the
other. A first pass over the file computes the sha256 (signed as
x-amz-content-sha256) and md5 (sent as Content-MD5) of the body or of each part.
Keys are content-addressed, so an object that already exists with the same size
and ETag (the md5, or for multipart the md5 of the parts' md5s + "-N") is not
uploaded again.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import math
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable, Sequence
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape

import aiohttp
from yarl import URL

from listener.config import Settings
from listener.errors import PermanentStorageError, StorageConfigError, StorageError
from listener.storage.base import StoredObject, CACHE_CONTROL, content_type_for
from listener.storage.retry import HTTPStatusError, retrying
from listener.storage.sigv4 import (EMPTY_SHA256, Credentials, Pairs, canonical_query,
                                    encode_path, presign_url, sign_headers)

log = logging.getLogger(__name__)

BLOCK = 1024 * 1024          # read size when streaming a file
MAX_PARTS = 10_000           # S3's limit on parts per upload
# When a connection breaks after the whole body was sent, the server may still be
# storing the object: look for it after this pause, not at once.
SETTLE_DELAY = 0.5
CREDENTIAL_CODES = {"SignatureDoesNotMatch", "InvalidAccessKeyId", "InvalidToken",
                    "ExpiredToken", "TokenRefreshRequired", "InvalidClientTokenId"}


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]   # lowercased names
    body: bytes

    @property
    def etag(self) -> str:
        return self.headers.get("etag", "").strip('"')


@dataclass(frozen=True)
class S3Error:
    """The Code and Message of an S3 XML error document (request ids and the
    echoed canonical request are left out)."""
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.message else self.code


def parse_xml(body: bytes) -> tuple[str, dict[str, str]]:
    """(root element name, {child name: text}) without namespaces; ("", {}) if not XML."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return "", {}
    local = lambda tag: tag.rsplit("}", 1)[-1]  # noqa: E731
    return local(root.tag), {local(child.tag): (child.text or "").strip() for child in root}


def parse_error(status: int, reason: str, body: bytes) -> S3Error:
    root, fields = parse_xml(body) if body else ("", {})
    if root == "Error" and fields.get("Code"):
        return S3Error(fields["Code"], fields.get("Message", ""))
    # HEAD answers carry no body: the status is all there is.
    return S3Error({400: "BadRequest", 403: "AccessDenied", 404: "NotFound"}.get(
        status, reason or f"HTTP {status}"), "")


def multipart_etag(part_md5s: Sequence[bytes]) -> str:
    """The ETag S3 gives a multipart object: md5 of the parts' binary md5s, '-N'."""
    return hashlib.md5(b"".join(part_md5s)).hexdigest() + f"-{len(part_md5s)}"


def _hash_range(fh, length: int) -> tuple[str, bytes]:
    """(sha256 hex, md5 digest) of the next `length` bytes of `fh`, read in blocks."""
    sha, md5 = hashlib.sha256(), hashlib.md5()
    while length > 0:
        block = fh.read(min(BLOCK, length))
        if not block:
            raise StorageError(f"{fh.name} shrank while it was being hashed")
        sha.update(block)
        md5.update(block)
        length -= len(block)
    return sha.hexdigest(), md5.digest()


def _hash_parts(path: Path, size: int, part_size: int) -> list[tuple[str, bytes]]:
    """(sha256 hex, md5 digest) of each `part_size` piece of the file, in one pass."""
    with open(path, "rb") as fh:
        return [_hash_range(fh, min(part_size, size - offset))
                for offset in range(0, max(size, 1), part_size)]


async def _file_blocks(path: Path, offset: int, length: int) -> AsyncIterator[bytes]:
    """`length` bytes of the file from `offset`, in BLOCK-sized pieces read off the
    event loop: what is in memory is one block, whatever the file's size."""
    fh = await asyncio.to_thread(open, path, "rb")
    try:
        await asyncio.to_thread(fh.seek, offset)
        while length > 0:
            block = await asyncio.to_thread(fh.read, min(BLOCK, length))
            if not block:
                raise StorageError(f"{path} shrank while it was being uploaded")
            length -= len(block)
            yield block
    finally:
        fh.close()


def _md5_b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


class S3Storage:
    """A bucket on an S3-compatible server. Public URLs point at the bucket (or
    S3_PUBLIC_BASE_URL); private buckets hand out presigned GET URLs."""

    name = "s3"

    def __init__(self, settings: Settings, *,
                 trace_configs: Sequence[aiohttp.TraceConfig] = ()):
        if not settings.s3_bucket:
            raise StorageConfigError("S3_BUCKET is not set")
        self.settings = settings
        self.bucket = settings.s3_bucket
        self.region = settings.s3_region
        self.prefix = settings.storage_path_prefix.strip("/")
        self._credentials = Credentials(settings.aws_access_key_id, settings.aws_secret_access_key,
                                        settings.aws_session_token)
        self._secrets = settings.secrets
        self.endpoint = settings.s3_endpoint or f"https://s3.{self.region}.amazonaws.com"
        parts = urlsplit(self.endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StorageConfigError(f"S3_ENDPOINT={self.endpoint!r} is not an http(s) URL")
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        if parts.port and parts.port != {"http": 80, "https": 443}[parts.scheme]:
            host += f":{parts.port}"
        style = settings.s3_addressing_style
        if style == "auto":
            style = "path" if settings.s3_endpoint else "virtual"
        self.addressing_style = style
        self._scheme = parts.scheme
        if style == "virtual":
            self._host, self._bucket_path = f"{self.bucket}.{host}", parts.path.rstrip("/")
        else:
            self._host, self._bucket_path = host, parts.path.rstrip("/") + "/" + self.bucket
        self._public_base = settings.s3_public_base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=settings.storage_timeout_seconds)
        self._trace_configs = list(trace_configs)
        self._session: aiohttp.ClientSession | None = None

    # -- keys and URLs ---------------------------------------------------------------

    def object_key(self, key: str) -> str:
        """The S3 key of a storage key: under STORAGE_PATH_PREFIX when set."""
        if not key or key.startswith("/"):
            raise ValueError(f"invalid storage key {key!r}")
        return f"{self.prefix}/{key}" if self.prefix else key

    def _object_path(self, key: str) -> str:
        return f"{self._bucket_path}/{self.object_key(key)}"

    def _endpoint_url(self, path: str) -> str:
        return f"{self._scheme}://{self._host}{encode_path(path)}"

    def public_url(self, key: str) -> str | None:
        if not self.settings.storage_public:
            return None
        if self._public_base:
            return self._public_base + encode_path("/" + self.object_key(key))
        return self._endpoint_url(self._object_path(key))

    async def signed_url(self, key: str, expires_in: int) -> str:
        url, _ = presign_url(method="GET", scheme=self._scheme, host=self._host,
                             path=self._object_path(key), credentials=self._credentials,
                             region=self.region, expires=max(1, min(int(expires_in), 604800)),
                             now=datetime.now(timezone.utc))
        return url

    def key_for_url(self, url: str) -> str | None:
        if not url:
            return None
        bare = url.split("#", 1)[0].split("?", 1)[0]
        bases = [self._endpoint_url(self._bucket_path + "/")]
        if self._public_base:
            bases.insert(0, self._public_base + "/")
        for base in bases:
            if bare.startswith(base) and len(bare) > len(base):
                full = unquote(bare[len(base):])
                if not self.prefix:
                    return full
                if full.startswith(self.prefix + "/") and len(full) > len(self.prefix) + 1:
                    return full[len(self.prefix) + 1:]
                return None
        return None

    # -- requests --------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    async def _send(self, method: str, path: str, *, query: Pairs = (), headers: Pairs = (),
                    body: bytes | Callable[[], AsyncIterator[bytes]] | None = None,
                    payload_hash: str = EMPTY_SHA256, accept: Sequence[int] = ()) -> Response:
        """One signed request. A 2xx or an `accept`ed status is returned; any other
        status raises HTTPStatusError with S3's error Code and Message."""
        if self._session is None:
            raise RuntimeError("S3Storage used before start()")
        signed = sign_headers(method=method, host=self._host, path=path, query=query,
                              headers=headers, payload_hash=payload_hash,
                              credentials=self._credentials, region=self.region,
                              now=datetime.now(timezone.utc))
        url = self._endpoint_url(path) + (f"?{canonical_query(query)}" if query else "")
        data = body() if callable(body) else body
        async with self._session.request(method, URL(url, encoded=True), headers=signed.headers,
                                         data=data, timeout=self._timeout,
                                         allow_redirects=False) as resp:
            content = await resp.read()
            response = Response(resp.status, {k.lower(): v for k, v in resp.headers.items()},
                                content)
            reason = resp.reason or ""
        if response.status < 300 or response.status in accept:
            return response
        error = parse_error(response.status, reason, content)
        raise HTTPStatusError(response.status, self._scrub(str(error)))

    async def _retry(self, what: str, op: Callable[[], Awaitable[Response]], *,
                     settled: Callable[[], Awaitable[bool]] | None = None) -> Response | None:
        try:
            return await retrying(op, what=what, attempts=self.settings.storage_max_attempts,
                                  settled=settled)
        except (StorageError, PermanentStorageError) as exc:
            exc.args = tuple(self._scrub(str(a)) for a in exc.args)
            raise

    async def _call(self, what: str, method: str, path: str, **kwargs) -> Response:
        response = await self._retry(what, lambda: self._send(method, path, **kwargs))
        assert response is not None
        return response

    async def _head(self, path: str, *, retry: bool = True) -> tuple[int, str] | None:
        """(size, ETag) of an object, or None when it does not exist."""
        if retry:
            response = await self._call(f"S3 HeadObject {path}", "HEAD", path, accept=(404,))
        else:
            response = await self._send("HEAD", path, accept=(404,))
        if response.status == 404:
            return None
        return int(response.headers.get("content-length", "-1")), response.etag

    async def _stored_as(self, path: str, size: int, etag: str, *, retry: bool = True) -> bool:
        found = await self._head(path, retry=retry)
        return found is not None and found == (size, etag)

    async def _settled(self, path: str, size: int, etag: str) -> bool:
        """Did an upload whose connection broke store the object after all?"""
        await asyncio.sleep(SETTLE_DELAY)
        return await self._stored_as(path, size, etag, retry=False)

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(trace_configs=self._trace_configs or None)
        try:
            await self._check_bucket()
            await self._probe()
        except PermanentStorageError as exc:  # a refusal not foreseen below
            await self.close()
            raise StorageConfigError(f"S3 bucket {self.bucket!r}: {exc}") from None
        except BaseException:
            await self.close()
            raise
        log.info("S3 storage ready: bucket %r at %s (%s-style), prefix %r, %s", self.bucket,
                 self.endpoint, self.addressing_style, self.prefix,
                 "public" if self.settings.storage_public else "private")

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    def _refused(self, operation: str, status: int, error: S3Error) -> StorageConfigError:
        what = f"S3 bucket {self.bucket!r}"
        if error.code in CREDENTIAL_CODES:
            text = (f"{what}: the credentials were refused for {operation} ({error}); check "
                    "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN")
        elif error.code == "AccessDenied" or status == 403:
            text = f"{what}: access denied for {operation} (check the credentials' permissions)"
        elif error.code == "NoSuchBucket":
            text = f"{what} does not exist (found by {operation})"
        else:
            text = f"{what}: {operation} refused with HTTP {status} ({error})"
        return StorageConfigError(self._scrub(text))

    async def _check_bucket(self) -> None:
        response = await self._call("S3 HeadBucket", "HEAD", self._bucket_path,
                                    accept=(301, 400, 403, 404))
        if response.status == 200:
            return
        if response.status == 404:
            await self._create_bucket()
            return
        actual = response.headers.get("x-amz-bucket-region")
        if actual and actual != self.region:
            raise StorageConfigError(f"S3 bucket {self.bucket!r} is in region {actual!r}, "
                                     f"not {self.region!r}: set AWS_REGION={actual}")
        if response.status not in (400, 403):
            raise self._refused("HeadBucket", response.status,
                                parse_error(response.status, "", b""))
        # A HEAD answer has no body: ask for the bucket's location to learn why.
        response = await self._call("S3 GetBucketLocation", "GET", self._bucket_path,
                                    query=[("location", "")], accept=(400, 403, 404))
        if response.status == 200:
            return
        error = parse_error(response.status, "", response.body)
        if error.code in CREDENTIAL_CODES or response.status != 403:
            raise self._refused("HeadBucket", response.status, error)
        # No s3:ListBucket / GetBucketLocation: existence cannot be checked, but
        # the credentials may still write objects; the probe decides.
        log.warning("S3 bucket %r: no permission to check the bucket (HeadBucket: access "
                    "denied); assuming it exists", self.bucket)

    async def _create_bucket(self) -> None:
        body = b""
        if self.region != "us-east-1":
            body = ('<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                    f"<LocationConstraint>{escape(self.region)}</LocationConstraint>"
                    "</CreateBucketConfiguration>").encode()
        response = await self._put_bytes("S3 CreateBucket", self._bucket_path, body,
                                         accept=(400, 403, 409))
        if response.status == 409:
            error = parse_error(409, "", response.body)
            if error.code != "BucketAlreadyOwnedByYou":
                raise StorageConfigError(f"S3 bucket {self.bucket!r} cannot be created: the name "
                                         f"is taken ({error})")
        elif response.status >= 300:
            raise self._refused("CreateBucket", response.status,
                                parse_error(response.status, "", response.body))
        else:
            log.info("created S3 bucket %r in %s", self.bucket, self.region)
        if self.settings.storage_public:
            await self._allow_public_reads()

    async def _allow_public_reads(self) -> None:
        """Let anyone GET the objects under the prefix: lift the bucket's block on
        public policies (AWS blocks them by default), then put the policy."""
        block = ('<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                 "<BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls>"
                 "<BlockPublicPolicy>false</BlockPublicPolicy>"
                 "<RestrictPublicBuckets>false</RestrictPublicBuckets>"
                 "</PublicAccessBlockConfiguration>").encode()
        response = await self._put_bytes("S3 PutPublicAccessBlock", self._bucket_path, block,
                                         query=[("publicAccessBlock", "")],
                                         accept=(400, 403, 404, 405, 501))
        if response.status >= 300:
            log.info("S3 bucket %r: PutPublicAccessBlock not applied (%s); putting the "
                     "policy anyway", self.bucket, parse_error(response.status, "", response.body))
        partition = ("aws-cn" if self.region.startswith("cn-")
                     else "aws-us-gov" if self.region.startswith("us-gov-") else "aws")
        objects = f"{self.prefix}/*" if self.prefix else "*"
        policy = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Sid": "PublicReadRenderedFiles", "Effect": "Allow", "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:{partition}:s3:::{self.bucket}/{objects}"}]}).encode()
        response = await self._put_bytes("S3 PutBucketPolicy", self._bucket_path, policy,
                                         query=[("policy", "")], accept=(403,))
        if response.status == 403:
            raise StorageConfigError(
                f"S3 bucket {self.bucket!r}: access denied for PutBucketPolicy (check the "
                "credentials' permissions and that Block Public Access allows public policies, "
                "or set STORAGE_PUBLIC=false)")
        log.info("S3 bucket %r: objects under %r are publicly readable", self.bucket, objects)

    async def _probe(self) -> None:
        """Write, read and delete a tiny object, so that a missing permission stops
        the service now rather than failing every job later."""
        path = self._object_path(f".write-probe-{uuid.uuid4().hex}")
        response = await self._put_bytes("S3 PutObject (probe)", path, b"probe",
                                         headers=[("Content-Type", "text/plain")],
                                         accept=(400, 403, 404))
        if response.status >= 300:
            raise self._refused("PutObject", response.status,
                                parse_error(response.status, "", response.body))
        response = await self._call("S3 HeadObject (probe)", "HEAD", path, accept=(403, 404))
        if response.status == 403:
            raise self._refused("GetObject (HeadObject)", 403, parse_error(403, "", b""))
        response = await self._call("S3 DeleteObject (probe)", "DELETE", path, accept=(403,))
        if response.status == 403:
            error = self._refused("DeleteObject", 403, parse_error(403, "", response.body))
            if self.settings.delete_replaced_objects:
                raise error
            log.warning("%s; a probe object is left behind", error)

    async def _put_bytes(self, what: str, path: str, body: bytes, *, query: Pairs = (),
                         headers: Pairs = (), accept: Sequence[int] = ()) -> Response:
        headers = [*headers, ("Content-MD5", _md5_b64(hashlib.md5(body).digest()))]
        return await self._call(what, "PUT", path, query=query, headers=headers, body=body,
                                payload_hash=hashlib.sha256(body).hexdigest(), accept=accept)

    # -- objects ---------------------------------------------------------------------

    async def exists(self, key: str) -> bool:
        return await self._head(self._object_path(key)) is not None

    async def list_objects(self, prefix: str):
        """ListObjectsV2, page by page."""
        full_prefix = self.object_key(prefix) if prefix else (self.prefix + "/" if self.prefix else "")
        token = None
        while True:
            query = [("list-type", "2"), ("prefix", full_prefix)]
            if token:
                query.append(("continuation-token", token))
            response = await self._call(f"S3 ListObjectsV2 {full_prefix}", "GET",
                                        self._bucket_path or "/", query=query)
            root = ET.fromstring(response.body)
            local = lambda el: el.tag.rsplit("}", 1)[-1]  # noqa: E731
            token = None
            for child in root:
                name = local(child)
                if name == "Contents":
                    fields = {local(c): (c.text or "") for c in child}
                    key = fields.get("Key", "")
                    if self.prefix:
                        key = key[len(self.prefix) + 1:]
                    modified = datetime.fromisoformat(fields.get("LastModified", "1970-01-01T00:00:00Z")
                                                      .replace("Z", "+00:00")).timestamp()
                    yield StoredObject(key, int(fields.get("Size", "0")), modified)
                elif name == "NextContinuationToken":
                    token = child.text
            if not token:
                return

    async def delete(self, key: str) -> None:
        await self._call(f"S3 DeleteObject {self.object_key(key)}", "DELETE",
                         self._object_path(key), accept=(404,))

    async def put_file(self, key: str, source: Path) -> None:
        try:
            size = (await asyncio.to_thread(source.stat)).st_size
        except OSError as exc:
            raise StorageError(f"could not read {source}: {exc.strerror or exc}") from exc
        headers = [("Content-Type", content_type_for(key)), ("Cache-Control", CACHE_CONTROL)]
        started = time.monotonic()
        try:
            if size < self.settings.s3_multipart_threshold_bytes:
                uploaded = await self._put_single(key, source, size, headers)
            else:
                uploaded = await self._put_multipart(key, source, size, headers)
        except OSError as exc:
            raise StorageError(f"could not read {source}: {exc.strerror or exc}") from exc
        if uploaded:
            log.info("stored %s (%d bytes) in %.2f s", self.object_key(key), size,
                     time.monotonic() - started)

    async def _put_single(self, key: str, source: Path, size: int, headers: Pairs) -> bool:
        path = self._object_path(key)
        [(sha256, md5)] = await asyncio.to_thread(_hash_parts, source, size, max(size, 1))
        if await self._stored_as(path, size, md5.hex()):
            log.info("%s is already stored with the same content; not uploading",
                     self.object_key(key))
            return False
        headers = [*headers, ("Content-MD5", _md5_b64(md5)), ("Content-Length", str(size))]
        response = await self._retry(
            f"S3 PutObject {self.object_key(key)}",
            lambda: self._send("PUT", path, headers=headers, payload_hash=sha256,
                               body=lambda: _file_blocks(source, 0, size)),
            settled=lambda: self._settled(path, size, md5.hex()))
        if response is not None and response.etag and response.etag != md5.hex():
            # S3 checked Content-MD5 already; an ETag that is not the md5 means
            # server-side encryption with KMS, not corruption.
            log.debug("%s: ETag %s is not the md5 of the content", self.object_key(key),
                      response.etag)
        return True

    async def _put_multipart(self, key: str, source: Path, size: int, headers: Pairs) -> bool:
        path, name = self._object_path(key), self.object_key(key)
        part_size = self.settings.s3_part_size_bytes
        if math.ceil(size / part_size) > MAX_PARTS:
            part_size = math.ceil(size / MAX_PARTS / BLOCK) * BLOCK
        hashes = await asyncio.to_thread(_hash_parts, source, size, part_size)
        expected = multipart_etag([md5 for _, md5 in hashes])
        if await self._stored_as(path, size, expected):
            log.info("%s is already stored with the same content; not uploading", name)
            return False
        response = await self._call(f"S3 CreateMultipartUpload {name}", "POST", path,
                                    query=[("uploads", "")], headers=headers)
        upload_id = parse_xml(response.body)[1].get("UploadId")
        if not upload_id:
            raise StorageError(f"S3 CreateMultipartUpload {name}: no UploadId in the answer")
        try:
            etags = []
            for number, (sha256, md5) in enumerate(hashes, start=1):
                offset = (number - 1) * part_size
                length = min(part_size, size - offset)
                response = await self._call(
                    f"S3 UploadPart {name} #{number}", "PUT", path,
                    query=[("partNumber", str(number)), ("uploadId", upload_id)],
                    headers=[("Content-MD5", _md5_b64(md5)), ("Content-Length", str(length))],
                    body=lambda at=offset, n=length: _file_blocks(source, at, n),
                    payload_hash=sha256)
                etags.append(response.headers.get("etag") or f'"{md5.hex()}"')
            await self._complete(path, name, upload_id, etags, size, expected)
        except BaseException:
            await self._abort(path, name, upload_id)
            raise
        return True

    async def _complete(self, path: str, name: str, upload_id: str, etags: list[str],
                        size: int, expected: str) -> None:
        body = ("<CompleteMultipartUpload>" + "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{escape(etag)}</ETag></Part>"
            for n, etag in enumerate(etags, start=1)) + "</CompleteMultipartUpload>").encode()
        settled = lambda: self._settled(path, size, expected)  # noqa: E731

        async def complete() -> Response:
            response = await self._send("POST", path, query=[("uploadId", upload_id)], body=body,
                                        payload_hash=hashlib.sha256(body).hexdigest(),
                                        accept=(404,))
            if response.status == 404:
                # An earlier attempt may have completed it before its answer was lost.
                if await settled():
                    return response
                raise HTTPStatusError(404, str(parse_error(404, "", response.body)))
            root, fields = parse_xml(response.body)
            if root == "Error":  # S3 may fail a completion inside a 200 answer
                error = parse_error(500, "", response.body)
                retryable = error.code in ("InternalError", "SlowDown", "ServiceUnavailable")
                raise HTTPStatusError(500 if retryable else 400, str(error))
            return response

        await self._retry(f"S3 CompleteMultipartUpload {name}", complete, settled=settled)

    async def _abort(self, path: str, name: str, upload_id: str) -> None:
        try:
            await self._call(f"S3 AbortMultipartUpload {name}", "DELETE", path,
                             query=[("uploadId", upload_id)], accept=(404,))
        except (StorageError, PermanentStorageError, RuntimeError) as exc:
            log.warning("could not abort the multipart upload of %s: %s", name, exc)
