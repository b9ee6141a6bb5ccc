"""The reporter's rating of how a closed case was handled: once, a score and a comment.

The score is metadata (``CaseRating.score``, counted by the statistics with small-cell
suppression); the score and the comment together are sealed under the case DEK, bound to
the row's random record id and to the reporter as author, so a row moved to another case,
a swapped score or a replayed comment reads as "could not be verified".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.audit.actors import Actor
from sipadu.cases.models import Case, CaseRating
from sipadu.cases.sealing import open_record, seal_record, upgrade_legacy_case
from sipadu.cases.service import json_bytes, json_document
from sipadu.cases.statuses import is_closed
from sipadu.crypto import envelope
from sipadu.crypto.envelope import Binding
from sipadu.crypto.errors import DecryptionError
from sipadu.days import wib_today

KIND_RATING = b"rating"
SCORES = range(1, 6)
MAX_RATING_COMMENT_CHARS = 2000


class RatingNotAllowedError(ValueError):
    """The case is not closed, or was already rated."""


@dataclass(frozen=True)
class RatingView:
    """A rating as the case pages show it; ``verified`` False: neither score nor comment."""

    score: int | None
    comment: str
    created_on: date
    verified: bool = True


def _binding(record_id: bytes, score: int) -> Binding:
    return Binding(record_id, Actor.REPORTER, f"score/{score}")


def may_rate(db: Session, case: Case) -> bool:
    """True while the case is closed and not yet rated."""
    return is_closed(case.status) and _rating_row(db, case) is None


def rate_case(db: Session, case: Case, dek: bytes, score: int, comment: str) -> CaseRating:
    """Store the reporter's one rating (the caller validated ``score`` and ``comment``)."""
    if score not in SCORES or not may_rate(db, case):
        raise RatingNotAllowedError(case.code)
    upgrade_legacy_case(db, case, dek)
    record_id = envelope.new_record_id()
    document = {"score": score, "comment": comment}
    row = CaseRating(
        case_id=case.id,
        score=score,
        sealed=seal_record(
            dek, case, KIND_RATING, json_bytes(document), _binding(record_id, score)
        ),
        record_id=record_id,
        created_on=wib_today(),
    )
    db.add(row)
    db.flush()
    return row


def read_rating(db: Session, case: Case, dek: bytes) -> RatingView | None:
    """The case's rating, decrypted and checked against its row; None if not rated."""
    row = _rating_row(db, case)
    if row is None:
        return None
    try:
        document = json_document(
            open_record(
                dek, case, KIND_RATING, row.sealed, lambda: _binding(row.record_id, row.score)
            )
        )
        score, comment = document.get("score"), document.get("comment")
        if score != row.score or not isinstance(comment, str):
            raise DecryptionError("rating document does not match its row")
    except DecryptionError:
        return RatingView(None, "", row.created_on, verified=False)
    return RatingView(row.score, comment, row.created_on)


def _rating_row(db: Session, case: Case) -> CaseRating | None:
    return db.scalars(select(CaseRating).where(CaseRating.case_id == case.id)).one_or_none()
