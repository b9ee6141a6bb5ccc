"""A SIPADU instance with many cases filed through the reporting service, cached on disk.

Every case is filed by ``submit_report`` (what the report form and ``POST /api/v1/reports``
call after validation): report sealed under its own DEK, the DEK wrapped for the reporter's
case key, for both supervisors and for the escrow key, the timeline's first entry, the audit
event and the supervisors' notifications. Two things are not as in production:

- **Argon2id of the case key** runs at t=1, m=8 KiB (``CHEAP_ARGON2``) instead of the
  instance's parameters: at the real cost 100 000 submissions would take most of a day in
  key derivation, and the inbox never derives a case key. The key record has the same format;
  only its cost parameters differ. The supervisors' key pairs use the same cheap parameters.
- **Statuses and dates are spread afterwards** by direct UPDATEs of the metadata columns
  (status, unit, received, acknowledged, decided, last feedback and closing days; see
  ``spread_metadata``) over about two years, so filters match what a working inbox holds
  (many overdue cases, every status). No timeline entry or audit event records those
  changes; the inbox reads only these columns.

Speed: one process files about 80-100 cases a second here (ORM flushes, the audit chain's
head lock, the grants' X25519 wraps), so the cases are filed by several processes, each into
its own copy of the freshly initialised database, and merged: cases, grants, timeline entries
and notifications copied with their ids shifted, the audit events of every part after the
first appended and re-chained (their content unchanged; sequence, previous hash, hash and
HMAC recomputed under the instance's audit key). A case code two parts both drew (32^6 codes,
a handful among 100 000) is left out with its rows, so the count can fall a few short.

The result is cached in ``bench-results/cache/<key>/`` (keys, database, the supervisor's
bench-made credentials), ``key`` naming the migration head, the case count and
``SEED_FORMAT``, so the next run reuses it.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import secrets
import shutil
import sqlite3
import time
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from bench import inbox_merge
from bench.live_instance import StaffLogin, instance_env
from sipadu import migrate
from sipadu.app import create_app
from sipadu.app_context import current_settings
from sipadu.audit.day_queue import seal_days
from sipadu.cases.models import CATEGORIES
from sipadu.crypto.params import Argon2Params
from sipadu.db import db_session, make_engine
from sipadu.reporting.service import submit_report
from sipadu.reporting.validation import validate_report
from sipadu.settings import Settings, settings_from_env
from sipadu.staff import service as staff_service
from tests.support.cli import init_instance
from tests.support.instance import Database

SEED_FORMAT = 1  # bump when what a seeded database holds changes
CHEAP_ARGON2 = Argon2Params(time_cost=1, memory_cost=8, parallelism=1)
COMMIT_EVERY = 250
DATABASE_FILE = "sipadu.sqlite3"
_WORDS = (
    "anggaran",
    "proyek",
    "rekanan",
    "hadiah",
    "kuitansi",
    "lelang",
    "dinas",
    "rapat",
    "perjalanan",
    "honor",
    "pengadaan",
    "laporan",
    "kas",
    "setoran",
    "izin",
    "fiktif",
)


@dataclass(frozen=True)
class SeededInstance:
    """A folder holding ``keys/`` and the SQLite database, and its supervisor's login."""

    root: Path
    cases: int
    login: StaffLogin
    seed_seconds: float | None  # None when the cache was reused

    @property
    def database(self) -> Path:
        """The seeded SQLite file."""
        return self.root / DATABASE_FILE


def cache_key(count: int) -> str:
    """Names a cached instance: migration head, case count, seed format."""
    engine = make_engine("sqlite://")
    head = migrate.head_revision(engine)
    engine.dispose()
    return f"inbox-{head}-{count}-v{SEED_FORMAT}"


def _settings(root: Path, database: Path) -> Settings:
    env = instance_env(root, 0, Database.sqlite_file(database))
    return replace(settings_from_env(env), argon2=CHEAP_ARGON2)


def _report(rng: random.Random) -> dict[str, object]:
    def words(low: int, high: int) -> str:
        return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(low, high)))

    return {
        "category": rng.choice(CATEGORIES),
        "what": words(20, 200),
        "who": words(1, 4),
        "where": words(1, 3),
        "when": words(1, 2),
    }


def file_cases(root: Path, database: Path, count: int, seed_value: int) -> None:
    """File ``count`` reports through the reporting service into ``database``."""
    rng = random.Random(seed_value)  # noqa: S311  (report texts, not secrets)
    app = create_app(_settings(root, database))
    with app.app_context():
        settings, db = current_settings(), db_session()
        for number in range(count):
            valid = validate_report(_report(rng))
            submit_report(db, valid.report, valid.identity, [], settings)
            if number % COMMIT_EVERY == COMMIT_EVERY - 1:
                db.commit()
        db.commit()
        # The submissions' audit events wait in the day queue; seal them (today's too) so
        # each part's chain holds them before the parts are merged.
        assert settings.keyring is not None  # noqa: S101
        seal_days(db, settings.keyring.audit_hmac_key, before=date.max)
        db.commit()
    app.extensions["sipadu.engine"].dispose()


def _supervisors(root: Path, database: Path) -> StaffLogin:
    """Two supervisors (every case is wrapped for both); the first one's login."""
    app = create_app(_settings(root, database))
    logins = []
    with app.app_context():
        db = db_session()
        keyring = current_settings().keyring
        assert keyring is not None  # noqa: S101
        for _ in range(2):
            login = StaffLogin(
                f"bench-sup-{secrets.token_hex(3)}", f"bench-{secrets.token_urlsafe(12)}-Sup"
            )
            account = staff_service.create_account(
                db,
                login.username,
                "supervisor",
                login.password,
                params=CHEAP_ARGON2,
                audit_key=keyring.audit_hmac_key,
            )
            account.totp_confirmed = True
            # Stands for the escrow holder's approval of a first supervisor.
            account.activation_approved_at = account.created_at
            logins.append(login)
        db.commit()
    app.extensions["sipadu.engine"].dispose()
    return logins[0]


def _remove_wal(database: Path) -> None:
    # Every connection is closed (the last one checkpointed), so these hold nothing.
    for suffix in ("-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)


def _shares(count: int, workers: int) -> list[int]:
    return [count // workers + (1 if index < count % workers else 0) for index in range(workers)]


def build(root: Path, count: int, workers: int) -> StaffLogin:
    """Initialise an instance in ``root`` and file ``count`` cases with ``workers``
    processes; the merged database ends up as ``root``/``DATABASE_FILE``."""
    database = root / DATABASE_FILE
    init_instance(instance_env(root, 0, Database.sqlite_file(database)))
    login = _supervisors(root, database)
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    parts = []
    for index, share in enumerate(_shares(count, workers)):
        if share:
            part = root / f"part-{index}.sqlite3"
            shutil.copyfile(database, part)
            parts.append((part, share, 1000 + index))
    context = multiprocessing.get_context("spawn")
    with context.Pool(len(parts)) as pool:
        pool.starmap(file_cases, [(root, part, share, seed) for part, share, seed in parts])
    _remove_wal(database)
    shutil.copyfile(parts[0][0], database)
    keyring = _settings(root, database).with_keyring().keyring
    assert keyring is not None  # noqa: S101
    inbox_merge.merge_parts(database, [part for part, _, _ in parts[1:]], keyring.audit_hmac_key)
    for part, _, _ in parts:
        part.unlink()
    return login


def seeded_instance(
    count: int, cache_root: Path, workers: int | None = None, seed_value: int = 7
) -> SeededInstance:
    """The cached instance with ``count`` cases, built (and cached) when missing."""
    folder = cache_root / cache_key(count)
    meta = folder / "seed.json"
    if meta.exists():
        saved = json.loads(meta.read_text())
        return SeededInstance(folder, saved["cases"], StaffLogin(**saved["login"]), None)
    started = time.perf_counter()
    building = cache_root / f"{folder.name}.building-{secrets.token_hex(3)}"
    building.mkdir(parents=True, mode=0o700)
    login = build(building, count, workers or os.cpu_count() or 2)
    cases = inbox_merge.spread_metadata(building / DATABASE_FILE, seed_value)
    seconds = time.perf_counter() - started
    descriptor = os.open(building / "seed.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump(
            {
                "cases": cases,
                "seed_seconds": seconds,
                "workers": workers,
                "login": {"username": login.username, "password": login.password},
            },
            out,
        )
    shutil.rmtree(folder, ignore_errors=True)
    building.rename(folder)
    return SeededInstance(folder, cases, login, seconds)
