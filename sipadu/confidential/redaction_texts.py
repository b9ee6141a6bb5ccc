"""The texts a redaction covers, and applying a redaction to them.

They are the texts an export shows an outside body (``export_content.py``): the report's
typed fields, the timeline texts and the messages exchanged with the reporter (never
internal notes). Fields chosen from a list (category, area, agency) hold no typed text and
are not marked.

Marks are kept per text, keyed by a digest of the text (``text_key``): identical texts share
their marks, and a text the redaction has never seen (a message that arrived after it was
marked) has no entry, so an export withholds it whole instead of showing it unredacted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from sipadu.cases.content import list_messages, list_timeline, read_report
from sipadu.cases.kinds import TimelineKind
from sipadu.cases.labels import report_value
from sipadu.cases.models import Case
from sipadu.confidential.redaction import MARK, Span, redact
from sipadu.crypto.errors import DecryptionError

# Report fields whose value comes from a list, never typed by the reporter.
CODED_FIELDS = frozenset({"category", "location", "agency", "submitted_at"})
Marks = Mapping[str, tuple[Span, ...]]


@dataclass(frozen=True)
class RedactableText:
    """One text of the case as an export shows it, with where it comes from."""

    key: str
    # "report" (``label`` is the field), "timeline" (the status) or "message" (the author).
    source: str
    label: str
    day: date | None
    text: str


def text_key(text: str) -> str:
    """The text's identity in the marks (a digest: the marks never hold the text)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _report(case: Case, dek: bytes) -> dict[str, object]:
    # A report that does not verify is shown nowhere (the case page says so): no texts.
    try:
        return read_report(case, dek)
    except DecryptionError:
        return {}


def _text(source: str, label: str, day: date | None, text: str) -> RedactableText:
    return RedactableText(text_key(text), source, label, day, text)


def redactable_texts(db: Session, case: Case, dek: bytes) -> list[RedactableText]:
    """Every text an export would show, in its order; each distinct text once."""
    found = [
        _text("report", key, None, str(value))
        for key, value in _report(case, dek).items()
        if key not in CODED_FIELDS and value
    ]
    found += [
        _text("timeline", entry.status or entry.kind, entry.created_on, entry.text)
        for entry in list_timeline(db, case, dek)
        # An opened identity's entry holds a role word, not text anyone typed.
        if entry.text and entry.verified and entry.kind != TimelineKind.IDENTITY_OPENED
    ]
    found += [
        _text("message", message.author_kind, message.created_on, message.body)
        for message in list_messages(db, case, dek, include_internal=False)
        if message.verified
    ]
    seen: set[str] = set()
    unique = []
    for item in found:
        if item.key not in seen:
            seen.add(item.key)
            unique.append(item)
    return unique


def coded_values(case: Case, dek: bytes) -> frozenset[str]:
    """The report's values chosen from a list, as stored and as staff read them."""
    report = _report(case, dek)
    coded = {(key, value) for key, value in report.items() if key in CODED_FIELDS and value}
    return frozenset(str(v) for _k, v in coded) | frozenset(report_value(k, v) for k, v in coded)


@dataclass(frozen=True)
class Redactor:
    """A published redaction applied to texts: marked spans become ``MARK``; a text it
    does not cover is withheld whole (``MARK``), except the report's coded values."""

    marks: Marks
    coded: frozenset[str]

    def __call__(self, text: str) -> str:
        spans = self.marks.get(text_key(text))
        if spans is not None:
            return redact(text, list(spans))
        return text if text in self.coded else MARK
