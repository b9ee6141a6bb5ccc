"""The blob store the settings choose: ``SIPADU_BLOB_STORE=file`` (default) or ``s3``."""

from __future__ import annotations

from sipadu.settings import Settings, SettingsError
from sipadu.storage.base import BlobStore
from sipadu.storage.filesystem import FilesystemBlobStore


def blob_store_from_settings(settings: Settings) -> BlobStore:
    """A new store as configured; the S3 client is only imported when S3 is chosen."""
    if settings.blob_store == "s3":
        from sipadu.storage.s3 import S3BlobStore

        if settings.s3 is None:
            raise SettingsError("SIPADU_BLOB_STORE is s3 but no SIPADU_S3_BUCKET is configured")
        return S3BlobStore.from_settings(settings.s3)
    return FilesystemBlobStore(settings.blob_dir)
