"""Attachments encrypted while the multipart body is parsed (DESIGN §3).

Werkzeug asks the request for a file stream when a file part begins and writes the part's
bytes into it as they arrive. Ours cleans metadata (when a cleaner is configured), encrypts
in 64 KiB chunks under a fresh file key and writes straight into the blob store: no
plaintext temp file, memory flat whatever the size. The view later seals the file key under
the case DEK and commits blob and row; anything not committed is aborted at teardown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, Protocol, cast

from flask import Flask, Request, current_app, g, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from sipadu.crypto.stream import StreamEncryptor, new_file_key
from sipadu.storage.base import BlobStore, BlobWriter

UPLOAD_ENDPOINTS_KEY = "sipadu.upload_endpoints"
_SNIFF_BYTES = 16


class FileCleaner(Protocol):
    """A streaming metadata filter (see ``sipadu.media``)."""

    def feed(self, data: bytes) -> bytes: ...

    def finish(self) -> bytes: ...


CleanerFactory = Callable[[str, str | None, bytes], FileCleaner]


class UploadTooLargeError(RequestEntityTooLarge):
    """One file, or the number of files, is over the configured limit."""


class UploadsNotAcceptedError(BadRequest):
    """Files were sent to an endpoint that takes none."""


@dataclass(frozen=True)
class UploadLimits:
    """Per-request upload limits."""

    max_file_bytes: int
    max_files: int


class EncryptedUpload:
    """One file part on its way into the blob store, encrypted as it arrives."""

    def __init__(self, writer: BlobWriter, filename: str, content_type: str | None,
                 max_bytes: int, cleaner_factory: CleanerFactory | None) -> None:
        self.file_key = new_file_key()
        self.filename = filename
        self.content_type = content_type
        self.size = 0
        self.blob_id: str | None = None
        self.cleaner: FileCleaner | None = None
        self._writer = writer
        self._encryptor = StreamEncryptor(writer, self.file_key)
        self._max_bytes = max_bytes
        self._cleaner_factory = cleaner_factory
        self._head = b""
        self._finished = False

    def write(self, data: bytes) -> int:
        """Called by Werkzeug for each piece of the part."""
        self.size += len(data)
        if self.size > self._max_bytes:
            raise UploadTooLargeError()
        if self.cleaner is None and self._cleaner_factory is not None:
            # The cleaner is chosen by the file's first bytes, never by its name.
            self._head += data
            if len(self._head) < _SNIFF_BYTES:
                return len(data)
            data, self._head = self._head, b""
            self.cleaner = self._cleaner_factory(self.filename, self.content_type, data)
        self._encryptor.write(self.cleaner.feed(data) if self.cleaner else data)
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        """Werkzeug seeks to 0 when the part ends: that is where we finish encrypting."""
        if offset == 0 and whence == 0:
            self.finish()
        return 0

    def read(self, size: int = -1) -> bytes:
        # Plaintext is gone by design; nothing may read it back from the request.
        raise OSError("encrypted uploads cannot be read back")

    def finish(self) -> None:
        """Flush the cleaner and write the final encrypted chunk (blob not yet published)."""
        if self._finished:
            return
        if self.cleaner is None and self._cleaner_factory is not None:
            self.cleaner = self._cleaner_factory(self.filename, self.content_type, self._head)
            data, self._head = self._head, b""
            self._encryptor.write(self.cleaner.feed(data))
        if self.cleaner is not None:
            self._encryptor.write(self.cleaner.finish())
        self._encryptor.close()
        self._finished = True

    def commit(self) -> str:
        """Publish the blob under a fresh id (the caller then commits its row)."""
        self.finish()
        self.blob_id = self._writer.commit()
        return self.blob_id

    def abort(self) -> None:
        """Drop the temporary blob (request failed or the file was refused)."""
        if self.blob_id is None:
            self._encryptor.abandon()
            self._writer.abort()


class EncryptingRequest(Request):
    """A request whose file parts go through :class:`EncryptedUpload`."""

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None,
                         content_length: int | None = None) -> IO[bytes]:
        app = current_app
        if self.endpoint not in app.extensions.get(UPLOAD_ENDPOINTS_KEY, set()):
            raise UploadsNotAcceptedError()
        uploads: list[EncryptedUpload] = g.setdefault("encrypted_uploads", [])
        limits: UploadLimits = app.extensions["sipadu.upload_limits"]
        if len(uploads) >= limits.max_files:
            raise UploadTooLargeError()
        store: BlobStore = app.extensions["sipadu.blobs"]
        upload = EncryptedUpload(store.open_writer(), filename or "", content_type,
                                 limits.max_file_bytes,
                                 app.extensions.get("sipadu.cleaner_factory"))
        uploads.append(upload)
        return cast(IO[bytes], upload)


def encrypted_uploads() -> list[EncryptedUpload]:
    """The current request's finished uploads, in the order they were sent."""
    request.files  # noqa: B018  (parsing the body is what fills the list)
    uploads: list[EncryptedUpload] = g.get("encrypted_uploads", [])
    for upload in uploads:
        upload.finish()
    return uploads


def accepts_uploads(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view as one that may receive files; all others refuse file parts."""
    view._sipadu_accepts_uploads = True  # type: ignore[attr-defined]
    return view


def configure_uploads(app: Flask, store: BlobStore, limits: UploadLimits) -> None:
    """Install the request class, the blob store and the teardown that aborts leftovers."""
    app.request_class = EncryptingRequest
    app.extensions["sipadu.blobs"] = store
    app.extensions["sipadu.upload_limits"] = limits
    app.extensions.setdefault(UPLOAD_ENDPOINTS_KEY, set())

    @app.before_request
    def _note_upload_endpoints() -> None:
        endpoints = app.extensions[UPLOAD_ENDPOINTS_KEY]
        if not endpoints:
            endpoints.update(name for name, func in app.view_functions.items()
                             if getattr(func, "_sipadu_accepts_uploads", False))
            endpoints.add("")  # never empty again: computed once

    @app.teardown_request
    def _abort_uncommitted(_exc: BaseException | None) -> None:
        for upload in g.pop("encrypted_uploads", []):
            upload.abort()
