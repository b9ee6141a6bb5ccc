"""Blob storage for encrypted attachments (ciphertext only, ids as names)."""

from sipadu.storage.base import (
    BlobExistsError,
    BlobNotFoundError,
    BlobStore,
    BlobStoreError,
    BlobStoreFullError,
    BlobStoreUnavailableError,
    BlobTooLargeError,
    BlobWriter,
    InvalidBlobIdError,
    validate_blob_id,
)
from sipadu.storage.filesystem import FilesystemBlobStore

__all__ = [
    "BlobExistsError",
    "BlobNotFoundError",
    "BlobStore",
    "BlobStoreError",
    "BlobStoreFullError",
    "BlobStoreUnavailableError",
    "BlobTooLargeError",
    "BlobWriter",
    "FilesystemBlobStore",
    "InvalidBlobIdError",
    "validate_blob_id",
]
