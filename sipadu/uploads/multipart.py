"""Attachments encrypted while the multipart body is parsed (docs/crypto.md).

Werkzeug asks the request for a file stream when a file part begins and writes the part's
bytes into it as they arrive. Ours cleans metadata (when a cleaner is configured), encrypts
in 64 KiB chunks under a fresh file key and writes straight into the blob store: no
plaintext temp file, memory flat whatever the size. The view later seals the file key under
the case DEK and commits blob and row; anything not committed is aborted at teardown.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, Protocol, cast

from flask import Flask, Request, current_app, g, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser, MultiPartParser

from sipadu.crypto.stream import StreamEncryptor, new_file_key
from sipadu.media.base import MediaCleaningError
from sipadu.storage.base import BlobStore, BlobStoreError, BlobWriter

UPLOAD_ENDPOINTS_KEY = "sipadu.upload_endpoints"
# How much of the body the multipart parser asks the server for at once. Werkzeug's 64 KiB
# made gunicorn copy what it had read ahead (up to 1 MiB) again on every call; more than
# 256 KiB would not fit Flask's form memory limit (500 kB) per parser step.
MULTIPART_READ_SIZE = 256 * 1024


class FileCleaner(Protocol):
    """A streaming metadata filter (see ``sipadu.media``)."""

    def feed(self, data: bytes) -> bytes: ...

    def finish(self) -> bytes: ...


CleanerFactory = Callable[[str, str | None, bytes | None], FileCleaner]


class UploadTooLargeError(RequestEntityTooLarge):
    """An upload was refused for its size; raised when a view insists on committing it."""


class UploadsNotAcceptedError(BadRequest):
    """Files were sent to an endpoint that takes none."""


@dataclass(frozen=True)
class UploadLimits:
    """Per-request upload limits."""

    max_file_bytes: int
    max_files: int


class EncryptedUpload:
    """One file part on its way into the blob store, encrypted as it arrives.

    A file that breaks a limit or cannot be cleaned is *refused*: its partial blob is dropped
    at once, the rest of its bytes are discarded, and parsing goes on, so the view can show the
    form again with everything else the reporter typed and say which file was refused.
    """

    def __init__(
        self,
        writer: BlobWriter | None,
        filename: str,
        content_type: str | None,
        max_bytes: int,
        cleaner: FileCleaner | None,
        refusal: str | None = None,
    ) -> None:
        self.file_key = new_file_key()
        self.filename = filename
        self.content_type = content_type
        self.size = 0
        self.blob_id: str | None = None
        self.cleaner = cleaner
        self.refusal = refusal
        self.refusal_message: Any = None
        self._writer = writer
        self._encryptor = StreamEncryptor(writer, self.file_key) if writer else None
        self.max_bytes = max_bytes
        self._finished = refusal is not None

    def refuse(self, code: str, message: Any = None) -> None:
        """Refuse the file: drop its partial blob and ignore the rest of its bytes."""
        self.refusal, self.refusal_message = code, message
        self.abort()
        self._finished = True

    def write(self, data: bytes) -> int:
        """Called by Werkzeug for each piece of the part."""
        if self.refusal is not None or self._encryptor is None:
            return len(data)
        self.size += len(data)
        if self.size > self.max_bytes:
            self.refuse("too_large")
            return len(data)
        try:
            cleaned = self.cleaner.feed(data) if self.cleaner else data
        except MediaCleaningError as error:
            self.refuse("damaged", error.message)
            return len(data)
        self._encryptor.write(cleaned)
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
        if self._finished or self._encryptor is None:
            return
        try:
            tail = self.cleaner.finish() if self.cleaner else b""
        except MediaCleaningError as error:
            self.refuse("damaged", error.message)
            return
        self._encryptor.write(tail)
        self._encryptor.close()
        self._finished = True

    @property
    def stored_size(self) -> int:
        """Plaintext bytes encrypted into the blob (after cleaning): what a download yields."""
        return self._encryptor.plaintext_size if self._encryptor is not None else 0

    @property
    def cleaning_report(self) -> dict[str, Any]:
        """What the cleaner removed, for the reporter and the sealed metadata."""
        report = getattr(self.cleaner, "report", None)
        return report.as_dict() if report is not None else {"status": "not_supported"}

    def describe_cleaning(self) -> list[Any]:
        """Translatable sentences telling the reporter what was and was not cleaned."""
        report = getattr(self.cleaner, "report", None)
        return list(report.describe()) if report is not None else []

    def commit(self) -> str:
        """Publish the blob under a fresh id (the caller then commits its row)."""
        self.finish()
        if self.refusal is not None or self._writer is None:
            raise (
                UploadTooLargeError() if self.refusal in ("too_large", "too_many") else BadRequest()
            )
        self.blob_id = self._writer.commit()
        return self.blob_id

    def abort(self) -> None:
        """Drop the temporary blob (request failed or the file was refused)."""
        if self.blob_id is None and self._writer is not None:
            if self._encryptor is not None:
                self._encryptor.abandon()
            self._writer.abort()
            self._writer = None


class _LargeReadFormDataParser(FormDataParser):
    """Werkzeug's form parser, reading the body in :data:`MULTIPART_READ_SIZE` pieces."""

    def _parse_multipart(
        self, stream: IO[bytes], mimetype: str, content_length: int | None, options: dict[str, str]
    ) -> Any:
        parser = MultiPartParser(
            stream_factory=self.stream_factory,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            cls=self.cls,
            buffer_size=MULTIPART_READ_SIZE,
        )
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files


class EncryptingRequest(Request):
    """A request whose file parts go through :class:`EncryptedUpload`."""

    form_data_parser_class = _LargeReadFormDataParser

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return cast(IO[bytes], start_upload(filename or "", content_type))


def start_upload(filename: str, content_type: str | None) -> EncryptedUpload:
    """A new upload of this request into the blob store (refused past the file count).

    Only views marked :func:`accepts_uploads` may receive files; the upload is aborted at
    teardown unless the view commits it.
    """
    app = current_app
    if request.endpoint not in _upload_endpoints(app):
        raise UploadsNotAcceptedError()
    uploads: list[EncryptedUpload] = g.setdefault("encrypted_uploads", [])
    limits = current_upload_limits()
    if len([u for u in uploads if u.refusal != "too_many"]) >= limits.max_files:
        upload = EncryptedUpload(None, filename, content_type, 0, None, refusal="too_many")
    else:
        store: BlobStore = app.extensions["sipadu.blobs"]
        factory: CleanerFactory | None = app.extensions.get("sipadu.cleaner_factory")
        upload = EncryptedUpload(
            store.open_writer(),
            filename,
            content_type,
            limits.max_file_bytes,
            factory(filename, content_type, None) if factory else None,
        )
    uploads.append(upload)
    return upload


def _upload_endpoints(app: Flask) -> set[str]:
    """The endpoints of views marked :func:`accepts_uploads`, found on first use.

    Not in a ``before_request`` hook: the CSRF check runs before any hook of ours and reads
    the form, so on a worker's first request the file parts arrive before such a hook has
    run (and a reporter's file was refused with a 400). Views are all registered by the time
    a request is parsed.
    """
    endpoints: set[str] = app.extensions.setdefault(UPLOAD_ENDPOINTS_KEY, set())
    if not endpoints:
        endpoints.update(
            name
            for name, func in app.view_functions.items()
            if getattr(func, "_sipadu_accepts_uploads", False)
        )
        endpoints.add("")  # never empty again: computed once
    return endpoints


def current_upload_limits() -> UploadLimits:
    """This request's limits: from the configured provider (admin settings) or the static ones."""
    limits: UploadLimits | None = g.get("upload_limits")
    if limits is None:
        provider: Callable[[], UploadLimits] | None = current_app.extensions.get(
            "sipadu.upload_limits_provider"
        )
        limits = provider() if provider else current_app.extensions["sipadu.upload_limits"]
        g.upload_limits = limits
    return limits


def encrypted_uploads() -> list[EncryptedUpload]:
    """The current request's finished uploads (refused ones included, with their reason)."""
    parsed = {id(part.stream) for _name, part in request.files.items(multi=True)}
    uploads: list[EncryptedUpload] = g.get("encrypted_uploads", [])
    for upload in uploads:
        if upload.refusal is None and id(upload) not in parsed:
            # The body ended inside this part (no closing boundary): Werkzeug drops such a
            # part, and a truncated file must never be stored as if it were whole.
            upload.refuse("incomplete")
        upload.finish()
    return uploads


def discard_published_uploads() -> None:
    """Delete the blobs this request already published, when its transaction will not commit.

    Only for failures known to happen before the view's commit (a full store): after a
    failed database commit nobody knows whether the rows exist, so ``sipadu storage gc``
    (which checks the rows) decides instead.
    """
    store: BlobStore = current_app.extensions["sipadu.blobs"]
    for upload in g.get("encrypted_uploads", []):
        if upload.blob_id is not None:
            with contextlib.suppress(BlobStoreError):
                store.delete(upload.blob_id)
            upload.blob_id = None


def accepts_uploads(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view as one that may receive files; all others refuse file parts."""
    view._sipadu_accepts_uploads = True  # type: ignore[attr-defined]
    return view


def configure_uploads(
    app: Flask,
    store: BlobStore,
    limits: UploadLimits,
    cleaner_factory: CleanerFactory | None = None,
    limits_provider: Callable[[], UploadLimits] | None = None,
) -> None:
    """Install the request class, the blob store and the teardown that aborts leftovers.

    ``limits_provider`` (if given) is asked once per upload request, so limits an admin
    changes apply without a restart; ``limits`` is used otherwise."""
    app.request_class = EncryptingRequest
    app.extensions["sipadu.blobs"] = store
    app.extensions["sipadu.upload_limits"] = limits
    if limits_provider is not None:
        app.extensions["sipadu.upload_limits_provider"] = limits_provider
    if cleaner_factory is not None:
        app.extensions["sipadu.cleaner_factory"] = cleaner_factory
    app.extensions.setdefault(UPLOAD_ENDPOINTS_KEY, set())

    @app.teardown_request
    def _abort_uncommitted(_exc: BaseException | None) -> None:
        for upload in g.pop("encrypted_uploads", []):
            upload.abort()
