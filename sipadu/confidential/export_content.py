"""What an export package holds: the case as an outside body reads it, full or redacted.

Read in the request's transaction by the approved requester (``export.py`` has the four-eyes
steps); the view then builds the PDF and the package with no transaction open.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.cases.attachments import list_attachments, open_attachment, safe_filename
from sipadu.cases.content import list_messages, list_timeline, read_report
from sipadu.cases.models import Case
from sipadu.confidential.export import (
    ExportContent,
    ExportRequestClosedError,
    expire_exports,
    handles_export,
    live_export_request,
)
from sipadu.confidential.models import ApprovalState, ExportView
from sipadu.confidential.package import PackageFile, Section
from sipadu.confidential.redaction_publish import published_redactor
from sipadu.storage.base import BlobStore


def _sections(db: Session, case: Case, dek: bytes, view: ExportView) -> list[Section]:
    # A redacted export shows the published redaction (NoPublishedRedactionError without).
    redactor = published_redactor(db, case, dek) if view == ExportView.REDACTED else None

    def shown(text: str) -> str:
        return text if redactor is None else redactor(text)

    report = read_report(case, dek)
    fields = [f"{k}: {shown(str(v))}" for k, v in report.items() if k != "submitted_at" and v]
    timeline = [
        f"{e.created_on.isoformat()} — {e.kind}{' / ' + e.status if e.status else ''}"
        + (f"\n{shown(e.text)}" if e.text and e.verified else "")
        for e in list_timeline(db, case, dek)
    ]
    inspektorat, reporter = gettext("Inspektorat"), gettext("Reporter")
    messages = [
        f"{m.created_on.isoformat()} — {reporter if m.author_kind == 'reporter' else inspektorat}"
        f"\n{shown(m.body)}"
        for m in list_messages(db, case, dek, include_internal=False)
        if m.verified
    ]
    facts = [
        f"{gettext('Case')}: {case.code}",
        f"{gettext('Category')}: {case.category}",
        f"{gettext('Status')}: {case.status}",
        f"{gettext('Received')}: {case.received_on.isoformat()}",
    ]
    return [
        Section(gettext("Case"), facts),
        Section(gettext("Report"), fields),
        Section(gettext("Timeline"), timeline),
        Section(gettext("Messages"), messages or ["—"]),
    ]


def export_content(
    db: Session,
    case: Case,
    requester: StaffAccount,
    dek: bytes,
    store: BlobStore,
    now: datetime | None = None,
) -> ExportContent:
    """Everything the package holds, for the requester of a live approved export."""
    moment = now or datetime.now(UTC)
    expire_exports(db, moment)
    request = live_export_request(db, case, requester.id, moment)
    if (
        request is None
        or request.state != ApprovalState.APPROVED
        or not handles_export(db, case, requester)
    ):
        raise ExportRequestClosedError(case.code)
    view = ExportView(request.scope or ExportView.FULL)
    sections = _sections(db, case, dek, view)
    if view == ExportView.REDACTED:
        # Files cannot be redacted automatically: a redacted export withholds them.
        withheld = len(list_attachments(db, case, dek))
        sections.append(
            Section(
                gettext("Attachments"),
                [gettext("%(count)d files withheld from this redacted export.", count=withheld)],
            )
        )
        sections.insert(0, Section(gettext("Redacted export"), [redacted_note()]))
        return ExportContent(request.id, case.code, _title(case), sections, [], view)
    files = []
    for item in list_attachments(db, case, dek):
        if not item.verified:
            continue
        _meta, chunks = open_attachment(db, case, dek, item.id, store)
        files.append(PackageFile(safe_filename(item.filename), b"".join(chunks)))
    names = [f.name for f in files]
    sections.append(Section(gettext("Attachments"), names or ["—"]))
    return ExportContent(request.id, case.code, _title(case), sections, files, view)


def _title(case: Case) -> str:
    return str(gettext("SIPADU case %(code)s", code=case.code))


def redacted_note() -> str:
    """What a redacted export's first page says about what was removed."""
    return str(
        gettext(
            "The spans marked in the redaction a supervisor published were replaced by "
            "[DIHAPUS]; texts added after it was published are withheld whole ([DIHAPUS]). "
            "Read before sending."
        )
    )
