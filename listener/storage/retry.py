"""Retrying storage requests: up to 5 attempts with exponential backoff and jitter
on 5xx, 408, 429, timeouts and connection errors; other 4xx fail at once.

A connection error during an upload is ambiguous (the server may have stored the
object before the connection broke), so uploads pass `settled`: a check of the
object that decides whether the upload in fact succeeded before trying again.
"""
from __future__ import annotations

import asyncio
import logging
import random
from typing import Awaitable, Callable, TypeVar

import aiohttp

from listener.errors import PermanentStorageError, StorageError

log = logging.getLogger(__name__)
T = TypeVar("T")


class HTTPStatusError(Exception):
    """A storage server answered with an error status; `message` is the server's
    own explanation (never request headers, which carry credentials)."""

    def __init__(self, status: int, message: str):
        super().__init__(f"HTTP {status}: {message}")
        self.status, self.message = status, message

    @property
    def retryable(self) -> bool:
        return self.status >= 500 or self.status in (408, 429)


# Transport and protocol failures: a refused or broken connection, a timeout, a
# malformed answer. (HTTP statuses never raise here: they become HTTPStatusError.)
CONNECTION_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError)


async def retrying(op: Callable[[], Awaitable[T]], *, what: str, attempts: int = 5,
                   base_delay: float = 0.2, max_delay: float = 5.0,
                   settled: Callable[[], Awaitable[bool]] | None = None) -> T | None:
    """Run `op` until it succeeds, retrying transient failures.

    Returns op's result, or None when `settled()` showed that an attempt whose
    connection broke did store the object."""
    last: Exception | None = None
    for attempt in range(1, attempts + 1):
        try:
            return await op()
        except HTTPStatusError as exc:
            if not exc.retryable:
                raise PermanentStorageError(f"{what}: refused with {exc}") from None
            last = exc
        except CONNECTION_ERRORS as exc:
            last = exc
            if settled is not None:
                try:
                    if await settled():
                        log.info("%s: connection broke but the object is complete; not uploading again", what)
                        return None
                except (HTTPStatusError, *CONNECTION_ERRORS):
                    pass  # cannot tell yet: try again
        if attempt < attempts:
            delay = min(base_delay * 2 ** (attempt - 1), max_delay) * random.uniform(0.5, 1.5)
            log.warning("%s: %s (attempt %d of %d); retrying in %.2f s",
                        what, _describe(last), attempt, attempts, delay)
            await asyncio.sleep(delay)
    raise StorageError(f"{what} failed after {attempts} attempts: {_describe(last)}")


def _describe(exc: Exception | None) -> str:
    if exc is None:
        return "unknown error"
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
