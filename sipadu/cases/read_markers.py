"""Read markers: which messages a reader has not seen yet, for the "new" (Baru) mark.

A marker is the newest message (``case_messages.id``, which only grows) a case page showed to
its reader. A message written by someone else after it is new; showing the page moves the
marker to the newest message it shows, so the mark clears once seen.

- The reporter has one marker per case (``cases.reporter_seen_message``): the case key is the
  reporter, whichever device opened the page. It keeps no time and nothing about the device.
- Each officer has their own (``case_reads``): one officer's reading does not clear the mark
  for a colleague.

Only the case pages move a marker; the APIs read cases without marking anything.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sipadu.cases.models import Case, CaseRead


def reporter_seen_before(case: Case, shown: Iterable[int]) -> int:
    """The reporter's marker before this page (0: never), moved up to the newest of
    ``shown`` (the message ids the page shows)."""
    before = case.reporter_seen_message or 0
    newest = max(shown, default=0)
    if newest > before:
        case.reporter_seen_message = newest
    return before


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
