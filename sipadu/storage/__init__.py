"""Blob storage for encrypted attachments (ciphertext only, ids as names)."""

from sipadu.storage.base import (
    BlobNotFoundError,
    BlobStore,
    BlobStoreError,
    BlobTooLargeError,
    BlobWriter,
    InvalidBlobIdError,
    validate_blob_id,
)
from sipadu.storage.filesystem import FilesystemBlobStore

__all__ = [
    "BlobNotFoundError",
    "BlobStore",
    "BlobStoreError",
    "BlobTooLargeError",
    "BlobWriter",
    "FilesystemBlobStore",
    "InvalidBlobIdError",
    "validate_blob_id",
]
