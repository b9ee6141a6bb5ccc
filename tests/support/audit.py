"""Test helper: seal the whole day queue, today included, so reporter events are in the chain.

In production only days that are over are sealed; tests that inspect a reporter's audit
events call this first."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.audit.day_queue import seal_days


def seal_all(app: Flask, db: Session) -> int:
    """Append every queued event to the chain and commit; returns how many."""
    keyring = current_settings(app).keyring
    assert keyring is not None
    count = seal_days(db, keyring.audit_hmac_key, before=date.max).events
    db.commit()
    return count
