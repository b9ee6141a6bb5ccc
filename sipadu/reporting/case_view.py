"""What the reporter's case page adds to the shared case overview.

The reporter's own report (opened with the key the session already holds), the day by which
the Inspektorat owes the next news, what is new since the reporter's last visit, and where
their one objection stands. Days only, in WIB: a reporter's pages show no time of day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from flask_babel import gettext, lazy_gettext, ngettext
from sqlalchemy.orm import Session

from sipadu.cases.content import read_report
from sipadu.cases.deadlines import DeadlineInputError, case_deadlines, next_due
from sipadu.cases.kinds import TimelineKind
from sipadu.cases.labels import rupiah
from sipadu.cases.models import Case
from sipadu.cases.read_markers import ReporterMarks
from sipadu.cases.statuses import is_closed
from sipadu.crypto.errors import DecryptionError
from sipadu.effective_settings import effective_settings
from sipadu.reporting.forms import CATEGORY_LABELS, REPORT_TEXT_FIELDS
from sipadu.reporting.service import ReporterCaseView
from sipadu.units.agencies import list_agencies
from sipadu.units.areas import jakarta_areas

CATEGORY_HEADING = lazy_gettext("What kind of wrongdoing")
LOCATION_HEADING = lazy_gettext("Where in DKI Jakarta did it happen?")
AGENCY_HEADING = lazy_gettext("Which agency is reported?")
# The reporter's copy drops the form's "(required)": it is a record, not a form to fill.
COPY_LABELS = {"what": lazy_gettext("What happened?")}


class ObjectionState(StrEnum):
    """Where the reporter's one objection stands, for the text the page shows."""

    AVAILABLE = "available"  # the case is closed and the objection not used
    PENDING = "pending"  # used, not answered yet
    ANSWERED = "answered"  # used and answered: no second objection
    NONE = "none"  # the case is open and no objection was made


@dataclass(frozen=True)
class ReportLine:
    """One filled field of the reporter's own report: its label and what they wrote."""

    label: Any
    value: str


# Timeline entries the reporter's own acts add: never news to them.
_OWN_ENTRIES = frozenset({TimelineKind.OBJECTION, TimelineKind.EVIDENCE_ADDED})


@dataclass(frozen=True)
class CaseNews:
    """What is new since the reporter's last visit (or since the report, before the first):
    the rows the page marks "new" and the "since" line counts, the same ones."""

    visited: bool  # True: counted from the last visit
    messages: frozenset[int]  # ids of the Inspektorat messages after the message marker
    entries: frozenset[int]  # ids of the timeline entries after the entry marker
    status_changes: int
    objection_answered: bool
    other_updates: int  # entries other than status changes and the answer (identity opened)

    @property
    def anything(self) -> bool:
        """True when the line has something to count."""
        return bool(self.messages or self.entries)


@dataclass(frozen=True)
class ReporterPageExtras:
    """The case page's reporter-only parts."""

    report: list[ReportLine] | None  # None: the sealed report did not verify
    next_update_on: date | None
    next_update_late: bool
    news: CaseNews
    news_parts: list[str]  # the "since" line's counts in words, nothing that is zero
    objection: ObjectionState
    status_explanation: str  # the status explained, with where the one objection stands


def _choices(document: dict[str, Any], agencies: Mapping[str, str]) -> list[ReportLine]:
    """The place and agency the reporter chose, in the words the form's lists showed."""
    lines = []
    location = document.get("location")
    if isinstance(location, str) and location:
        place = jakarta_areas().describe(location) or location
        lines.append(ReportLine(LOCATION_HEADING, place))
    agency = document.get("agency")
    if isinstance(agency, str) and agency:
        lines.append(ReportLine(AGENCY_HEADING, agencies.get(agency, agency)))
    return lines


def report_lines(case: Case, dek: bytes, agencies: Mapping[str, str]) -> list[ReportLine] | None:
    """The report as the reporter wrote it, in form order, empty fields left out; choices
    from a list in words (``agencies``: code → name), labels without "(required)"."""
    try:
        document = read_report(case, dek)
    except DecryptionError:
        return None
    category = str(document.get("category", ""))
    lines = [ReportLine(CATEGORY_HEADING, CATEGORY_LABELS.get(category, category))]
    lines.extend(_choices(document, agencies))
    for spec in REPORT_TEXT_FIELDS:
        value = document.get(spec.name)
        if isinstance(value, str) and value.strip():
            shown = rupiah(value) if spec.name == "amount" else value
            lines.append(ReportLine(COPY_LABELS.get(spec.name, spec.label), shown))
    return lines


def next_update_day(db: Session, case: Case, today: date) -> date | None:
    """The earliest open deadline of the case (the admin's policy and holidays), or None
    once it is closed: by that day the reporter is owed news."""
    if is_closed(case.status):
        return None
    settings = effective_settings(db)
    try:
        deadlines = case_deadlines(
            case.received_on,
            case.status,
            case.acknowledged_on,
            case.decided_on,
            case.last_feedback_on,
            case.closed_on,
            settings.deadlines,
            settings.holiday_dates,
            today=today,
        )
    except DeadlineInputError:
        return None
    due = next_due(deadlines)
    return None if due is None else due.due_on


def case_news(view: ReporterCaseView, marks: ReporterMarks) -> CaseNews:
    """The Inspektorat's messages and the timeline entries (not the reporter's own) after the
    reporter's markers, by row id: a same-day change counts, a seen one never does."""
    messages = frozenset(
        m.seq for m in view.messages if m.verified and not m.from_reporter and m.seq > marks.message
    )
    entries = [
        t
        for t in view.timeline
        if t.verified and t.kind not in _OWN_ENTRIES and t.seq > marks.entry
    ]
    kinds = [t.kind for t in entries]
    statuses = kinds.count(TimelineKind.STATUS)
    answered = TimelineKind.OBJECTION_ANSWER in kinds
    return CaseNews(
        visited=marks.visited,
        messages=messages,
        entries=frozenset(t.seq for t in entries),
        status_changes=statuses,
        objection_answered=answered,
        other_updates=len(kinds) - statuses - kinds.count(TimelineKind.OBJECTION_ANSWER),
    )


def objection_state(view: ReporterCaseView) -> ObjectionState:
    """From the timeline: the last objection, and whether an answer came after it."""
    if view.may_object:
        return ObjectionState.AVAILABLE
    kinds = [t.kind for t in view.timeline]
    if TimelineKind.OBJECTION not in kinds:
        return ObjectionState.NONE
    last_objection = len(kinds) - 1 - kinds[::-1].index(TimelineKind.OBJECTION)
    answered = TimelineKind.OBJECTION_ANSWER in kinds[last_objection:]
    return ObjectionState.ANSWERED if answered else ObjectionState.PENDING


def news_parts(news: CaseNews) -> list[str]:
    """The "since" line's counts in words, leaving out what did not happen."""
    parts = []
    if news.messages:
        count = len(news.messages)
        parts.append(ngettext("%(num)d new message", "%(num)d new messages", count))
    if news.status_changes:
        count = news.status_changes
        parts.append(ngettext("%(num)d status change", "%(num)d status changes", count))
    if news.objection_answered:
        parts.append(gettext("the answer to your objection"))
    if news.other_updates:
        parts.append(
            ngettext(
                "%(num)d other update in the timeline",
                "%(num)d other updates in the timeline",
                news.other_updates,
            )
        )
    return parts


# What the status box adds about the one objection, per state (the status's explanation
# itself never speaks of it: it would go on saying "you may object" after the objection).
_OBJECTION_NOTES: Mapping[ObjectionState, Any] = {
    ObjectionState.AVAILABLE: lazy_gettext("You may object once."),
    ObjectionState.PENDING: lazy_gettext(
        "You have objected to this decision; a supervisor reviews it and answers here."
    ),
    ObjectionState.ANSWERED: lazy_gettext(
        "The Inspektorat has answered your objection; a case can be objected to only once."
    ),
}


def status_explanation(view: ReporterCaseView) -> str:
    """The status explained to the reporter, and the truth about the objection in it."""
    note = _OBJECTION_NOTES.get(objection_state(view))
    explained = str(view.status_text.reporter_explanation)
    return explained if note is None else f"{explained} {note}"


def page_extras(
    db: Session,
    case: Case,
    dek: bytes,
    view: ReporterCaseView,
    today: date,
    marks: ReporterMarks,
) -> ReporterPageExtras:
    """Everything the reporter's case page shows beyond the shared overview."""
    due = next_update_day(db, case, today)
    news = case_news(view, marks)
    return ReporterPageExtras(
        report=report_lines(
            case, dek, {agency.code: agency.shown_name for agency in list_agencies(db)}
        ),
        next_update_on=due,
        next_update_late=due is not None and due < today,
        news=news,
        news_parts=news_parts(news),
        objection=objection_state(view),
        status_explanation=status_explanation(view),
    )
