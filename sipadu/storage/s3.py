"""S3 blob store: one object per blob in one bucket, for S3-compatible object storage.

* A writer (``s3_transfer.py``) fills a buffer of :data:`PART_SIZE` bytes. A blob that stays
  under it is published with one ``PutObject`` at commit; a larger one becomes a multipart
  upload, one part per full buffer, sent by a thread while the next fills (at most
  ``PARTS_IN_FLIGHT`` at once), completed at commit. Nothing is visible before the commit:
  an unfinished multipart upload is no object.
* Publishing is create-only: ``PutObject`` and ``CompleteMultipartUpload`` carry
  ``If-None-Match: *``, so the server refuses (412) to replace an object that exists. A
  blob id is never overwritten, even by a second node or a restore.
* A failed or abandoned writer aborts its multipart upload; ``sweep_orphans`` also aborts
  uploads that some crashed process left behind.
* ``delete`` deletes the object. Nothing is overwritten first (objects are immutable); as
  on disk, the real guarantee is that a blob is ciphertext whose key dies with its row. The
  bucket must not keep old versions (docs/deployment.md).
* Error messages name the operation and the server's error code, never the credentials.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Collection, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, BinaryIO, cast

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from sipadu.storage.base import (
    BLOB_ID_PATTERN,
    BlobNotFoundError,
    BlobStore,
    BlobStoreUnavailableError,
    BlobWriter,
    validate_blob_id,
)
from sipadu.storage.s3_transfer import (
    NOT_FOUND_CODES,
    PART_SIZE,
    ObjectReader,
    S3BlobWriter,
    client_config,
    error_code,
    failure,
)

if TYPE_CHECKING:
    from sipadu.settings import S3Settings

_PARTIAL_SUFFIX = ".partial"
__all__ = ["PART_SIZE", "S3BlobStore", "client_config", "new_blob_id"]


class S3BlobStore(BlobStore):
    """A :class:`BlobStore` in one bucket of an S3-compatible object store."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    @classmethod
    def from_settings(cls, settings: S3Settings) -> S3BlobStore:
        """A store with its own client for the configured endpoint and credentials."""
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.endpoint_url,
            region_name=settings.region,
            aws_access_key_id=settings.credentials.access_key_id,
            aws_secret_access_key=settings.credentials.secret_access_key,
            config=client_config(),
        )
        return cls(client, settings.bucket)

    def open_writer(self, *, max_size: int | None = None) -> BlobWriter:
        """Start a new blob under a fresh random id; nothing is sent before a full part."""
        return S3BlobWriter(self.client, self.bucket, max_size, new_blob_id())

    def import_blob(self, blob_id: str, source: BinaryIO) -> int:
        """Store ``source`` under exactly ``blob_id`` (BlobExistsError if it exists)."""
        writer = S3BlobWriter(self.client, self.bucket, None, validate_blob_id(blob_id))
        with writer:
            while piece := source.read(PART_SIZE):
                writer.write(piece)
            writer.commit()
        return writer.size

    def open(self, blob_id: str) -> BinaryIO:
        """Open a blob for reading, streamed from the server as it is read."""
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=validate_blob_id(blob_id))
        except ClientError as error:
            if error_code(error) in NOT_FOUND_CODES:
                raise BlobNotFoundError("no such blob") from None
            raise failure("download", error) from None
        except BotoCoreError as error:
            raise failure("download", error) from None
        return cast(BinaryIO, ObjectReader(answer["Body"]))

    def check(self) -> None:
        """The bucket exists and these credentials may use it (``HeadBucket``)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as error:
            raise BlobStoreUnavailableError(
                f"{failure('bucket check', error)}: check SIPADU_S3_BUCKET (the bucket must "
                "exist), SIPADU_S3_ENDPOINT_URL and SIPADU_S3_CREDENTIALS_FILE"
            ) from None

    def _head(self, blob_id: str) -> dict[str, Any] | None:
        try:
            return cast(
                dict[str, Any],
                self.client.head_object(Bucket=self.bucket, Key=validate_blob_id(blob_id)),
            )
        except ClientError as error:
            if error_code(error) in NOT_FOUND_CODES:
                return None
            raise failure("lookup", error) from None
        except BotoCoreError as error:
            raise failure("lookup", error) from None

    def delete(self, blob_id: str) -> None:
        """Delete the object (BlobNotFoundError if there is none)."""
        if self._head(blob_id) is None:
            raise BlobNotFoundError("no such blob")
        self._delete_key(blob_id)

    def _delete_key(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except (ClientError, BotoCoreError) as error:
            raise failure("delete", error) from None

    def exists(self, blob_id: str) -> bool:
        """True if the object exists."""
        return self._head(blob_id) is not None

    def size(self, blob_id: str) -> int:
        """Size of the object in bytes."""
        head = self._head(blob_id)
        if head is None:
            raise BlobNotFoundError("no such blob")
        return int(head["ContentLength"])

    def _objects(self) -> Iterator[tuple[str, datetime]]:
        """Every blob-named object of the bucket with its last-modified time."""
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
            for page in pages:
                for entry in page.get("Contents", []):
                    if BLOB_ID_PATTERN.fullmatch(entry["Key"]):
                        yield entry["Key"], entry["LastModified"]
        except (ClientError, BotoCoreError) as error:
            raise failure("listing", error) from None

    def blob_ids(self) -> Iterator[str]:
        """The id of every blob in the bucket; other objects are ignored."""
        for key, _modified in self._objects():
            yield key

    def sweep_orphans(
        self,
        known_ids: Collection[str],
        older_than_seconds: float = 3600,
        *,
        now: float | None = None,
    ) -> list[str]:
        """Delete unknown blobs, and abort multipart uploads, older than the threshold.

        Age is the object's last-modified time (when it was published) or the upload's
        start; objects whose names the store never creates are left alone. An aborted upload
        is reported as ``<id>.partial``.
        """
        known = set(known_ids)
        cutoff = (time.time() if now is None else now) - older_than_seconds
        removed = []
        # Deleting while listing is safe: S3 lists in key order, continuing after a key.
        for key, modified in self._objects():
            if key not in known and modified.timestamp() <= cutoff:
                self._delete_key(key)
                removed.append(key)
        removed += self._abort_stale_uploads(cutoff)
        return sorted(removed)

    def abort_unfinished_uploads(self) -> list[str]:
        """Abort every unfinished upload of a blob, whatever its age (a killed restore's,
        before ``restore --replace`` writes again); reported as ``<id>.partial``."""
        return sorted(self._abort_stale_uploads(cutoff=float("inf")))

    def _abort_stale_uploads(self, cutoff: float) -> list[str]:
        aborted = []
        try:
            pages = self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket)
            stale = [
                upload
                for page in pages
                for upload in page.get("Uploads", [])
                if BLOB_ID_PATTERN.fullmatch(upload["Key"])
                and upload["Initiated"].timestamp() <= cutoff
            ]
            for upload in stale:
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                )
                aborted.append(upload["Key"] + _PARTIAL_SUFFIX)
        except (ClientError, BotoCoreError) as error:
            raise failure("cleanup of unfinished uploads", error) from None
        return aborted


def new_blob_id() -> str:
    """A fresh random id: 128 bits, so two writers never draw the same one (and if they
    did, the second publish would be refused, not overwrite)."""
    return secrets.token_hex(16)


def create_bucket(settings: S3Settings) -> bool:
    """Create the settings' bucket with their credentials (an identity allowed to create
    buckets: SIPADU's own is not); False when these credentials own it already."""
    client = S3BlobStore.from_settings(settings).client
    extra: dict[str, Any] = {}
    if settings.region != "us-east-1":  # S3 refuses the default region named explicitly
        extra["CreateBucketConfiguration"] = {"LocationConstraint": settings.region}
    try:
        client.create_bucket(Bucket=settings.bucket, **extra)
    except ClientError as error:
        if error_code(error) == "BucketAlreadyOwnedByYou":
            return False
        raise failure("bucket creation", error) from None
    except BotoCoreError as error:
        raise failure("bucket creation", error) from None
    return True
