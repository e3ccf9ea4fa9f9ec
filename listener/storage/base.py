"""The interface every storage backend implements."""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

CONTENT_TYPES = {
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".json": "application/json",
    ".png": "image/png",
}


def content_type_for(key: str) -> str:
    return CONTENT_TYPES.get(Path(key).suffix.lower(), "application/octet-stream")


class Storage(Protocol):
    async def put_file(self, key: str, source: Path) -> str:
        """Store the file under `key` (atomically: readers see the old object or the
        whole new one) and return its public URL."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None: ...

    def url_for(self, key: str) -> str: ...

    def key_for_url(self, url: str) -> str | None:
        """The key of an object this backend serves at `url`, or None."""
        ...
