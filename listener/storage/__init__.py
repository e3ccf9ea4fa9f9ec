"""Storage backends for rendered files: one interface, chosen by configuration."""
from listener.storage.base import Storage, content_type_for
from listener.storage.file import FileStorage, UnsafeKeyError

__all__ = ["Storage", "FileStorage", "UnsafeKeyError", "content_type_for"]
