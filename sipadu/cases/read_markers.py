"""Read markers: which messages a reader has not seen yet, for the "new" (Baru) mark.

A marker is the newest message (``case_messages.id``, which only grows) a case page showed to
its reader. A message written by someone else after it is new; showing the page moves the
marker to the newest message it shows, so the mark clears once seen.

- The reporter has one marker per case (``cases.reporter_seen_message``): the case key is the
  reporter, whichever device opened the page. It keeps no time and nothing about the device.
  A second one (``cases.reporter_seen_entry``) does the same for the timeline (status changes,
  the answer to an objection), so the page's "since your last visit" line and its marks count
  the same rows, by id, never by day (entries carry days only).
- Each officer has their own (``case_reads``): one officer's reading does not clear the mark
  for a colleague.

Only the case pages move a marker; the APIs read cases without marking anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sipadu.cases.models import Case, CaseRead, TimelineEntry


@dataclass(frozen=True)
class ReporterMarks:
    """Where the reporter's markers stood before this page: what is after them is new."""

    message: int  # 0: no message shown yet
    entry: int  # before the first visit: the report's own first entry ("received")
    visited: bool  # False: the case page has never been shown (news since the report)


def reporter_seen_before(
    case: Case, messages: Iterable[int], entries: Sequence[int]
) -> ReporterMarks:
    """The reporter's markers before this page, each moved up to the newest of what the page
    shows (``messages``: message ids, ``entries``: timeline entry ids, oldest first)."""
    visited = case.reporter_seen_entry is not None
    marks = ReporterMarks(
        message=case.reporter_seen_message or 0,
        entry=case.reporter_seen_entry or (entries[0] if entries else 0),
        visited=visited,
    )
    newest_message = max(messages, default=0)
    if newest_message > marks.message:
        case.reporter_seen_message = newest_message
    newest_entry = max(entries, default=0)
    if newest_entry > marks.entry or not visited:
        case.reporter_seen_entry = max(newest_entry, marks.entry)
    return marks


def reporter_made_entry(db: Session, case: Case, entry_id: int) -> None:
    """The reporter's own act added timeline entry ``entry_id`` (their reply resumed the
    assessment): it is no news to them. The marker moves past it only when they had seen
    every earlier entry, so nothing they have not seen is skipped."""
    earlier = db.scalar(
        select(func.max(TimelineEntry.id)).where(
            TimelineEntry.case_id == case.id, TimelineEntry.id < entry_id
        )
    )
    seen = case.reporter_seen_entry
    if seen is not None and seen >= (earlier or 0):
        case.reporter_seen_entry = entry_id


def staff_seen_before(db: Session, case_id: int, staff_id: int, shown: Iterable[int]) -> int:
    """This officer's marker before this page (0: never opened), moved up to the newest of
    ``shown``."""
    newest = max(shown, default=0)
    row = db.scalar(
        select(CaseRead).where(CaseRead.case_id == case_id, CaseRead.staff_id == staff_id)
    )
    if row is not None:
        before = row.seen_message
        row.seen_message = max(before, newest)
        return before
    try:
        # Two tabs opening the case at once race for the first row; the loser keeps its page.
        with db.begin_nested():
            db.add(CaseRead(case_id=case_id, staff_id=staff_id, seen_message=newest))
    except IntegrityError:
        pass
    return 0
