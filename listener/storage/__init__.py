"""Storage backends for rendered files: one interface, chosen by STORAGE_BACKEND."""
from __future__ import annotations

from listener.config import Settings
from listener.storage.base import CACHE_CONTROL, Storage, content_type_for
from listener.storage.file import FileStorage, UnsafeKeyError

__all__ = ["Storage", "FileStorage", "UnsafeKeyError", "content_type_for", "CACHE_CONTROL",
           "make_storage"]


def make_storage(settings: Settings) -> Storage:
    """The backend named by settings.storage_backend (file, supabase or s3)."""
    if settings.storage_backend == "s3":
        from listener.storage.s3 import S3Storage

        return S3Storage(settings)
    if settings.storage_backend == "supabase":
        from listener.storage.supabase import SupabaseStorage

        return SupabaseStorage(settings)
    return FileStorage(settings.storage_dir, settings.files_base_url)
