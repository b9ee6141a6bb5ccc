"""The identifiers staff see for a case's messages, timeline entries and attachments.

The rows' integer primary keys count up across all cases, so showing one next to a staff
message's audited time would place a reporter's action more precisely than its day (see
docs/audit.md). Pages, URLs, API answers and audit details therefore use the row's random
``record_id`` (16 bytes drawn when the row is written, envelope v2) as 32 hex digits.
"""

from __future__ import annotations

import hashlib
import re

# Rows stored before envelope v2 have no record_id until their case is next written.
# An attachment still needs a stable name for its download URL: a digest of its random
# blob id (distinct from the blob id itself, which names the stored file).
_LEGACY_ATTACHMENT_LABEL = b"sipadu attachment public id\x00"
PUBLIC_ID_PATTERN = re.compile(r"[0-9a-f]{32}")


def public_record_id(record_id: bytes | None) -> str | None:
    """The row's random identity as hex; None for a row from before envelope v2."""
    return record_id.hex() if record_id is not None else None


def attachment_public_id(record_id: bytes | None, blob_id: str) -> str:
    """An attachment's identity in URLs and answers: its record id, else a blob-id digest."""
    own = public_record_id(record_id)
    if own is not None:
        return own
    return hashlib.sha256(_LEGACY_ATTACHMENT_LABEL + blob_id.encode()).hexdigest()[:32]


def is_public_id(value: str) -> bool:
    """True when ``value`` has the shape of a public identifier (32 lowercase hex digits)."""
    return PUBLIC_ID_PATTERN.fullmatch(value) is not None
