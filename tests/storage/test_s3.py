"""S3Storage against a real S3 server: moto's server mode with IAM signature and
permission checks on (INITIAL_NO_AUTH_ACTION_COUNT), plus the tests' fault proxy.
boto3 is used by the tests only: to create the IAM users and to read objects back
independently of the code under test."""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import aiohttp
import pytest

from listener.config import Settings
from listener.errors import PermanentStorageError, StorageConfigError, StorageError
from listener.storage.base import CACHE_CONTROL
from listener.storage.s3 import S3Storage, multipart_etag
from chaos.faultproxy import FaultProxy
from tests.storage.conftest import Moto

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Random files of 1 KiB, 7 MiB and 40 MiB, written a block at a time."""
    root = tmp_path_factory.mktemp("uploads")
    out = {}
    for name, size in (("1k", 1024), ("7m", 7 * MiB), ("40m", 40 * MiB)):
        path, sha = root / f"{name}.bin", hashlib.sha256()
        with open(path, "wb") as fh:
            left = size
            while left:
                block = os.urandom(min(MiB, left))
                sha.update(block)
                fh.write(block)
                left -= len(block)
        out[name] = (path, sha.hexdigest())
    return out


def settings_for(moto: Moto, **overrides) -> Settings:
    base = Settings(storage_backend="s3", s3_endpoint=moto.endpoint, s3_region="us-east-1",
                    s3_bucket=f"render-{uuid.uuid4().hex[:12]}", aws_access_key_id=moto.key_id,
                    aws_secret_access_key=moto.secret, storage_path_prefix="renders/v1",
                    storage_public=False, s3_multipart_threshold_bytes=8 * MiB,
                    s3_part_size_bytes=5 * MiB, storage_max_attempts=4,
                    storage_timeout_seconds=10.0)
    return replace(base, **overrides)


class Requests:
    """The requests a storage sends, as (method, path?query), via aiohttp tracing."""

    def __init__(self):
        self.sent: list[tuple[str, str]] = []
        self.config = aiohttp.TraceConfig()
        self.config.on_request_start.append(self._on_start)

    async def _on_start(self, session, ctx, params):
        self.sent.append((params.method, params.url.raw_path_qs))

    def count(self, method: str, contains: str = "") -> int:
        return sum(1 for m, p in self.sent if m == method and contains in p)

    def clear(self) -> None:
        self.sent.clear()


@pytest.fixture
def requests():
    return Requests()


@pytest.fixture
async def make_storage(requests):
    made: list[S3Storage] = []

    async def make(settings: Settings, *, start: bool = True) -> S3Storage:
        storage = S3Storage(settings, trace_configs=[requests.config])
        made.append(storage)
        if start:
            await storage.start()
        return storage

    yield make
    for storage in made:
        await storage.close()


@pytest.fixture(autouse=True)
def no_secret_in_logs(caplog, moto):
    caplog.set_level(logging.DEBUG, logger="listener")
    yield
    for record in caplog.records:
        text = record.getMessage() + (str(record.exc_info[1]) if record.exc_info else "")
        for secret in (moto.secret, moto.weak_secret, moto.key_id, moto.weak_key_id,
                       moto.session["SecretAccessKey"], moto.session["SessionToken"]):
            assert secret not in text, f"a secret in the log: {record.getMessage()!r}"


def read_back(moto: Moto, bucket: str, key: str) -> tuple[str, dict]:
    """sha256 of the stored object, and its head, through boto3 (signed, checked)."""
    obj = moto.s3.get_object(Bucket=bucket, Key=key)
    sha = hashlib.sha256()
    for chunk in obj["Body"].iter_chunks(MiB):
        sha.update(chunk)
    return sha.hexdigest(), obj


# -- start: credentials, permissions, bucket creation ------------------------------

async def test_wrong_secret_is_refused_at_start(moto, make_storage):
    settings = settings_for(moto, aws_secret_access_key="WRONG-secret/" + moto.secret[13:])
    with pytest.raises(StorageConfigError) as info:
        await make_storage(settings)
    message = str(info.value)
    assert settings.s3_bucket in message and "SignatureDoesNotMatch" in message
    assert "AWS_SECRET_ACCESS_KEY" in message
    assert settings.aws_secret_access_key not in message and moto.key_id not in message


async def test_unknown_access_key_is_refused_at_start(moto, make_storage):
    settings = settings_for(moto, aws_access_key_id="AKIAUNKNOWNKEY000000")
    with pytest.raises(StorageConfigError) as info:
        await make_storage(settings)
    assert "InvalidAccessKeyId" in str(info.value)
    assert moto.secret not in str(info.value)


async def test_user_without_s3_permissions_is_refused_naming_the_operation(moto, make_storage):
    moto.s3.create_bucket(Bucket="shared-renders")
    settings = settings_for(moto, s3_bucket="shared-renders", aws_access_key_id=moto.weak_key_id,
                            aws_secret_access_key=moto.weak_secret)
    with pytest.raises(StorageConfigError) as info:
        await make_storage(settings)
    assert str(info.value) == ("S3 bucket 'shared-renders': access denied for PutObject "
                               "(check the credentials' permissions)")


async def test_temporary_credentials_sign_with_their_session_token(moto, make_storage, files):
    creds = moto.session
    settings = settings_for(moto, aws_access_key_id=creds["AccessKeyId"],
                            aws_secret_access_key=creds["SecretAccessKey"],
                            aws_session_token=creds["SessionToken"])
    storage = await make_storage(settings)
    path, sha = files["1k"]
    await storage.put_file("token.wav", path)
    assert read_back(moto, settings.s3_bucket, "renders/v1/token.wav")[0] == sha
    url = await storage.signed_url("token.wav", 60)
    assert "X-Amz-Security-Token=" in url

    wrong = replace(settings, aws_session_token=creds["SessionToken"][:-4] + "AAAA")
    with pytest.raises(StorageConfigError) as info:
        await make_storage(wrong)
    assert "InvalidToken" in str(info.value)
    assert wrong.aws_session_token not in str(info.value)


async def test_private_bucket_is_created_with_its_region(moto, make_storage, requests, files):
    settings = settings_for(moto, s3_region="eu-west-3")
    storage = await make_storage(settings)
    assert requests.count("PUT", f"/{settings.s3_bucket}?") == 0  # no policy, no access block
    assert moto.s3.get_bucket_location(Bucket=settings.s3_bucket)["LocationConstraint"] == "eu-west-3"
    with pytest.raises(moto.s3.exceptions.ClientError):
        moto.s3.get_bucket_policy(Bucket=settings.s3_bucket)
    listed = moto.s3.list_objects_v2(Bucket=settings.s3_bucket)
    assert listed["KeyCount"] == 0, "the write probe was left behind"
    assert storage.public_url("a/b.wav") is None

    path, sha = files["1k"]
    await storage.put_file("a/b.wav", path)
    url = await storage.signed_url("a/b.wav", 300)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    assert storage.key_for_url(url) == "a/b.wav"
    moto.auth(False)
    try:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            assert response.status == 200
            assert hashlib.sha256(await response.read()).hexdigest() == sha
    finally:
        moto.auth(True)


async def test_public_bucket_is_created_with_a_read_policy(moto, make_storage, files):
    settings = settings_for(moto, storage_public=True)
    storage = await make_storage(settings)
    policy = json.loads(moto.s3.get_bucket_policy(Bucket=settings.s3_bucket)["Policy"])
    [statement] = policy["Statement"]
    assert statement["Effect"] == "Allow" and statement["Principal"] == "*"
    assert statement["Action"] == "s3:GetObject"
    assert statement["Resource"] == f"arn:aws:s3:::{settings.s3_bucket}/renders/v1/*"

    path, sha = files["1k"]
    await storage.put_file("songs/x y.wav", path)
    url = storage.public_url("songs/x y.wav")
    assert url == f"{moto.endpoint}/{settings.s3_bucket}/renders/v1/songs/x%20y.wav"
    assert storage.key_for_url(url) == "songs/x y.wav"
    moto.auth(False)  # a plain, unsigned GET
    try:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "audio/wav"
            assert response.headers["Cache-Control"] == CACHE_CONTROL
            assert hashlib.sha256(await response.read()).hexdigest() == sha
    finally:
        moto.auth(True)


async def test_existing_bucket_is_used_as_it_is(moto, make_storage, requests):
    moto.s3.create_bucket(Bucket="existing-renders")
    await make_storage(settings_for(moto, s3_bucket="existing-renders", storage_public=True))
    assert requests.count("PUT", "/existing-renders?") == 0  # its policy is the operator's
    assert [m for m, _ in requests.sent] == ["HEAD", "PUT", "HEAD", "DELETE"]


# -- uploads ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["1k", "7m", "40m"])
async def test_upload_round_trip_and_reupload_is_a_no_op(moto, make_storage, requests, files, name):
    settings = settings_for(moto)
    storage = await make_storage(settings)
    path, sha = files[name]
    key = f"post-1/{name}.wav"
    object_key = f"renders/v1/{key}"
    requests.clear()
    started = time.monotonic()
    await storage.put_file(key, path)
    elapsed = time.monotonic() - started

    if name == "40m":  # 8 parts of 5 MiB
        assert requests.count("POST", "?uploads=") == 1
        assert requests.count("PUT", "partNumber=") == 8
        assert requests.count("POST", "?uploadId=") == 1
    else:
        assert requests.count("PUT") == 1 and requests.count("POST") == 0

    stored_sha, head = read_back(moto, settings.s3_bucket, object_key)
    assert stored_sha == sha
    assert head["ContentType"] == "audio/wav"
    assert head["CacheControl"] == CACHE_CONTROL
    assert head["ContentLength"] == path.stat().st_size
    if name == "40m":
        with open(path, "rb") as fh:
            md5s = [hashlib.md5(fh.read(5 * MiB)).digest() for _ in range(8)]
        assert head["ETag"].strip('"') == multipart_etag(md5s)
    else:
        assert head["ETag"].strip('"') == hashlib.md5(path.read_bytes()).hexdigest()
    assert await storage.exists(key)

    requests.clear()
    await storage.put_file(key, path)
    assert requests.sent == [("HEAD", f"/{settings.s3_bucket}/{object_key}")]
    print(f"\n{name}: uploaded in {elapsed:.2f} s")


async def test_exists_delete_and_urls(moto, make_storage, files):
    storage = await make_storage(settings_for(moto, storage_path_prefix=""))
    path, _ = files["1k"]
    assert not await storage.exists("k/1.json")
    await storage.put_file("k/1.json", path)
    assert await storage.exists("k/1.json")
    head = moto.s3.head_object(Bucket=storage.bucket, Key="k/1.json")
    assert head["ContentType"] == "application/json"
    await storage.delete("k/1.json")
    assert not await storage.exists("k/1.json")
    await storage.delete("k/1.json")  # already gone: fine
    url = await storage.signed_url("k/1.json", 60)
    assert storage.key_for_url(url) == "k/1.json"


def test_urls_and_addressing_styles():
    aws = S3Storage(Settings(s3_bucket="media", s3_region="eu-west-3", aws_access_key_id="AKIDX",
                             aws_secret_access_key="s", storage_path_prefix="p", storage_public=True))
    url = aws.public_url("a b/c.wav")
    assert url == "https://media.s3.eu-west-3.amazonaws.com/p/a%20b/c.wav"
    assert aws.key_for_url(url) == "a b/c.wav"
    assert aws.key_for_url(url + "?X-Amz-Signature=x") == "a b/c.wav"
    assert aws.key_for_url("https://media.s3.eu-west-3.amazonaws.com/other/c.wav") is None
    assert aws.key_for_url("https://elsewhere.example/p/c.wav") is None
    assert aws.key_for_url("") is None

    path_style = S3Storage(Settings(s3_bucket="media", s3_endpoint="https://minio.local:443",
                                    aws_access_key_id="AKIDX", aws_secret_access_key="s"))
    assert path_style.public_url("x.wav") == "https://minio.local/media/x.wav"
    virtual = S3Storage(Settings(s3_bucket="media", s3_endpoint="http://s3.local:9000",
                                 s3_addressing_style="virtual", aws_access_key_id="AKIDX",
                                 aws_secret_access_key="s"))
    assert virtual.public_url("x.wav") == "http://media.s3.local:9000/x.wav"

    cdn = S3Storage(Settings(s3_bucket="media", s3_public_base_url="https://cdn.example/m",
                             storage_path_prefix="p", aws_access_key_id="AKIDX",
                             aws_secret_access_key="s"))
    assert cdn.public_url("x.wav") == "https://cdn.example/m/p/x.wav"
    assert cdn.key_for_url("https://cdn.example/m/p/x.wav") == "x.wav"
    private = S3Storage(Settings(s3_bucket="media", storage_public=False, aws_access_key_id="AKIDX",
                                 aws_secret_access_key="s"))
    assert private.public_url("x.wav") is None


MEMORY_PROBE = """
import asyncio, json, sys
from pathlib import Path
from listener.config import Settings
from listener.storage.s3 import S3Storage

def peak_rss_kib():  # VmHWM: unlike ru_maxrss, not inherited from the forking parent
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))

async def main(config, name, small, large):
    storage = S3Storage(Settings(**config))
    await storage.start()
    await storage.put_file(name + "-warm-up.wav", Path(small))
    before = peak_rss_kib()
    await storage.put_file(name + ".wav", Path(large))
    print((peak_rss_kib() - before) / 1024)
    await storage.close()

asyncio.run(main(json.loads(sys.argv[1]), *sys.argv[2:]))
"""


def test_upload_memory_does_not_grow_with_the_file(moto, files):
    """The 40 MiB file as one streamed PUT and as a multipart upload (5 MiB parts),
    each in a fresh process (this one's allocator keeps what earlier tests used),
    after a warm-up upload:
    the peak RSS grows by a few blocks or parts, not by the file."""
    settings = settings_for(moto)
    config = {f: getattr(settings, f) for f in ("s3_endpoint", "s3_bucket", "aws_access_key_id",
              "aws_secret_access_key", "storage_path_prefix", "storage_public",
              "s3_part_size_bytes")}
    growth = {}
    for name, threshold in (("single", 64 * MiB), ("multipart", 8 * MiB)):
        config["s3_multipart_threshold_bytes"] = threshold
        out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, json.dumps(config), name,
                              str(files["1k"][0]), str(files["40m"][0])],
                             cwd=Path(__file__).resolve().parents[2], capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0, out.stderr[-2000:]
        growth[name] = float(out.stdout.strip().splitlines()[-1])
    print(f"\npeak RSS growth uploading 40 MiB: single PUT {growth['single']:.1f} MiB, "
          f"multipart {growth['multipart']:.1f} MiB")
    assert growth["single"] < 16
    assert growth["multipart"] < 16
    for name in ("single", "multipart"):
        assert read_back(moto, settings.s3_bucket, f"renders/v1/{name}.wav")[0] == files["40m"][1]


async def test_a_refusal_fails_at_once_with_s3s_reason(moto, make_storage, requests, files):
    storage = await make_storage(settings_for(moto))
    moto.s3.delete_bucket(Bucket=storage.bucket)
    requests.clear()
    started = time.monotonic()
    with pytest.raises(PermanentStorageError) as info:
        await storage.put_file("x.wav", files["1k"][0])
    assert time.monotonic() - started < 1
    assert requests.count("PUT") == 1, "a 404 must not be retried"
    message = str(info.value)
    assert "NoSuchBucket" in message and "The specified bucket does not exist" in message
    assert moto.secret not in message and moto.key_id not in message


async def test_a_refused_multipart_upload_is_aborted(moto, make_storage, requests, files):
    """Parts under S3's 5 MiB minimum: CompleteMultipartUpload is refused
    (EntityTooSmall), and the upload is aborted rather than left to cost money."""
    storage = await make_storage(settings_for(moto, s3_multipart_threshold_bytes=5 * MiB,
                                              s3_part_size_bytes=1 * MiB))
    requests.clear()
    with pytest.raises(PermanentStorageError) as info:
        await storage.put_file("small-parts.wav", files["7m"][0])
    assert "EntityTooSmall" in str(info.value)
    assert requests.count("POST", "?uploadId=") == 1, "a 400 must not be retried"
    assert requests.count("DELETE", "?uploadId=") == 1
    assert moto.s3.list_multipart_uploads(Bucket=storage.bucket).get("Uploads", []) == []
    assert not await storage.exists("small-parts.wav")


# -- faults between the service and S3 -----------------------------------------------

@pytest.fixture
async def proxy(moto):
    proxy = await FaultProxy("127.0.0.1", moto.port).start()
    yield proxy
    await proxy.stop()


async def proxied_storage(moto, proxy, make_storage, **overrides) -> S3Storage:
    settings = settings_for(moto, s3_endpoint=f"http://127.0.0.1:{proxy.port}", **overrides)
    return await make_storage(settings)


@pytest.mark.parametrize("name", ["7m", "40m"])
async def test_upload_survives_a_503(moto, proxy, make_storage, requests, files, name):
    storage = await proxied_storage(moto, proxy, make_storage)
    proxy.fail_next(1, "503", methods={"PUT"})
    path, sha = files[name]
    await storage.put_file("s.wav", path)
    assert proxy.injected["503"] == 1
    assert read_back(moto, storage.bucket, "renders/v1/s.wav")[0] == sha


@pytest.mark.parametrize("name", ["7m", "40m"])
async def test_upload_survives_a_connection_dropped_mid_upload(moto, proxy, make_storage, requests,
                                                               files, name):
    storage = await proxied_storage(moto, proxy, make_storage)
    proxy.fail_next(1, "drop-mid-upload", methods={"PUT"})
    path, sha = files[name]
    requests.clear()
    await storage.put_file("d.wav", path)
    assert proxy.injected["drop-mid-upload"] == 1
    stored_sha, head = read_back(moto, storage.bucket, "renders/v1/d.wav")
    assert stored_sha == sha and head["ContentLength"] == path.stat().st_size
    # only the broken request was sent again
    if name == "7m":
        assert requests.count("PUT") == 2
    else:
        assert requests.count("PUT", "partNumber=") == 9
        assert requests.count("POST", "?uploads=") == 1 and requests.count("POST", "?uploadId=") == 1


async def test_an_upload_stored_before_the_connection_broke_is_not_sent_again(
        moto, proxy, make_storage, requests, files):
    storage = await proxied_storage(moto, proxy, make_storage)
    proxy.fail_next(1, "drop-after-upload", methods={"PUT"})
    # Small, so that the server has surely stored it when the check comes, even on
    # a loaded machine (the proxy cuts the client side as soon as the body is sent).
    path, sha = files["1k"]
    requests.clear()
    await storage.put_file("a.wav", path)
    assert proxy.injected["drop-after-upload"] == 1
    assert requests.count("PUT") == 1  # the HEAD after the break found it complete
    assert read_back(moto, storage.bucket, "renders/v1/a.wav")[0] == sha


async def test_a_stalled_request_times_out_and_is_retried(moto, proxy, make_storage, files):
    storage = await proxied_storage(moto, proxy, make_storage, storage_timeout_seconds=1.0)
    proxy.fail_next(1, "stall", methods={"PUT"})
    path, sha = files["1k"]
    started = time.monotonic()
    await storage.put_file("t.wav", path)
    assert 1.0 <= time.monotonic() - started < 5
    assert read_back(moto, storage.bucket, "renders/v1/t.wav")[0] == sha


async def test_giving_up_on_a_failing_server_is_transient_and_says_why(moto, proxy, make_storage,
                                                                      files):
    storage = await proxied_storage(moto, proxy, make_storage, storage_max_attempts=2)
    proxy.fail_next(2, "503", methods={"PUT"})
    with pytest.raises(StorageError) as info:
        await storage.put_file("g.wav", files["1k"][0])
    assert not isinstance(info.value, PermanentStorageError)
    message = str(info.value)
    assert message.startswith("S3 PutObject renders/v1/g.wav failed after 2 attempts")
    assert "503" in message
    assert moto.secret not in message and moto.key_id not in message
