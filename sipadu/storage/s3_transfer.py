"""The S3 store's transfers: a blob written as one PutObject or a multipart upload, read as
its GET body arrives; the client configuration, and errors that reveal no request detail.

See sipadu/storage/s3.py for what the store guarantees.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from sipadu.storage.base import (
    BlobExistsError,
    BlobStoreError,
    BlobStoreUnavailableError,
    BlobTooLargeError,
    BlobWriter,
)

# The size of every part but the last (S3 needs at least 5 MiB per part but the last).
PART_SIZE = 8 * 1024 * 1024
# Parts on their way to the server while the next one fills. One part in flight leaves the
# connection idle while the server stores it; two keep it busy (``make bench``, group s3).
# A writer therefore holds at most (PARTS_IN_FLIGHT + 1) * PART_SIZE bytes.
PARTS_IN_FLIGHT = 2
NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_EXISTS_CODES = frozenset({"412", "PreconditionFailed"})


def error_code(error: ClientError) -> str:
    """The S3 error code of a refused request (``NoSuchKey``, ``412``, ...)."""
    return str(error.response.get("Error", {}).get("Code", "unknown"))


def failure(operation: str, error: Exception) -> BlobStoreUnavailableError:
    """An error that names what failed and why in a word, without any request detail (a
    botocore message may quote the endpoint or the key id)."""
    if isinstance(error, ClientError):
        return BlobStoreUnavailableError(f"S3 {operation} failed ({error_code(error)})")
    return BlobStoreUnavailableError(f"S3 {operation} failed ({type(error).__name__})")


class S3BlobWriter(BlobWriter):
    """A blob on its way into the bucket under ``blob_id``; see the module docstring.

    Full parts are sent by a small pool of threads while the caller goes on writing; the
    writer waits for the oldest part before a third would be held. A part that failed is
    reported by the next ``write`` or by ``commit``, and the upload is aborted.
    """

    def __init__(self, client: Any, bucket: str, max_size: int | None, blob_id: str) -> None:
        self._client, self._bucket = client, bucket
        self._max_size = max_size
        self._blob_id = blob_id
        self._buffer = bytearray()
        self._size = 0
        self._upload_id: str | None = None
        self._sending: list[Future[dict[str, Any]]] = []
        self._parts: list[dict[str, Any]] = []
        self._pool: ThreadPoolExecutor | None = None
        self._state = "open"

    @property
    def size(self) -> int:
        """Bytes written so far."""
        return self._size

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
        """Hand the full buffer to a sender thread as the next part (the multipart upload
        starts with the first), after collecting parts already sent."""
        try:
            if self._upload_id is None:
                started = self._client.create_multipart_upload(
                    Bucket=self._bucket, Key=self._blob_id
                )
                self._upload_id = str(started["UploadId"])
            self._collect(keep=PARTS_IN_FLIGHT - 1)
        except (ClientError, BotoCoreError) as error:
            self.abort()
            raise failure("upload", error) from None
        if self._pool is None:
            self._pool = ThreadPoolExecutor(PARTS_IN_FLIGHT, thread_name_prefix="s3-part")
        number = len(self._parts) + len(self._sending) + 1
        # bytes, not the bytearray: botocore hashes and sends a bytes body without a copy of
        # its own per step, and the buffer is free to be refilled at once.
        body = bytes(self._buffer)
        self._buffer = bytearray()
        self._sending.append(self._pool.submit(self._upload_part, number, body))

    def _upload_part(self, number: int, body: bytes) -> dict[str, Any]:
        sent = self._client.upload_part(
            Bucket=self._bucket,
            Key=self._blob_id,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=body,
        )
        return {"ETag": sent["ETag"], "PartNumber": number}

    def _collect(self, keep: int) -> None:
        """Wait until at most ``keep`` parts are still being sent; raise the first failure."""
        while len(self._sending) > keep or (self._sending and self._sending[0].done()):
            self._parts.append(self._sending.pop(0).result())

    def commit(self) -> str:
        if self._state != "open":
            raise BlobStoreError("writer is not open")
        try:
            if self._upload_id is None:
                self._client.put_object(
                    Bucket=self._bucket,
                    Key=self._blob_id,
                    Body=bytes(self._buffer),
                    IfNoneMatch="*",
                )
            else:
                self._complete()
        except ClientError as error:
            self.abort()
            if error_code(error) in _EXISTS_CODES:
                raise BlobExistsError("a blob with this id exists") from None
            raise failure("publish", error) from None
        except BotoCoreError as error:
            self.abort()
            raise failure("publish", error) from None
        self._state = "committed"
        self._buffer = bytearray()
        self._close_pool()
        return self._blob_id

    def _complete(self) -> None:
        if self._buffer or not (self._parts or self._sending):
            self._send_part()
        try:
            self._collect(keep=0)
        except (ClientError, BotoCoreError) as error:
            self.abort()
            raise failure("upload", error) from None
        self._client.complete_multipart_upload(
            Bucket=self._bucket,
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
        # Parts still on their way would otherwise land after the abort and keep the
        # upload's storage alive until `sipadu storage gc`.
        wait(self._sending)
        self._sending = []
        self._close_pool()
        if self._upload_id is not None:
            # Best effort: a server that cannot be reached now keeps the parts until
            # `sipadu storage gc` aborts the upload.
            with contextlib.suppress(ClientError, BotoCoreError):
                self._client.abort_multipart_upload(
                    Bucket=self._bucket, Key=self._blob_id, UploadId=self._upload_id
                )

    def _close_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


class ObjectReader:
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
            raise failure("download", error) from None
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._body.close()

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


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
