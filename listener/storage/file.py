"""Local file storage under STORAGE_DIR, served by the service's HTTP server at /files/."""
from __future__ import annotations

import asyncio
import filecmp
import os
import shutil
import uuid
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote

from listener.errors import StorageConfigError, StorageError
from listener.storage.base import StoredObject


class UnsafeKeyError(ValueError):
    """A key that would name a file outside the storage root."""


class FileStorage:
    """Files under a local root. Public URLs point at the service's own /files/ route."""

    name = "file"

    def __init__(self, root: Path, base_url: str):
        self.root = root.resolve()
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"

    def path_for(self, key: str) -> Path:
        """The file for `key`; refuses keys that are absolute, contain `..`, empty
        parts, backslashes or NUL, or resolve (through symlinks) outside the root."""
        if not key or "\x00" in key or "\\" in key or key.startswith("/"):
            raise UnsafeKeyError(f"unsafe storage key {key!r}")
        parts = PurePosixPath(key).parts
        if any(p in ("", ".", "..") for p in parts) or len(parts) != len(key.split("/")):
            raise UnsafeKeyError(f"unsafe storage key {key!r}")
        path = (self.root / key).resolve()
        if path != self.root and self.root not in path.parents:
            raise UnsafeKeyError(f"unsafe storage key {key!r}")
        return path

    async def start(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".probe-{uuid.uuid4().hex}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise StorageConfigError(f"STORAGE_DIR {self.root} is not writable: {exc.strerror or exc}") from exc

    async def close(self) -> None:
        pass

    def public_url(self, key: str) -> str:
        self.path_for(key)
        return self.base_url + quote(key)

    async def signed_url(self, key: str, expires_in: int) -> str:
        return self.public_url(key)

    def key_for_url(self, url: str) -> str | None:
        if not url or not url.startswith(self.base_url):
            return None
        return unquote(url[len(self.base_url):])

    async def put_file(self, key: str, source: Path) -> None:
        target = self.path_for(key)
        try:
            await asyncio.to_thread(self._copy_atomically, source, target)
        except OSError as exc:
            raise StorageError(f"could not store {key}: {exc.strerror or exc}") from exc

    @staticmethod
    def _copy_atomically(source: Path, target: Path) -> None:
        if target.is_file() and filecmp.cmp(source, target, shallow=False):
            return  # content-addressed key already holds these bytes: a re-render is a no-op
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        try:
            shutil.copyfile(source, tmp)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    async def list_objects(self, prefix: str):
        base = self.root / prefix if prefix else self.root
        if not base.resolve().is_relative_to(self.root):
            raise UnsafeKeyError(f"unsafe storage prefix {prefix!r}")
        paths = await asyncio.to_thread(lambda: [p for p in base.rglob("*") if p.is_file()])
        for path in sorted(paths):
            if path.name.startswith("."):
                continue  # temp files of uploads in progress
            stat = path.stat()
            yield StoredObject(path.relative_to(self.root).as_posix(), stat.st_size, stat.st_mtime)

    async def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    async def delete(self, key: str) -> None:
        self.path_for(key).unlink(missing_ok=True)
