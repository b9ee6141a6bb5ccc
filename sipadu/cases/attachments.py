"""Attachments: publish an encrypted upload as a case file; read one back, streamed."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.cases.models import Attachment, Case
from sipadu.cases.record_ids import attachment_public_id, is_public_id
from sipadu.cases.sealing import (
    KIND_ATTACHMENT_META,
    attachment_binding,
    open_record,
    seal_record,
    upgrade_legacy_case,
)
from sipadu.cases.service import json_bytes, json_document
from sipadu.crypto import envelope
from sipadu.crypto.errors import DecryptionError
from sipadu.crypto.stream import decrypt_stream
from sipadu.days import wib_today
from sipadu.media import determined_content_type
from sipadu.storage.base import BlobStore
from sipadu.storage.pipeline import joined, run_ahead
from sipadu.uploads.multipart import EncryptedUpload

MAX_FILENAME_CHARS = 255
# A download is sent in pieces of about 1 MiB (16 decrypted records), read and decrypted by
# a helper thread up to 4 pieces ahead of the socket (``storage.pipeline``).
DOWNLOAD_PIECE = 1024 * 1024
DOWNLOAD_READ_AHEAD = 4
# Control characters and bidirectional overrides (which make "gpj.exe" read as "exe.jpg").
_FILENAME_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class AttachmentNotFoundError(LookupError):
    """No attachment with that id on that case."""


class AttachmentUnverifiedError(AttachmentNotFoundError):
    """The file's sealed key or metadata does not open under its row's binding (a download
    answers as for a missing file; the case page marks it as unverified)."""


def safe_filename(name: str) -> str:
    """The file's own name: no directories, control characters or direction overrides."""
    base = re.split(r"[/\\]", name)[-1]
    return _FILENAME_UNSAFE.sub("", base).strip()[:MAX_FILENAME_CHARS]


@dataclass(frozen=True)
class AttachmentView:
    """What a page or the API shows about a file (decrypted metadata)."""

    # The public identifier (``record_ids``), never the sequential row id.
    id: str
    filename: str
    content_type: str
    size: int
    cleaning: Mapping[str, object]
    uploaded_by: str
    # Bytes a download yields (after cleaning); None for files stored before it was kept.
    stored_size: int | None = None
    # False when the sealed metadata does not verify: no name, no size, no download.
    verified: bool = True


def store_attachment(
    db: Session,
    case: Case,
    dek: bytes,
    upload: EncryptedUpload,
    *,
    uploaded_by: str,
    cleaning: Mapping[str, object] | None = None,
    now: datetime | None = None,
) -> Attachment:
    """Publish the blob and add its row; the file key and metadata are sealed under the DEK.

    If the surrounding transaction later fails, the published blob has no row and the storage
    sweep removes it; a row never points at a missing blob.
    """
    upgrade_legacy_case(db, case, dek)
    blob_id = upload.commit()
    # The type SIPADU determined, never the one the uploader claimed (see docs/media.md).
    meta = {
        "filename": safe_filename(upload.filename),
        "content_type": determined_content_type(cleaning or {}),
        "size": upload.size,
        "stored_size": upload.stored_size,
        "cleaning": dict(cleaning or {}),
    }
    row = Attachment(
        case_id=case.id,
        blob_id=blob_id,
        record_id=envelope.new_record_id(),
        file_key_sealed=b"",
        meta_sealed=b"",
        uploaded_by=uploaded_by,
        created_on=wib_today(now),
    )
    binding = attachment_binding(row)
    row.file_key_sealed = seal_record(dek, case, envelope.KIND_FILE_KEY, upload.file_key, binding)
    row.meta_sealed = seal_record(dek, case, KIND_ATTACHMENT_META, json_bytes(meta), binding)
    db.add(row)
    db.flush()
    return row


def _view(case: Case, dek: bytes, row: Attachment) -> AttachmentView:
    public_id = attachment_public_id(row.record_id, row.blob_id)
    try:
        meta = json_document(
            open_record(
                dek, case, KIND_ATTACHMENT_META, row.meta_sealed, lambda: attachment_binding(row)
            )
        )
        cleaning = meta.get("cleaning")
        stored = meta.get("stored_size")
        # Files stored before the type was determined kept the claimed one: derive it anew.
        content_type = determined_content_type(cleaning if isinstance(cleaning, dict) else {})
        return AttachmentView(
            public_id,
            str(meta["filename"]),
            content_type,
            int(str(meta["size"])),
            cleaning if isinstance(cleaning, dict) else {},
            row.uploaded_by,
            stored if isinstance(stored, int) else None,
        )
    except (DecryptionError, KeyError, ValueError):
        return AttachmentView(public_id, "", "", 0, {}, "unverified", None, verified=False)


def list_attachments(db: Session, case: Case, dek: bytes) -> list[AttachmentView]:
    """The case's files, oldest first, with decrypted names and sizes."""
    rows = db.scalars(
        select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)
    )
    return [_view(case, dek, row) for row in rows]


def find_attachment(db: Session, case: Case, public_id: str) -> Attachment:
    """This case's file with that public identifier (``record_ids``)."""
    if not is_public_id(public_id):
        raise AttachmentNotFoundError(public_id)
    row = db.scalar(
        select(Attachment).where(
            Attachment.record_id == bytes.fromhex(public_id), Attachment.case_id == case.id
        )
    )
    if row is not None:
        return row
    # A file from before envelope v2 is named by a digest of its blob id; a case has few.
    for legacy in db.scalars(
        select(Attachment).where(Attachment.case_id == case.id, Attachment.record_id.is_(None))
    ):
        if attachment_public_id(None, legacy.blob_id) == public_id:
            return legacy
    raise AttachmentNotFoundError(public_id)


def open_attachment(
    db: Session,
    case: Case,
    dek: bytes,
    attachment_id: str,
    store: BlobStore,
) -> tuple[AttachmentView, Iterator[bytes]]:
    """Metadata and a streamed, authenticated decryption of one file of this case."""
    row = find_attachment(db, case, attachment_id)
    view = _view(case, dek, row)
    try:
        if not view.verified:
            raise DecryptionError("attachment metadata does not verify")
        file_key = open_record(
            dek, case, envelope.KIND_FILE_KEY, row.file_key_sealed, lambda: attachment_binding(row)
        )
    except DecryptionError:
        raise AttachmentUnverifiedError(attachment_id) from None

    # Opened here, not in the helper thread: an unreachable store then fails the request
    # before any header is sent, and is answered as such (503), never as a broken stream.
    blob = store.open(row.blob_id)

    def chunks() -> Iterator[bytes]:
        with blob:
            yield from joined(decrypt_stream(blob, file_key), DOWNLOAD_PIECE)

    return view, run_ahead(chunks(), DOWNLOAD_READ_AHEAD)
