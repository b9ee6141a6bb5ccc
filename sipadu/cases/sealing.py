"""Which envelope version and row binding each piece of a case's content must have.

A case is *bound* (envelope version 2) when its report is sealed with version 2: every case
filed since the upgrade, and every older case once something new was written to it (the
first write re-seals all of its content, ``upgrade_legacy_case``). In a bound case every
record must open as version 2 with its row's binding, so a version 1 ciphertext replayed
into one of its rows never opens. A legacy case (report still version 1) keeps opening its
records as version 1, as before the upgrade: nothing was ever sealed in it as version 2.

The version of the case is read from the report's version byte. A database writer who sets
it to 1 on a bound case makes every record of it fail (they are all version 2); one who
puts back the whole case's version 1 ciphertexts from before its upgrade rolls the case
back to that state, which is the only thing version 1 allowed anyway (``docs/crypto.md``).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.audit.actors import Actor, staff_actor
from sipadu.cases.kinds import AuthorKind, TimelineKind
from sipadu.cases.models import Attachment, Case, CaseMessage, TimelineEntry
from sipadu.crypto import envelope
from sipadu.crypto.envelope import Binding
from sipadu.crypto.errors import DecryptionError

KIND_TIMELINE = b"timeline"
KIND_ATTACHMENT_META = b"attachment-meta"
# The report and identity live in the case row itself, which the case code names.
CASE_ROW = b""
# Timeline entries whose text the reporter wrote; every other entry is the Inspektorat's.
REPORTER_TIMELINE_KINDS = frozenset({TimelineKind.OBJECTION})


class UnverifiableRecordError(DecryptionError):
    """A stored record does not open under its row's binding (moved, replayed or altered)."""


def is_bound(case: Case) -> bool:
    """True when the case's content is sealed with version 2 (row and author bound)."""
    return envelope.envelope_version(case.report_sealed) == envelope.VERSION_BOUND


def message_author(author_kind: str, staff_id: int | None) -> str | None:
    """The author a message row names; None for a value no writer ever stores."""
    if author_kind == AuthorKind.REPORTER and staff_id is None:
        return Actor.REPORTER
    if author_kind == AuthorKind.STAFF:
        return AuthorKind.STAFF if staff_id is None else staff_actor(staff_id)
    return None


def report_binding() -> Binding:
    """The report and identity: the case row, written by the reporter."""
    return Binding(CASE_ROW, Actor.REPORTER)


def message_binding(row: CaseMessage) -> Binding:
    """A message or note: its row, its author (reporter or the staff member)."""
    author = message_author(row.author_kind, row.staff_id)
    if author is None or row.record_id is None:
        raise UnverifiableRecordError("message row without a valid binding")
    return Binding(row.record_id, author)


def timeline_binding(row: TimelineEntry) -> Binding:
    """A timeline text: its row, who wrote it, and the entry's kind and status."""
    if row.record_id is None:
        raise UnverifiableRecordError("timeline row without a record id")
    author = Actor.REPORTER if row.kind in REPORTER_TIMELINE_KINDS else Actor.SYSTEM
    return Binding(row.record_id, author, f"{row.kind}/{row.status or ''}")


def attachment_binding(row: Attachment) -> Binding:
    """A file key or file metadata: its row and who uploaded it."""
    if row.record_id is None:
        raise UnverifiableRecordError("attachment row without a record id")
    author = AuthorKind.REPORTER if row.uploaded_by == AuthorKind.REPORTER else AuthorKind.STAFF
    return Binding(row.record_id, author, row.blob_id)


def seal_record(dek: bytes, case: Case, kind: bytes, data: bytes, binding: Binding) -> bytes:
    """Seal new content: always version 2 with the row's binding."""
    return envelope.seal(dek, data, case_id=case.code, kind=kind, binding=binding)


def open_record(
    dek: bytes, case: Case, kind: bytes, sealed: bytes, binding: Callable[[], Binding]
) -> bytes:
    """Open content with the version the case demands (never the one the record claims).

    ``binding`` is called only for a bound case: legacy rows have no record id yet."""
    if not is_bound(case):
        return envelope.open_sealed(dek, sealed, case_id=case.code, kind=kind)
    return envelope.open_sealed(dek, sealed, case_id=case.code, kind=kind, binding=binding())


def _reseal(dek: bytes, case: Case, kind: bytes, sealed: bytes, binding: Binding) -> bytes:
    """A legacy record sealed again as version 2; one that fails to open stays as it is and
    so fails in the bound case too (never laundered into a valid record)."""
    try:
        plain = envelope.open_sealed(dek, sealed, case_id=case.code, kind=kind)
    except DecryptionError:
        return sealed
    return seal_record(dek, case, kind, plain, binding)


def upgrade_legacy_case(db: Session, case: Case, dek: bytes) -> None:
    """Re-seal a legacy case's content as version 2 before something new is written to it.

    The report is sealed last: it marks the case as bound. A report that does not open
    leaves the case legacy and refuses the write (UnverifiableRecordError)."""
    if is_bound(case):
        return
    try:
        report = envelope.open_sealed(
            dek, case.report_sealed, case_id=case.code, kind=envelope.KIND_REPORT
        )
    except DecryptionError:
        raise UnverifiableRecordError("the case report does not open") from None
    for message in db.scalars(select(CaseMessage).where(CaseMessage.case_id == case.id)):
        message.record_id = message.record_id or envelope.new_record_id()
        kind = envelope.KIND_NOTE if message.internal else envelope.KIND_MESSAGE
        author = message_author(message.author_kind, message.staff_id)
        if author is not None:
            message.body_sealed = _reseal(
                dek, case, kind, message.body_sealed, Binding(message.record_id, author)
            )
    for entry in db.scalars(select(TimelineEntry).where(TimelineEntry.case_id == case.id)):
        entry.record_id = entry.record_id or envelope.new_record_id()
        if entry.text_sealed is not None:
            entry.text_sealed = _reseal(
                dek, case, KIND_TIMELINE, entry.text_sealed, timeline_binding(entry)
            )
    for file in db.scalars(select(Attachment).where(Attachment.case_id == case.id)):
        file.record_id = file.record_id or envelope.new_record_id()
        binding = attachment_binding(file)
        file.file_key_sealed = _reseal(
            dek, case, envelope.KIND_FILE_KEY, file.file_key_sealed, binding
        )
        file.meta_sealed = _reseal(dek, case, KIND_ATTACHMENT_META, file.meta_sealed, binding)
    # A custodial identity is not under the DEK (``cases/identity.py``): nothing to re-seal.
    if case.identity_sealed is not None and not case.identity_custodial:
        case.identity_sealed = _reseal(
            dek, case, envelope.KIND_IDENTITY, case.identity_sealed, report_binding()
        )
    case.report_sealed = seal_record(dek, case, envelope.KIND_REPORT, report, report_binding())
    db.flush()
