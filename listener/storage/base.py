"""The interface every storage backend implements, and what they share."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Protocol

CONTENT_TYPES = {
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg; codecs=opus",
    ".json": "application/json",
    ".png": "image/png",
}
# Keys are content-addressed (the signature is in the name): an object never
# changes once written, so clients may cache it forever.
CACHE_CONTROL = "public, max-age=31536000, immutable"


def content_type_for(key: str) -> str:
    return CONTENT_TYPES.get(Path(key).suffix.lower(), "application/octet-stream")


@dataclass(frozen=True)
class StoredObject:
    key: str          # the storage key (prefix removed)
    size: int
    modified: float   # seconds since the epoch


class Storage(Protocol):
    """A place for rendered files. Every method retries transient failures itself
    and raises StorageError (transient) or PermanentStorageError when it gives up."""

    name: str

    async def start(self) -> None:
        """Check the configuration and permissions; create the bucket if missing.
        Raises StorageConfigError with a clear message."""
        ...

    async def put_file(self, key: str, source: Path) -> None:
        """Store the file under `key`, streamed, with its Content-Type and
        Cache-Control. Readers see no object or the whole object, never a part."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None: ...

    def public_url(self, key: str) -> str | None:
        """A permanent URL for `key`, or None when the bucket is private."""
        ...

    async def signed_url(self, key: str, expires_in: int) -> str:
        """A URL that reads `key` for `expires_in` seconds."""
        ...

    def key_for_url(self, url: str) -> str | None:
        """The key of an object behind a URL this backend (or the service's
        /samples/ route) handed out, or None."""
        ...

    def list_objects(self, prefix: str) -> AsyncIterator[StoredObject]:
        """Every object whose key starts with `prefix` (used by `gc`)."""
        ...

    async def close(self) -> None: ...
