"""Inbox at scale: a supervisor's inbox pages over 100 000 cases on SQLite, server time.

Seeding takes the metadata path, not the crypto path: cases and grants are bulk-inserted
with the columns the inbox reads (code, category, status, unit, dates) set the way the
services set them, and *fake* ciphertext blobs (fixed random bytes) where the sealed report,
the reporter's key record and the wrapped DEKs would be. The inbox never decrypts, so its
queries see exactly what they would see in production; 100 000 real submissions would spend
most of a day in Argon2id. The staff accounts and their sessions are real.

Server time is measured in-process through the WSGI app (Flask test client: routing, auth,
session lookup, the query, the template or JSON), without a network or a gunicorn worker.
"""

from __future__ import annotations

import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from sipadu import migrate
from sipadu.app import create_app
from sipadu.cases.models import CATEGORIES, Case, CaseGrant
from sipadu.cases.statuses import CLOSED, Status
from sipadu.crypto.params import Argon2Params
from sipadu.crypto.staff import create_staff_keys, unlock_private_key
from sipadu.db import db_session, make_engine
from sipadu.keyring import generate_missing_keys
from sipadu.sessions.service import start_session
from sipadu.settings import Settings
from sipadu.staff.models import StaffAccount

BATCH = 10_000
SPAN_DAYS = 730
_CHEAP = Argon2Params(time_cost=1, memory_cost=8, parallelism=1)
_FAKE = secrets.token_bytes(96)  # stands in for every ciphertext blob
_STATUSES = [s.value for s in Status]
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True)
class PageTiming:
    """Server times (seconds) of repeated requests for one page."""

    label: str
    path: str
    times: list[float]
    rows: int

    @property
    def p95(self) -> float:
        """95th percentile (inclusive method; with 20 samples, between the 19th and 20th)."""
        return statistics.quantiles(self.times, n=20, method="inclusive")[-1]


@dataclass(frozen=True)
class InboxBench:
    """What the inbox bench measured."""

    cases: int
    seed_seconds: float
    pages: list[PageTiming]


def _case_rows(count: int, today: date, rng: random.Random) -> Iterator[dict[str, object]]:
    codes = rng.sample(range(len(_CODE_ALPHABET) ** 6), count)
    for number in codes:
        code = "".join(_CODE_ALPHABET[(number >> (5 * i)) & 31] for i in range(6))
        received = today - timedelta(days=rng.randrange(SPAN_DAYS))
        status = rng.choice(_STATUSES)
        later = received + timedelta(days=rng.randrange(1, 30))
        closed = status in {s.value for s in CLOSED}
        yield {
            "code": f"SPD-{code}", "category": rng.choice(CATEGORIES), "status": status,
            "unit": f"Dinas {rng.randrange(60)}", "received_on": received,
            "acknowledged_on": None if status == Status.DITERIMA else later,
            "decided_on": later if status not in (Status.DITERIMA, Status.VERIFIKASI) else None,
            "last_feedback_on": later if rng.random() < 0.5 else None,
            "closed_on": later if closed else None, "objection_used": False,
            "report_sealed": _FAKE, "reporter_key_record": _FAKE, "escrow_grant": _FAKE,
            "updated_at": datetime.now(UTC),
        }


def _staff(db: Session, role: str) -> tuple[int, bytes]:
    now = datetime.now(UTC)
    account = StaffAccount(username=f"{role}-{secrets.token_hex(3)}", role=role, active=True,
                           password_hash="", public_key=b"", wrapped_private_key=b"",
                           failed_logins=0, totp_confirmed=True, created_at=now,
                           password_changed_at=now)
    db.add(account)
    db.flush()
    password = secrets.token_urlsafe(16)
    material = create_staff_keys(password, _CHEAP, account_id=account.id)
    account.password_hash = material.password_hash
    account.public_key = material.public_key
    account.wrapped_private_key = material.wrapped_private_key
    db.flush()
    return account.id, unlock_private_key(material.wrapped_private_key, password,
                                          account_id=account.id)


def seed(app: Flask, count: int, seed_value: int = 7) -> tuple[str, float]:
    """Two supervisors (every case granted to both), ``count`` cases; a Bearer token."""
    rng = random.Random(seed_value)  # noqa: S311  (reproducible metadata, not secrets)
    started = time.perf_counter()
    with app.app_context():
        db = db_session()
        staff_id, private_key = _staff(db, "supervisor")
        other_id, _ = _staff(db, "supervisor")
        db.commit()
        today = datetime.now(UTC).date()
        rows = list(_case_rows(count, today, rng))
        for start in range(0, count, BATCH):
            db.execute(insert(Case), rows[start:start + BATCH])
        db.commit()
        ids = list(db.scalars(select(Case.id)))
        now = datetime.now(UTC)
        for member in (staff_id, other_id):
            grants = [{"case_id": case_id, "staff_id": member, "reason": "supervisor",
                       "wrapped_dek": _FAKE, "granted_by": None, "created_at": now}
                      for case_id in ids]
            for start in range(0, len(grants), BATCH):
                db.execute(insert(CaseGrant), grants[start:start + BATCH])
        db.commit()
        token = start_session(db, kind="staff", payload=private_key, staff_id=staff_id,
                              channel="api")
        db.commit()
    return token, time.perf_counter() - started


PAGES = (
    ("API: first inbox page", "/api/v1/staff/cases"),
    ("API: overdue filter", "/api/v1/staff/cases?due=overdue"),
    ("API: status filter, oldest first",
     "/api/v1/staff/cases?status=verifikasi&sort=received_asc"),
)


def time_pages(app: Flask, token: str, requests: int) -> list[PageTiming]:
    """``requests`` timed requests per page (after two untimed warm-ups)."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    timings = []
    for label, path in PAGES:
        for _ in range(2):
            client.get(path, headers=headers)
        times, rows = [], 0
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            times.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            rows = len(response.get_json()["cases"])
        timings.append(PageTiming(label, path, times, rows))
    return timings


def inbox_bench(cases: int, requests: int = 20) -> InboxBench:
    """Seed ``cases`` cases in a temporary SQLite instance and time the inbox pages."""
    with tempfile.TemporaryDirectory(prefix="sipadu-bench-inbox-") as folder:
        root = Path(folder)
        generate_missing_keys(root / "keys")
        settings = Settings(instance_dir=root / "instance", keys_dir=root / "keys",
                            database_url=f"sqlite:///{root / 'inbox.sqlite3'}",
                            rate_limits_enabled=False, argon2=_CHEAP).with_keyring()
        settings.instance_dir.mkdir(mode=0o700)
        engine = make_engine(settings.database_url)
        migrate.upgrade(engine)
        engine.dispose()
        app = create_app(settings)
        token, seconds = seed(app, cases)
        pages = time_pages(app, token, requests)
        app.extensions["sipadu.engine"].dispose()
    return InboxBench(cases, seconds, pages)
