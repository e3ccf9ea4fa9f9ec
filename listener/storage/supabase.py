"""Supabase Storage over its documented HTTP API, with aiohttp.

- small objects: `POST /storage/v1/object/{bucket}/{path}` with `x-upsert: true`,
  the body streamed from the file;
- larger ones (over SUPABASE_TUS_THRESHOLD_BYTES, 6 MiB): TUS resumable upload at
  `/storage/v1/upload/resumable` in 6 MiB chunks (the size Supabase requires),
  resuming from the server's `Upload-Offset` after a broken connection;
- `POST /storage/v1/bucket` creates the bucket at start, `POST
  /storage/v1/object/sign/{bucket}/{path}` signs URLs of private buckets, and
  public buckets serve `/storage/v1/object/public/{bucket}/{path}`.

Supabase reports most errors as HTTP 400 with the real status in the JSON body
(`{"statusCode": "404", "error": "not_found", "message": "..."}`); the status
used for retry decisions is that one.
"""
from __future__ import annotations

import asyncio
import base64
import logging
import os
import uuid
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, unquote

import aiohttp
import orjson

from listener.config import Settings
from listener.errors import PermanentStorageError, StorageConfigError, StorageError
from listener.storage.base import StoredObject, content_type_for
from listener.storage.retry import HTTPStatusError, retrying

log = logging.getLogger(__name__)

TUS_CHUNK = 6 * 1024 * 1024
STREAM_BLOCK = 1 << 20
CACHE_SECONDS = "31536000"  # TUS metadata takes the max-age in seconds
CACHE_HEADER = f"max-age={CACHE_SECONDS}"  # as storage-js sends it with a raw body


async def file_blocks(path: Path, start: int = 0, length: int | None = None, block: int = STREAM_BLOCK):
    """Yield a file's bytes in blocks without holding it in memory."""
    remaining = os.path.getsize(path) - start if length is None else length
    with open(path, "rb") as fh:
        fh.seek(start)
        while remaining > 0:
            data = await asyncio.to_thread(fh.read, min(block, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data


def parse_error(status: int, text: str, reason: str = "") -> HTTPStatusError:
    """Supabase answers most errors with HTTP 400 and the real status in the JSON
    body (`{"statusCode": "404", "error": "not_found", "message": "Object not
    found"}`): take the status and the message from there when present."""
    message = text.strip()[:2000] or reason or "error"
    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError:
        body = None
    if isinstance(body, dict):
        code = body.get("statusCode")
        try:
            status = int(code) if code is not None else status
        except (TypeError, ValueError):
            pass
        parts = [str(body[k]) for k in ("error", "message") if body.get(k)]
        message = ": ".join(dict.fromkeys(parts)) or message
    return HTTPStatusError(status, message)


async def error_from(response: aiohttp.ClientResponse) -> HTTPStatusError:
    return parse_error(response.status, await response.text(errors="replace"), response.reason or "")


class SupabaseStorage:
    name = "supabase"

    def __init__(self, settings: Settings):
        self.settings = settings
        self.base = settings.supabase_url.rstrip("/") + "/storage/v1"
        self.bucket = settings.supabase_storage_bucket
        self.prefix = settings.storage_path_prefix
        self.public = settings.storage_public
        self._key = settings.supabase_service_key
        self._session: aiohttp.ClientSession | None = None

    # -- helpers -------------------------------------------------------------------
    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.settings.storage_timeout_seconds,
                                            sock_read=self.settings.storage_timeout_seconds)
            self._session = aiohttp.ClientSession(timeout=timeout)
        return self._session

    def _headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}", "apikey": self._key, **extra}

    def object_path(self, key: str) -> str:
        """The object's name in the bucket (prefix applied)."""
        return f"{self.prefix}/{key}" if self.prefix else key

    def _object_url(self, key: str, kind: str = "object") -> str:
        return f"{self.base}/{kind}/{quote(self.bucket)}/{quote(self.object_path(key))}"

    async def _retry(self, op, what: str, settled=None):
        return await retrying(op, what=what, attempts=self.settings.storage_max_attempts,
                              settled=settled)

    # -- lifecycle -------------------------------------------------------------------
    async def start(self) -> None:
        try:
            await self._ensure_bucket()
            probe = f".write-probe-{uuid.uuid4().hex}"
            await self._put_bytes(probe, b"probe", "text/plain")
            await self._delete_names([self.object_path(probe)])
        except PermanentStorageError as exc:
            raise StorageConfigError(
                f"Supabase Storage bucket {self.bucket!r} at {self.settings.supabase_url} is not usable:"
                f" {exc} (check SUPABASE_SERVICE_KEY is the service role key)") from None
        except StorageError as exc:
            raise StorageConfigError(f"Supabase Storage at {self.settings.supabase_url} is unreachable: {exc}") from None

    async def _ensure_bucket(self) -> None:
        async def get():
            async with self.session.get(f"{self.base}/bucket/{quote(self.bucket)}",
                                        headers=self._headers()) as r:
                if r.status == 200:
                    return await r.json()
                err = await error_from(r)
                if err.status == 404 or "not found" in err.message.lower():
                    return None
                raise err

        found = await self._retry(get, f"read bucket {self.bucket}")
        if found is not None:
            if bool(found.get("public")) != self.public:
                log.warning("bucket %s is %s but STORAGE_PUBLIC=%s: URLs follow the setting",
                            self.bucket, "public" if found.get("public") else "private", self.public)
            return

        async def create():
            body = {"id": self.bucket, "name": self.bucket, "public": self.public}
            async with self.session.post(f"{self.base}/bucket", json=body, headers=self._headers()) as r:
                if r.status in (200, 201):
                    return True
                err = await error_from(r)
                if err.status == 409 or "already exists" in err.message.lower():
                    return True  # created meanwhile by another worker
                raise err

        await self._retry(create, f"create bucket {self.bucket}")
        log.info("created %s Supabase bucket %s", "public" if self.public else "private", self.bucket)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- objects -------------------------------------------------------------------
    async def put_file(self, key: str, source: Path) -> None:
        size = os.path.getsize(source)
        if size > self.settings.supabase_tus_threshold_bytes:
            await self._put_resumable(key, source, size)
            return
        content_type = content_type_for(key)

        async def upload():
            headers = self._headers(**{"Content-Type": content_type, "cache-control": CACHE_HEADER,
                                       "x-upsert": "true", "Content-Length": str(size)})
            async with self.session.post(self._object_url(key), data=file_blocks(source),
                                         headers=headers) as r:
                if r.status in (200, 201):
                    return True
                raise await error_from(r)

        await self._retry(upload, f"upload {key}", settled=lambda: self._has_size(key, size))

    async def _put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        async def upload():
            headers = self._headers(**{"Content-Type": content_type, "x-upsert": "true"})
            async with self.session.post(self._object_url(key), data=data, headers=headers) as r:
                if r.status in (200, 201):
                    return True
                raise await error_from(r)

        await self._retry(upload, f"upload {key}")

    async def _put_resumable(self, key: str, source: Path, size: int) -> None:
        """TUS 1.0.0: create the upload, then PATCH 6 MiB chunks; after a broken
        connection ask the server for its offset and go on from there."""
        meta = {
            "bucketName": self.bucket, "objectName": self.object_path(key),
            "contentType": content_type_for(key), "cacheControl": CACHE_SECONDS,
        }
        metadata = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in meta.items())

        async def create():
            headers = self._headers(**{"Tus-Resumable": "1.0.0", "Upload-Length": str(size),
                                       "Upload-Metadata": metadata, "x-upsert": "true"})
            async with self.session.post(f"{self.base}/upload/resumable", headers=headers) as r:
                if r.status == 201 and r.headers.get("Location"):
                    return r.headers["Location"]
                raise await error_from(r)

        location = await self._retry(create, f"start resumable upload of {key}")
        if location.startswith("/"):
            location = self.settings.supabase_url.rstrip("/") + location

        async def server_offset() -> int:
            async with self.session.head(location, headers=self._headers(**{"Tus-Resumable": "1.0.0"})) as r:
                if r.status in (200, 204):
                    return int(r.headers.get("Upload-Offset", "0"))
                raise await error_from(r)

        offset = 0
        while offset < size:
            length = min(TUS_CHUNK, size - offset)
            start = offset

            async def patch():
                nonlocal offset
                headers = self._headers(**{
                    "Tus-Resumable": "1.0.0", "Upload-Offset": str(start),
                    "Content-Type": "application/offset+octet-stream", "Content-Length": str(length)})
                async with self.session.patch(location, data=file_blocks(source, start, length),
                                              headers=headers) as r:
                    if r.status in (200, 204):
                        return int(r.headers.get("Upload-Offset", start + length))
                    if r.status == 409:  # offset mismatch: the server has more (or less) than we thought
                        return await server_offset()
                    raise await error_from(r)

            async def moved_on() -> bool:
                nonlocal offset
                current = await server_offset()
                if current > start:
                    offset = current
                    return True
                return False

            result = await self._retry(patch, f"upload {key} (bytes {start}-{start + length})",
                                       settled=moved_on)
            if result is not None:
                offset = result

    async def _has_size(self, key: str, size: int) -> bool:
        async with self.session.head(self._object_url(key), headers=self._headers()) as r:
            if r.status == 200:
                return int(r.headers.get("Content-Length", "-1")) == size
            if r.status in (400, 404):
                return False
            raise await error_from(r)

    async def exists(self, key: str) -> bool:
        async def head():
            async with self.session.head(self._object_url(key), headers=self._headers()) as r:
                if r.status == 200:
                    return True
                if r.status in (400, 404):
                    return False
                raise await error_from(r)

        return bool(await self._retry(head, f"check {key}"))

    async def list_objects(self, prefix: str):
        """`POST /object/list/{bucket}` is one folder level at a time: walk it."""
        folders = [self.object_path(prefix).rstrip("/") if prefix else self.prefix]
        while folders:
            folder = folders.pop()
            offset = 0
            while True:
                async def page():
                    body = {"prefix": folder, "limit": 1000, "offset": offset,
                            "sortBy": {"column": "name", "order": "asc"}}
                    async with self.session.post(f"{self.base}/object/list/{quote(self.bucket)}",
                                                 json=body, headers=self._headers()) as r:
                        if r.status == 200:
                            return await r.json()
                        raise await error_from(r)

                entries = await self._retry(page, f"list {folder or '/'}")
                for entry in entries:
                    name = f"{folder}/{entry['name']}" if folder else entry["name"]
                    if entry.get("id") is None:  # a folder
                        folders.append(name)
                        continue
                    meta = entry.get("metadata") or {}
                    modified = entry.get("updated_at") or entry.get("created_at") or "1970-01-01T00:00:00Z"
                    key = name[len(self.prefix) + 1:] if self.prefix else name
                    yield StoredObject(key, int(meta.get("size", 0)),
                                       datetime.fromisoformat(modified.replace("Z", "+00:00")).timestamp())
                if len(entries) < 1000:
                    break
                offset += 1000

    async def delete(self, key: str) -> None:
        await self._delete_names([self.object_path(key)])

    async def _delete_names(self, names: list[str]) -> None:
        async def remove():
            async with self.session.delete(f"{self.base}/object/{quote(self.bucket)}",
                                           json={"prefixes": names}, headers=self._headers()) as r:
                if r.status in (200, 204):
                    return True
                err = await error_from(r)
                if err.status == 404:
                    return True
                raise err

        await self._retry(remove, f"delete {', '.join(names)}")

    # -- URLs -------------------------------------------------------------------
    def public_url(self, key: str) -> str | None:
        if not self.public:
            return None
        return self._object_url(key, "object/public")

    async def signed_url(self, key: str, expires_in: int) -> str:
        async def sign():
            async with self.session.post(self._object_url(key, "object/sign"),
                                         json={"expiresIn": expires_in}, headers=self._headers()) as r:
                if r.status == 200:
                    body = await r.json()
                    return body.get("signedURL") or body.get("signedUrl")
                raise await error_from(r)

        path = await self._retry(sign, f"sign {key}")
        if not path:
            raise StorageError(f"sign {key}: the server returned no signed URL")
        return path if path.startswith("http") else self.base + path

    def key_for_url(self, url: str) -> str | None:
        head = f"{self.base}/object/public/{quote(self.bucket)}/"
        if not url or not url.startswith(head):
            return None
        name = unquote(url[len(head):])
        if self.prefix:
            if not name.startswith(self.prefix + "/"):
                return None
            name = name[len(self.prefix) + 1:]
        return name

