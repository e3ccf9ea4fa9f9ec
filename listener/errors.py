"""The service's own errors. Transient ones are retried with backoff; everything
the engine raises (engine.errors.EngineError) is permanent: the same inputs would
fail the same way."""
from __future__ import annotations


class TransientError(Exception):
    """Worth trying again later: database or storage unavailable, a render process died."""


class PermanentJobError(Exception):
    """The job itself is wrong (missing post, unknown kind); retrying cannot help."""


class StorageError(TransientError):
    """The storage backend could not store or read an object (after its own retries)."""


class PermanentStorageError(PermanentJobError):
    """The storage refused the request for a reason retrying cannot fix (403, 400...)."""


class StorageConfigError(Exception):
    """The storage cannot be used as configured (missing permission, bad bucket):
    raised at start, so the service stops with the reason instead of failing later."""
