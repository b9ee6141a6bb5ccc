"""`sipadu storage gc`: shred orphan blobs, and report attachment rows whose blob is unusable.

Without a case DEK nobody on the server can *authenticate* a blob (its file key is sealed
under the DEK). What can be checked without keys: the blob exists, its first byte is a known
stream version, and its size is one the padded stream writer can produce (header plus a
whole number of full records, in PADME steps). A blob that passes can still fail
authentication; only a staff member opening the file (or the reporter) can tell. Rows are
never deleted here: a missing file is evidence to investigate, not to tidy away.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.cases.models import Attachment, Case
from sipadu.crypto import stream
from sipadu.storage.base import BlobStore, InvalidBlobIdError, validate_blob_id

ORPHAN_MIN_AGE_SECONDS = 3600


@dataclass(frozen=True)
class BlobProblem:
    """An attachment row whose blob is missing or malformed."""

    case_code: str
    attachment_id: int
    blob_id: str
    problem: str


@dataclass
class SweepReport:
    """What the sweep removed and found."""

    removed: list[str] = field(default_factory=list)
    problems: list[BlobProblem] = field(default_factory=list)
    checked: int = 0


def valid_padded_size(size: int) -> bool:
    """True when ``size`` is a size the padded stream writer produces."""
    body = size - stream.HEADER_SIZE
    if body <= 0 or body % stream.RECORD_SIZE:
        return False
    records = body // stream.RECORD_SIZE
    return stream.padded_record_count(records) == records


def blob_problem(store: BlobStore, blob_id: str) -> str | None:
    """Why a blob is unusable, judged without its key, or None."""
    try:
        validate_blob_id(blob_id)
    except InvalidBlobIdError:
        return "the row holds a malformed blob id"
    if not store.exists(blob_id):
        return "missing"
    if not valid_padded_size(store.size(blob_id)):
        return "size is not a valid encrypted stream size (truncated or altered)"
    with store.open(blob_id) as blob:
        if blob.read(1) != bytes((stream.VERSION,)):
            return "unknown stream version byte (altered)"
    return None


def sweep_storage(
    db: Session,
    store: BlobStore,
    min_age_seconds: float = ORPHAN_MIN_AGE_SECONDS,
    *,
    now: float | None = None,
) -> SweepReport:
    """Remove orphans older than ``min_age_seconds`` at ``now`` (default: the clock); check
    every attachment's blob."""
    report = SweepReport()
    rows = db.execute(
        select(Attachment.id, Attachment.blob_id, Case.code)
        .join(Case, Case.id == Attachment.case_id)
        .order_by(Attachment.id)
    ).all()
    # Ids are read before the sweep: a blob whose row commits meanwhile is younger than the
    # minimum age, so it is safe anyway.
    report.removed = store.sweep_orphans(
        {blob_id for _, blob_id, _ in rows}, min_age_seconds, now=now
    )
    for attachment_id, blob_id, code in rows:
        report.checked += 1
        problem = blob_problem(store, blob_id)
        if problem is not None:
            report.problems.append(BlobProblem(code, attachment_id, blob_id, problem))
    return report
