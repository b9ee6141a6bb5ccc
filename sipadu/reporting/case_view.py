"""What the reporter's case page adds to the shared case overview.

The reporter's own report (opened with the key the session already holds), the day by which
the Inspektorat owes the next news, what is new since the reporter's last message, and where
their one objection stands. Days only, in WIB: a reporter's pages show no time of day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy.orm import Session

from sipadu.cases.content import read_report
from sipadu.cases.deadlines import DeadlineInputError, case_deadlines, next_due
from sipadu.cases.kinds import TimelineKind
from sipadu.cases.labels import rupiah
from sipadu.cases.models import Case
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


@dataclass(frozen=True)
class CaseNews:
    """What happened since the reporter last wrote (or since the report, if never)."""

    since_reply: bool  # True: counted from the reporter's last message
    new_messages: int
    status_changes: int


@dataclass(frozen=True)
class ReporterPageExtras:
    """The case page's reporter-only parts."""

    report: list[ReportLine] | None  # None: the sealed report did not verify
    next_update_on: date | None
    next_update_late: bool
    news: CaseNews
    objection: ObjectionState


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


def case_news(view: ReporterCaseView) -> CaseNews:
    """New Inspektorat messages after the reporter's last one (by order), and status
    changes on a later day (entries carry days only, so a same-day change is not "new")."""
    mine = [i for i, m in enumerate(view.messages) if m.verified and m.from_reporter]
    start = mine[-1] + 1 if mine else 0
    new = [
        i for i, m in enumerate(view.messages[start:], start) if m.verified and not m.from_reporter
    ]
    statuses = [t for t in view.timeline if t.kind == TimelineKind.STATUS]
    if mine:
        last_day = view.messages[mine[-1]].sent_on
        changes = sum(1 for t in statuses if t.created_on > last_day)
    else:
        changes = max(0, len(statuses) - 1)  # the first is the report's own "received"
    return CaseNews(bool(mine), len(new), changes)


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


def page_extras(
    db: Session, case: Case, dek: bytes, view: ReporterCaseView, today: date
) -> ReporterPageExtras:
    """Everything the reporter's case page shows beyond the shared overview."""
    due = next_update_day(db, case, today)
    return ReporterPageExtras(
        report=report_lines(
            case, dek, {agency.code: agency.shown_name for agency in list_agencies(db)}
        ),
        next_update_on=due,
        next_update_late=due is not None and due < today,
        news=case_news(view),
        objection=objection_state(view),
    )
