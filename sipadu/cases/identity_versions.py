"""Earlier identity versions kept for the reader who opened them (``IdentityVersionRead``).

When the reporter seals new details, ``confidential/identity_versions.py`` keeps each version
someone already opened for that approved reader: the sealed text and the reader's wrapped key
are copied here before the new version replaces them, and stay until the reader's permission
ends (``drop_expired_identity_grants`` deletes them then).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.cases.identity import IdentityUnavailableError, identity_grant
from sipadu.cases.models import Case, IdentityVersionRead
from sipadu.crypto import identity as identity_crypto
from sipadu.crypto.errors import DecryptionError


def keep_version_for(db: Session, case: Case, staff_id: int, expires_at: datetime) -> bool:
    """Before a new version is sealed: keep the current one (its sealed text and the
    reader's wrapped key) for an approved reader until ``expires_at``. False when the
    reader holds no grant on it."""
    grant = identity_grant(db, case, staff_id)
    if grant is None or case.identity_sealed is None or not case.identity_custodial:
        return False
    db.add(
        IdentityVersionRead(
            case_id=case.id,
            staff_id=staff_id,
            identity_version=case.identity_version,
            identity_sealed=case.identity_sealed,
            wrapped_key=grant.wrapped_key,
            expires_at=expires_at,
        )
    )
    db.flush()
    return True


def earlier_version_until(
    db: Session, case: Case, staff_id: int, now: datetime | None = None
) -> datetime | None:
    """Until when this reader may still read an earlier version kept for them, if any."""
    return db.scalar(
        select(IdentityVersionRead.expires_at)
        .where(
            IdentityVersionRead.case_id == case.id,
            IdentityVersionRead.staff_id == staff_id,
            IdentityVersionRead.expires_at > (now or datetime.now(UTC)),
        )
        .order_by(IdentityVersionRead.identity_version.desc())
        .limit(1)
    )


def open_earlier_version(
    db: Session, case: Case, staff_id: int, private_key: bytes, now: datetime | None = None
) -> tuple[IdentityVersionRead, dict[str, object]]:
    """The newest earlier version kept for this reader, still in time, and its document."""
    row = db.scalar(
        select(IdentityVersionRead)
        .where(
            IdentityVersionRead.case_id == case.id,
            IdentityVersionRead.staff_id == staff_id,
            IdentityVersionRead.expires_at > (now or datetime.now(UTC)),
        )
        .order_by(IdentityVersionRead.identity_version.desc())
        .limit(1)
    )
    if row is None:
        raise IdentityUnavailableError("no earlier version kept for this reader")
    try:
        key = identity_crypto.unwrap_identity_key(row.wrapped_key, private_key, case.code)
        plain = identity_crypto.open_identity(key, case.code, row.identity_sealed)
        document = json.loads(plain)
    except (DecryptionError, ValueError):
        raise IdentityUnavailableError("the earlier version does not open") from None
    if not isinstance(document, dict):
        raise IdentityUnavailableError("the identity is not a document")
    return row, document
