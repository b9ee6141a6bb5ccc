"""What an export package holds: the case as an outside body reads it, full or redacted.

Read in the request's transaction by the approved requester (``export.py`` has the four-eyes
steps); the view then builds the PDF and the package with no transaction open.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext, lazy_gettext, ngettext
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.cases.attachments import list_attachments, open_attachment, safe_filename
from sipadu.cases.content import TimelineView, list_messages, list_timeline, read_report
from sipadu.cases.forward_reference import open_forward_reference
from sipadu.cases.kinds import TimelineKind
from sipadu.cases.labels import (
    category_label,
    destination_label,
    place_or_agency,
    report_field_label,
    report_value,
    rupiah,
    status_label,
)
from sipadu.cases.models import Case
from sipadu.cases.statuses import FORWARD_RESULT_LABELS, ForwardResult
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
from sipadu.crypto.errors import DecryptionError
from sipadu.storage.base import BlobStore
from sipadu.units.agencies import list_agencies

# The staff case page's words for the timeline kinds other than status changes.
TIMELINE_LABELS: dict[str, Any] = {
    TimelineKind.OBJECTION: lazy_gettext("Objection from the reporter"),
    TimelineKind.OBJECTION_ANSWER: lazy_gettext("Answer to the objection"),
    TimelineKind.EVIDENCE_ADDED: lazy_gettext("The reporter added evidence"),
}


def _timeline_line(entry: TimelineView, shown: Callable[[str], str]) -> str:
    """One timeline entry in words (never its stored kind or status key)."""
    kind, text = entry.kind, entry.text if entry.verified else None
    if kind == TimelineKind.STATUS and entry.status:
        head = status_label(entry.status)
    else:
        head = str(TIMELINE_LABELS.get(kind, gettext("Update")))
    line = f"{entry.created_on.isoformat()} — {head}"
    return line + (f"\n{shown(text)}" if text else "")


def _facts(case: Case, dek: bytes) -> list[str]:
    """The case's metadata in words, with where it was forwarded and the receiving
    institution's reference (sealed under the DEK, opened here for the approved export)."""
    facts = [
        f"{gettext('Case')}: {case.code}",
        f"{gettext('Category')}: {category_label(case.category)}",
        f"{gettext('Status')}: {status_label(case.status)}",
        f"{gettext('Received')}: {case.received_on.isoformat()}",
    ]
    if case.forwarded_to is not None:
        facts.append(f"{gettext('Forwarded to')}: {destination_label(case.forwarded_to)}")
        try:
            reference = open_forward_reference(dek, case)
        except DecryptionError:
            reference = gettext("This record could not be verified.")
        label = gettext("The institution's reference number")
        facts.append(f"{label}: {reference or '—'}")
        if case.forward_result is not None:
            result = FORWARD_RESULT_LABELS.get(ForwardResult(case.forward_result), "")
            label = gettext("The institution's outcome")
            facts.append(f"{label}: {result}")
    return facts


def _sections(db: Session, case: Case, dek: bytes, view: ExportView) -> list[Section]:
    # A redacted export shows the published redaction (NoPublishedRedactionError without).
    redactor = published_redactor(db, case, dek) if view == ExportView.REDACTED else None

    def shown(text: str) -> str:
        return text if redactor is None else redactor(text)

    agencies = {agency.code: agency.name for agency in list_agencies(db)}

    def field(key: str, value: object) -> str:
        # The amount is redacted as the reporter typed it (the marks are spans of that text),
        # then shown in Rupiah when nothing of it was withheld.
        typed = (
            str(value)
            if key == "amount"
            else report_value(key, place_or_agency(key, value, agencies))
        )
        text = shown(typed)
        return rupiah(text) if key == "amount" and text == typed else text

    fields = [
        f"{report_field_label(k)}: {field(k, v)}"
        for k, v in read_report(case, dek).items()
        if k != "submitted_at" and v
    ]
    # Identity events never leave the building: the recipient must not learn that a named
    # reporter exists.
    timeline = [
        _timeline_line(e, shown)
        for e in list_timeline(db, case, dek)
        if e.kind != TimelineKind.IDENTITY_OPENED
    ]
    inspektorat, reporter = gettext("Inspektorat"), gettext("Reporter")
    messages = [
        f"{m.created_on.isoformat()} — {reporter if m.author_kind == 'reporter' else inspektorat}"
        f"\n{shown(m.body)}"
        for m in list_messages(db, case, dek, include_internal=False)
        if m.verified
    ]
    return [
        Section(gettext("Case"), _facts(case, dek)),
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
                [
                    ngettext(
                        "%(num)d file withheld from this redacted export.",
                        "%(num)d files withheld from this redacted export.",
                        withheld,
                    )
                ],
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
    sections.insert(0, Section(gettext("Confidential - not redacted"), [full_note()]))
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


def full_note() -> str:
    """What a full export's first page says: nothing was removed."""
    return str(
        gettext(
            "This export is not redacted: it holds the report, timeline and messages as "
            "written, with the files. Only the approved recipient may read it."
        )
    )
