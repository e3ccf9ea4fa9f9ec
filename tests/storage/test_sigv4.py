"""The hand-written SigV4 signer against AWS's published examples, the AWS SigV4
test suite, and botocore's own signer (test-only dependency) on random requests."""
from __future__ import annotations

import hashlib
import random
import string
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest

from listener.storage import sigv4
from listener.storage.sigv4 import Credentials

# -- S3 API reference, "Signature Calculations for the Authorization Header" and
#    "Authenticating Requests: Using Query Parameters" -------------------------------

S3_CREDS = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
S3_NOW = datetime(2013, 5, 24, 0, 0, 0, tzinfo=timezone.utc)
S3_HOST = "examplebucket.s3.amazonaws.com"
S3_SCOPE = "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"


def s3_sign(method, path, query=(), headers=(), payload_hash=sigv4.EMPTY_SHA256):
    return sigv4.sign_headers(method=method, host=S3_HOST, path=path, query=query,
                              headers=headers, payload_hash=payload_hash,
                              credentials=S3_CREDS, region="us-east-1", now=S3_NOW)


def test_s3_example_get_object():
    signed = s3_sign("GET", "/test.txt", headers=[("Range", "bytes=0-9")])
    assert signed.canonical_request == (
        "GET\n/test.txt\n\n"
        "host:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
        "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
        "x-amz-date:20130524T000000Z\n\n"
        "host;range;x-amz-content-sha256;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    assert signed.string_to_sign == (
        "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
        "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972")
    assert signed.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    assert signed.headers["Authorization"] == (
        f"AWS4-HMAC-SHA256 Credential={S3_SCOPE}, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")


def test_s3_example_put_object():
    body = b"Welcome to Amazon S3."
    payload = hashlib.sha256(body).hexdigest()
    assert payload == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
    signed = s3_sign("PUT", "/test$file.text", payload_hash=payload, headers=[
        ("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")])
    assert signed.canonical_request.startswith("PUT\n/test%24file.text\n\n")
    assert signed.string_to_sign.endswith(
        "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d")
    assert "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class," \
        in signed.headers["Authorization"]
    assert signed.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
    assert signed.headers["x-amz-content-sha256"] == payload


def test_s3_example_get_bucket_lifecycle():
    signed = s3_sign("GET", "/", query=[("lifecycle", "")])
    assert signed.canonical_request.startswith("GET\n/\nlifecycle=\n")
    assert signed.string_to_sign.endswith(
        "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca")
    assert signed.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"


def test_s3_example_list_objects_sorts_the_query():
    signed = s3_sign("GET", "/", query=[("prefix", "J"), ("max-keys", "2")])
    assert signed.canonical_request.startswith("GET\n/\nmax-keys=2&prefix=J\n")
    assert signed.string_to_sign.endswith(
        "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7")
    assert signed.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"


def test_s3_example_presigned_url():
    url, signed = sigv4.presign_url(method="GET", scheme="https", host=S3_HOST, path="/test.txt",
                                    credentials=S3_CREDS, region="us-east-1", expires=86400,
                                    now=S3_NOW)
    assert signed.canonical_request == (
        "GET\n/test.txt\n"
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
        "us-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
        "&X-Amz-SignedHeaders=host\n"
        "host:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD")
    assert signed.string_to_sign.endswith(
        "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04")
    assert url == (
        "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")


def test_presign_refuses_an_expiry_beyond_seven_days():
    with pytest.raises(ValueError):
        sigv4.presign_url(method="GET", scheme="https", host=S3_HOST, path="/k",
                          credentials=S3_CREDS, region="us-east-1", expires=604801, now=S3_NOW)


# -- AWS SigV4 test suite (service "service", us-east-1, 20150830T123600Z) ------------

SUITE_CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
SUITE_NOW = datetime(2015, 8, 30, 12, 36, 0, tzinfo=timezone.utc)
UNRESERVED = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# name: (method, decoded path, query pairs, extra headers, body, signed headers, signature)
SUITE = {
    "get-vanilla": ("GET", "/", [], [], b"", "host;x-amz-date",
                    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
    "get-vanilla-query-order-key-case": (
        "GET", "/", [("Param2", "value2"), ("Param1", "value1")], [], b"", "host;x-amz-date",
        "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
    "get-vanilla-query-order-value": (
        "GET", "/", [("Param1", "value2"), ("Param1", "value1")], [], b"", "host;x-amz-date",
        "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"),
    "get-vanilla-query-unreserved": (
        "GET", "/", [(UNRESERVED, UNRESERVED)], [], b"", "host;x-amz-date",
        "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
    "get-vanilla-utf8-query": ("GET", "/", [("\u1234", "bar")], [], b"", "host;x-amz-date",
                               "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
    "get-utf8": ("GET", "/\u1234", [], [], b"", "host;x-amz-date",
                 "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
    "get-unreserved": ("GET", "/" + UNRESERVED, [], [], b"", "host;x-amz-date",
                       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
    "get-space": ("GET", "/example space/", [], [], b"", "host;x-amz-date",
                  "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"),
    "get-header-value-trim": (
        "GET", "/", [], [("My-Header1", " value1"), ("My-Header2", ' "a   b   c"')], b"",
        "host;my-header1;my-header2;x-amz-date",
        "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
    "get-header-value-order": (
        "GET", "/", [], [("My-Header1", v) for v in ("value4", "value1", "value3", "value2")], b"",
        "host;my-header1;x-amz-date",
        "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"),
    "get-header-key-duplicate": (
        "GET", "/", [], [("My-Header1", v) for v in ("value2", "value2", "value1")], b"",
        "host;my-header1;x-amz-date",
        "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
    "post-vanilla-query": ("POST", "/", [("Param1", "value1")], [], b"", "host;x-amz-date",
                           "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
    "post-x-www-form-urlencoded": (
        "POST", "/", [], [("Content-Type", "application/x-www-form-urlencoded")], b"Param1=value1",
        "content-type;host;x-amz-date",
        "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
}


def suite_sign(method, path, query, headers, body, **kwargs):
    return sigv4.sign_headers(method=method, host="example.amazonaws.com", path=path, query=query,
                              headers=headers, payload_hash=hashlib.sha256(body).hexdigest(),
                              credentials=kwargs.pop("credentials", SUITE_CREDS),
                              region="us-east-1", service="service", now=SUITE_NOW,
                              content_sha256_header=False, **kwargs)


@pytest.mark.parametrize("name", sorted(SUITE))
def test_aws_sigv4_suite(name):
    method, path, query, headers, body, signed_headers, sig = SUITE[name]
    signed = suite_sign(method, path, query, headers, body)
    assert signed.headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        f"SignedHeaders={signed_headers}, Signature={sig}")


def test_suite_canonical_forms():
    signed = suite_sign(*SUITE["get-header-value-trim"][:5])
    assert "my-header1:value1\nmy-header2:\"a b c\"\n" in signed.canonical_request
    signed = suite_sign(*SUITE["get-header-value-order"][:5])
    assert "my-header1:value4,value1,value3,value2\n" in signed.canonical_request
    signed = suite_sign(*SUITE["get-utf8"][:5])
    assert signed.canonical_request.startswith("GET\n/%E1%88%B4\n\n")
    signed = suite_sign(*SUITE["get-vanilla-utf8-query"][:5])
    assert signed.canonical_request.startswith("GET\n/\n%E1%88%B4=bar\n")


def test_suite_session_token_is_a_signed_header():
    token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
    creds = Credentials(SUITE_CREDS.access_key_id, SUITE_CREDS.secret_access_key, token)
    signed = suite_sign("GET", "/", [], [], b"", credentials=creds)
    assert signed.headers["x-amz-security-token"] == token
    assert signed.headers["Authorization"].endswith(
        "SignedHeaders=host;x-amz-date;x-amz-security-token, "
        "Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8")


def test_suite_path_normalisation_is_opt_in():
    """The suite's get-slashes normalises `//example//` (non-S3 services); S3 signs
    the path as sent."""
    normalised = suite_sign("GET", "//example//", [], [], b"", normalize_path=True)
    assert normalised.signature == "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"
    assert normalised.canonical_request.startswith("GET\n/example/\n")
    as_sent = suite_sign("GET", "//example//", [], [], b"")
    assert as_sent.canonical_request.startswith("GET\n//example//\n")
    dots = suite_sign("GET", "/a/./b/../c", [], [], b"")
    assert dots.canonical_request.startswith("GET\n/a/./b/../c\n")


def test_uri_encoding():
    assert sigv4.uri_encode("a b+c/d=é~*'()!") == "a%20b%2Bc%2Fd%3D%C3%A9~%2A%27%28%29%21"
    assert sigv4.encode_path("/bucket/a b/c%d.wav") == "/bucket/a%20b/c%25d.wav"
    assert sigv4.canonical_query([("b", ""), ("a", "1"), ("a", "0"), ("x", "a/b")]) == \
        "a=0&a=1&b=&x=a%2Fb"


# -- botocore's signer on random requests (botocore is a test-only dependency) -------

def _random_text(rng: random.Random, alphabet: str, lo: int, hi: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


KEY_CHARS = string.ascii_letters + string.digits + " -_.~!$&'()*+,;=:@%/é\u1234"
VALUE_CHARS = string.ascii_letters + string.digits + "  -_.~/+=,;:\"'é"


@pytest.fixture
def frozen_botocore(monkeypatch):
    """botocore reads the clock in one place; pin it (botocore only, not our code)."""
    import botocore.auth

    now = datetime(2026, 11, 26, 13, 14, 15)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: now)
    return now.replace(tzinfo=timezone.utc)


@pytest.mark.parametrize("seed", range(40))
def test_matches_botocore_header_signer(seed, frozen_botocore):
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials
    from botocore.utils import percent_encode

    rng = random.Random(seed)
    secret = _random_text(rng, string.ascii_letters + string.digits + "/+", 40, 40)
    token = _random_text(rng, string.ascii_letters, 20, 60) if seed % 3 == 0 else ""
    key = "/".join(_random_text(rng, KEY_CHARS, 1, 12) for _ in range(rng.randint(1, 4)))
    path = "/bucket-x/" + key
    query = {_random_text(rng, KEY_CHARS, 1, 8): _random_text(rng, KEY_CHARS, 0, 8)
             for _ in range(rng.randint(0, 4))}
    headers = {"x-amz-meta-" + _random_text(rng, string.ascii_lowercase + "-", 1, 10):
               _random_text(rng, VALUE_CHARS, 1, 20).strip() or "v"
               for _ in range(rng.randint(0, 4))}
    headers["Content-Type"] = rng.choice(["audio/wav", "application/json"])
    body = rng.randbytes(rng.randint(0, 300))
    method = rng.choice(["GET", "PUT", "POST", "DELETE", "HEAD"])
    host = rng.choice(["127.0.0.1:9000", "bucket-x.s3.eu-west-3.amazonaws.com"])
    region = rng.choice(["us-east-1", "eu-west-3"])

    ours = sigv4.sign_headers(method=method, host=host, path=path, query=list(query.items()),
                              headers=list(headers.items()),
                              payload_hash=hashlib.sha256(body).hexdigest(),
                              credentials=Credentials("AKIDRANDOM", secret, token),
                              region=region, now=frozen_botocore)

    request = AWSRequest(method=method, url=f"http://{host}{percent_encode(path, safe='/~')}",
                         params=query, headers=dict(headers), data=body)
    S3SigV4Auth(BotoCredentials("AKIDRANDOM", secret, token or None), "s3", region).add_auth(request)
    assert ours.headers["Authorization"] == request.headers["Authorization"]
    assert ours.headers["x-amz-content-sha256"] == request.headers["X-Amz-Content-SHA256"]


@pytest.mark.parametrize("seed", range(20))
def test_matches_botocore_presigner(seed, frozen_botocore):
    from botocore.auth import S3SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials
    from botocore.utils import percent_encode

    rng = random.Random(1000 + seed)
    secret = _random_text(rng, string.ascii_letters + string.digits + "/+", 40, 40)
    token = _random_text(rng, string.ascii_letters + "/+=", 20, 60) if seed % 2 else ""
    path = "/bucket-y/" + "/".join(_random_text(rng, KEY_CHARS, 1, 12) for _ in range(2))
    expires = rng.randint(1, 604800)
    url, _ = sigv4.presign_url(method="GET", scheme="https", host="s3.example.test", path=path,
                               credentials=Credentials("AKIDRANDOM", secret, token),
                               region="us-east-1", expires=expires, now=frozen_botocore)

    request = AWSRequest(method="GET", url=f"https://s3.example.test{percent_encode(path, safe='/~')}")
    S3SigV4QueryAuth(BotoCredentials("AKIDRANDOM", secret, token or None), "s3", "us-east-1",
                     expires=expires).add_auth(request)
    ours, theirs = urlsplit(url), urlsplit(request.url)
    assert ours.path == theirs.path
    assert dict(parse_qsl(ours.query)) == dict(parse_qsl(theirs.query))
