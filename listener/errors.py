"""The service's own errors. Transient ones are retried with backoff; everything
the engine raises (engine.errors.EngineError) is permanent: the same inputs would
fail the same way."""
from __future__ import annotations


class TransientError(Exception):
    """Worth trying again later: database or storage unavailable, a render process died."""


class StorageError(TransientError):
    """The storage backend could not store or read an object."""


class PermanentJobError(Exception):
    """The job itself is wrong (missing post, unknown kind); retrying cannot help."""
