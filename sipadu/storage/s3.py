"""S3 blob store: one object per blob in one bucket, for S3-compatible object storage.

* A writer buffers at most :data:`PART_SIZE` bytes. A blob that stays under it is published
  with one ``PutObject`` at commit; a larger one becomes a multipart upload, one part per
  full buffer, completed at commit. Nothing is visible before the commit: an unfinished
  multipart upload is no object.
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

import contextlib
import secrets
import time
from collections.abc import Collection, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, BinaryIO, cast

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from sipadu.storage.base import (
    BLOB_ID_PATTERN,
    BlobExistsError,
    BlobNotFoundError,
    BlobStore,
    BlobStoreError,
    BlobStoreUnavailableError,
    BlobTooLargeError,
    BlobWriter,
    validate_blob_id,
)

if TYPE_CHECKING:
    from sipadu.settings import S3Settings

# The most a writer holds in memory; also the size of every part but the last (S3 needs
# at least 5 MiB per part but the last).
PART_SIZE = 8 * 1024 * 1024
_NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound"})
_EXISTS = frozenset({"412", "PreconditionFailed"})
_PARTIAL_SUFFIX = ".partial"


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "unknown"))


def _failure(operation: str, error: Exception) -> BlobStoreUnavailableError:
    """An error that names what failed and why in a word, without any request detail (a
    botocore message may quote the endpoint or the key id)."""
    if isinstance(error, ClientError):
        return BlobStoreUnavailableError(f"S3 {operation} failed ({_code(error)})")
    return BlobStoreUnavailableError(f"S3 {operation} failed ({type(error).__name__})")


class _S3BlobWriter(BlobWriter):
    def __init__(self, store: S3BlobStore, max_size: int | None, blob_id: str) -> None:
        self._store = store
        self._max_size = max_size
        self._blob_id = blob_id
        self._buffer = bytearray()
        self._size = 0
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._state = "open"

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._state != "open":
            raise BlobStoreError("writer is not open")
        view = memoryview(data).cast("B")
        count = view.nbytes
        if self._max_size is not None and self._size + count > self._max_size:
            raise BlobTooLargeError("blob exceeds its size limit")
        while view.nbytes:
            room = PART_SIZE - len(self._buffer)
            self._buffer += view[:room]
            view = view[room:]
            if len(self._buffer) >= PART_SIZE:
                self._send_part()
        self._size += count
        return count

    def _send_part(self) -> None:
        """Upload the full buffer as the next part (the multipart upload starts with it)."""
        client, bucket = self._store.client, self._store.bucket
        try:
            if self._upload_id is None:
                started = client.create_multipart_upload(Bucket=bucket, Key=self._blob_id)
                self._upload_id = str(started["UploadId"])
            number = len(self._parts) + 1
            sent = client.upload_part(
                Bucket=bucket,
                Key=self._blob_id,
                UploadId=self._upload_id,
                PartNumber=number,
                Body=self._buffer,
            )
        except (ClientError, BotoCoreError) as error:
            self.abort()
            raise _failure("upload", error) from None
        self._parts.append({"ETag": sent["ETag"], "PartNumber": number})
        self._buffer = bytearray()

    def commit(self) -> str:
        if self._state != "open":
            raise BlobStoreError("writer is not open")
        try:
            if self._upload_id is None:
                self._store.client.put_object(
                    Bucket=self._store.bucket,
                    Key=self._blob_id,
                    Body=self._buffer,
                    IfNoneMatch="*",
                )
            else:
                self._complete()
        except ClientError as error:
            self.abort()
            if _code(error) in _EXISTS:
                raise BlobExistsError("a blob with this id exists") from None
            raise _failure("publish", error) from None
        except BotoCoreError as error:
            self.abort()
            raise _failure("publish", error) from None
        self._state = "committed"
        self._buffer = bytearray()
        return self._blob_id

    def _complete(self) -> None:
        if self._buffer or not self._parts:
            self._send_part()
        self._store.client.complete_multipart_upload(
            Bucket=self._store.bucket,
            Key=self._blob_id,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
            IfNoneMatch="*",
        )

    def abort(self) -> None:
        if self._state != "open":
            return
        self._state = "aborted"
        self._buffer = bytearray()
        if self._upload_id is not None:
            # Best effort: a server that cannot be reached now keeps the parts until
            # `sipadu storage gc` aborts the upload.
            with contextlib.suppress(ClientError, BotoCoreError):
                self._store.client.abort_multipart_upload(
                    Bucket=self._store.bucket, Key=self._blob_id, UploadId=self._upload_id
                )


class _ObjectReader:
    """The body of a GET, read as it arrives: what the store's readers use of a binary file
    (``read``, ``close``, a context manager). No buffer of its own: each piece is the
    HTTP client's, not copied once more (``make bench``, group s3)."""

    def __init__(self, body: Any) -> None:
        self._body = body
        self.closed = False

    def read(self, size: int | None = -1) -> bytes:
        try:
            data: bytes = self._body.read(None if size is None or size < 0 else size)
        except BotoCoreError as error:
            raise _failure("download", error) from None
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._body.close()

    def __enter__(self) -> _ObjectReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


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
        return _S3BlobWriter(self, max_size, new_blob_id())

    def import_blob(self, blob_id: str, source: BinaryIO) -> int:
        """Store ``source`` under exactly ``blob_id`` (BlobExistsError if it exists)."""
        writer = _S3BlobWriter(self, None, validate_blob_id(blob_id))
        with writer:
            while piece := source.read(PART_SIZE):
                writer.write(piece)
            writer.commit()
        return writer._size

    def open(self, blob_id: str) -> BinaryIO:
        """Open a blob for reading, streamed from the server as it is read."""
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=validate_blob_id(blob_id))
        except ClientError as error:
            if _code(error) in _NOT_FOUND:
                raise BlobNotFoundError("no such blob") from None
            raise _failure("download", error) from None
        except BotoCoreError as error:
            raise _failure("download", error) from None
        return cast(BinaryIO, _ObjectReader(answer["Body"]))

    def check(self) -> None:
        """The bucket exists and these credentials may use it (``HeadBucket``)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as error:
            raise BlobStoreUnavailableError(
                f"{_failure('bucket check', error)}: check SIPADU_S3_BUCKET (the bucket must "
                "exist), SIPADU_S3_ENDPOINT_URL and SIPADU_S3_CREDENTIALS_FILE"
            ) from None

    def _head(self, blob_id: str) -> dict[str, Any] | None:
        try:
            return cast(
                dict[str, Any],
                self.client.head_object(Bucket=self.bucket, Key=validate_blob_id(blob_id)),
            )
        except ClientError as error:
            if _code(error) in _NOT_FOUND:
                return None
            raise _failure("lookup", error) from None
        except BotoCoreError as error:
            raise _failure("lookup", error) from None

    def delete(self, blob_id: str) -> None:
        """Delete the object (BlobNotFoundError if there is none)."""
        if self._head(blob_id) is None:
            raise BlobNotFoundError("no such blob")
        self._delete_key(blob_id)

    def _delete_key(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except (ClientError, BotoCoreError) as error:
            raise _failure("delete", error) from None

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
            raise _failure("listing", error) from None

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
            raise _failure("cleanup of unfinished uploads", error) from None
        return aborted


def new_blob_id() -> str:
    """A fresh random id: 128 bits, so two writers never draw the same one (and if they
    did, the second publish would be refused, not overwrite)."""
    return secrets.token_hex(16)


def client_config() -> Config:
    """Path-style addressing (S3-compatible servers on any host name), bounded timeouts, and
    checksums only where S3 requires them: blobs are authenticated ciphertext already, and a
    checksum of every part costs a large upload CPU time for nothing."""
    return Config(
        s3={"addressing_style": "path"},
        signature_version="s3v4",
        connect_timeout=5,
        read_timeout=60,
        retries={"max_attempts": 3, "mode": "standard"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
