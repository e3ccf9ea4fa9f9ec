"""Fetching a mix's file layers into the staging folder before the render.

The engine does no network I/O: the listener downloads each file layer (by URL,
or by storage key through a short-lived signed URL), streamed to disk under a
size cap and a time limit. A URL must pass the deployment's URL policy
(listener/jobs/url_policy.py: public addresses only unless told otherwise),
checked at every redirect and on the addresses it resolves to. A required file that cannot be had fails the job
(for good when the server refused it, for a retry when it was unreachable); an
optional one is left out with a warning that ends up in the job's result.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from yarl import URL

from listener.errors import PermanentJobError, PermanentStorageError, StorageError, TransientError
from listener.jobs.url_policy import PolicyResolver, UrlPolicy, UrlRefused
from listener.storage import Storage, UnsafeKeyError

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 512 * 1024 * 1024   # a 15-minute 48 kHz stereo 32-bit WAV is ~350 MB
SIGNED_URL_SECONDS = 300
CHUNK = 1 << 16
MAX_REDIRECTS = 5


class DownloadRefused(Exception):
    """The server answered, and the answer means trying again will not help."""


class DownloadUnavailable(Exception):
    """The server could not be reached or failed; later may work."""


@dataclass(frozen=True)
class Downloaded:
    files: dict[int, Path]   # layer index -> local file
    warnings: list[str]


async def download_sources(sources, folder: Path, storage: Storage, timeout_s: float,
                           policy: UrlPolicy, max_bytes: int = MAX_FILE_BYTES) -> Downloaded:
    """Fetch every FileSource of a spec into `folder`, one after another."""
    files: dict[int, Path] = {}
    warnings: list[str] = []
    timeout = aiohttp.ClientTimeout(total=timeout_s, sock_connect=min(timeout_s, 30.0))
    guarded = aiohttp.TCPConnector(resolver=PolicyResolver(policy))
    async with aiohttp.ClientSession(timeout=timeout) as own, \
            aiohttp.ClientSession(timeout=timeout, connector=guarded) as outside:
        for source in sources:
            where = f"layers[{source.layer}].{'url' if source.url else 'key'}"
            shown = source.url or source.key
            target = folder / f"layer-{source.layer}"
            try:
                if source.url:
                    await _fetch_outside(outside, policy, source.url, target, max_bytes)
                else:  # the service's own storage: trusted, whatever its address
                    await _fetch(own, await _signed_url(storage, source.key), target, max_bytes)
                files[source.layer] = target
            except (DownloadRefused, DownloadUnavailable, asyncio.TimeoutError) as exc:
                target.unlink(missing_ok=True)
                reason = str(exc) or f"no answer within {timeout_s:g} s"
                message = f"{where}: could not download {shown!r}: {reason}"
                if not source.required:
                    warnings.append(f"{message}; the optional layer was left out")
                    log.info("%s", warnings[-1])
                elif isinstance(exc, DownloadRefused):
                    raise PermanentJobError(message) from None
                else:
                    raise TransientError(message) from None
    return Downloaded(files, warnings)


async def _signed_url(storage: Storage, key: str) -> str:
    try:
        return await storage.signed_url(key, SIGNED_URL_SECONDS)
    except (UnsafeKeyError, PermanentStorageError) as exc:
        raise DownloadRefused(str(exc)) from None
    except StorageError as exc:
        raise DownloadUnavailable(str(exc)) from None


async def _fetch_outside(http: aiohttp.ClientSession, policy: UrlPolicy, url: str, target: Path,
                         max_bytes: int) -> None:
    """Fetch a layer's own URL, following redirects by hand so each hop is checked."""
    for _ in range(MAX_REDIRECTS + 1):
        try:
            policy.check_url(url)
        except UrlRefused as exc:
            raise DownloadRefused(f"refused by the URL policy: {exc}") from None
        url = await _fetch(http, url, target, max_bytes, follow_redirects=False)
        if url is None:
            return
    raise DownloadRefused(f"more than {MAX_REDIRECTS} redirects")


async def _fetch(http: aiohttp.ClientSession, url: str, target: Path, max_bytes: int,
                 follow_redirects: bool = True) -> str | None:
    """Stream `url` into `target`; with follow_redirects=False a redirect's
    target URL is returned instead (None once the file is written)."""
    try:
        async with http.get(url, allow_redirects=follow_redirects) as response:
            if not follow_redirects and response.status in (301, 302, 303, 307, 308):
                location = response.headers.get("Location")
                if not location:
                    raise DownloadRefused(f"HTTP {response.status} redirect without a Location")
                return str(response.url.join(URL(location)))
            if response.status >= 500 or response.status in (408, 429):
                raise DownloadUnavailable(f"HTTP {response.status} {response.reason}")
            if response.status >= 400:
                raise DownloadRefused(f"HTTP {response.status} {response.reason}")
            if response.content_length is not None and response.content_length > max_bytes:
                raise DownloadRefused(f"{response.content_length} bytes is over the "
                                      f"{max_bytes} byte limit of a file layer")
            size = 0
            with open(target, "wb") as out:
                async for chunk in response.content.iter_chunked(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise DownloadRefused(f"more than the {max_bytes} byte limit of a file layer")
                    out.write(chunk)
            return None
    except aiohttp.InvalidURL as exc:
        raise DownloadRefused(f"not a URL that can be fetched ({exc})") from None
    except aiohttp.ClientConnectorError as exc:
        if isinstance(exc.os_error, UrlRefused):  # from the policy's resolver
            raise DownloadRefused(f"refused by the URL policy: {exc.os_error}") from None
        raise DownloadUnavailable(f"{type(exc).__name__}: {exc}") from None
    except aiohttp.ClientError as exc:
        raise DownloadUnavailable(f"{type(exc).__name__}: {exc}") from None
