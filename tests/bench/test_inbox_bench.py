"""The inbox bench's plumbing on a few cases: seeded through the services (cases a supervisor
can really open, an audit chain that verifies), cached, then served and timed by gunicorn."""

from __future__ import annotations

import os
import sqlite3

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench import inbox_bench, inbox_seed
from bench.__main__ import main
from sipadu.audit.service import verify_chain
from sipadu.cases.content import read_report
from sipadu.cases.models import Case, CaseGrant
from sipadu.cases.service import unlock_case_for_staff
from sipadu.crypto.staff import unlock_private_key
from sipadu.db import make_engine
from sipadu.keyring import load_keyring
from sipadu.staff.service import find_account

CASES = 40


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> inbox_seed.SeededInstance:
    cache = tmp_path_factory.mktemp("cache")
    return inbox_seed.seeded_instance(CASES, cache, workers=2)


def test_seeded_cases_are_real_and_spread(seeded: inbox_seed.SeededInstance) -> None:
    assert seeded.cases == CASES and seeded.seed_seconds is not None
    engine = make_engine(f"sqlite:///{seeded.database}")
    try:
        with Session(engine) as db:
            account = find_account(db, seeded.login.username)
            assert account is not None
            private_key = unlock_private_key(
                account.wrapped_private_key, seeded.login.password, account_id=account.id
            )
            cases = list(db.scalars(select(Case)))
            assert len({case.code for case in cases}) == CASES
            # Both parts' cases open with the supervisor's own key: wrapped DEKs are real.
            for case in cases:
                dek = unlock_case_for_staff(db, case, account.id, private_key)
                assert read_report(case, dek)["category"] == case.category
            assert db.scalar(select(func.count()).select_from(CaseGrant)) == 2 * CASES
            assert len({case.status for case in cases}) > 3
            assert len({case.received_on for case in cases}) > CASES // 2
            keys = load_keyring(seeded.root / "keys")
            report = verify_chain(db, keys.audit_hmac_key)
            assert report.ok and report.rows_checked >= CASES
    finally:
        engine.dispose()


def test_cache_is_reused(seeded: inbox_seed.SeededInstance) -> None:
    again = inbox_seed.seeded_instance(CASES, seeded.root.parent)
    assert (again.root, again.login, again.seed_seconds) == (seeded.root, seeded.login, None)
    with sqlite3.connect(seeded.database) as connection:
        assert connection.execute("SELECT count(*) FROM cases").fetchone()[0] == CASES


def test_pages_are_served_and_timed(seeded: inbox_seed.SeededInstance) -> None:
    postgres = os.environ.get("SIPADU_TEST_POSTGRES_URL")
    _, runs = inbox_bench.inbox_runs(CASES, 2, seeded.root.parent, postgres)
    assert [run.backend for run in runs] == ["SQLite", "PostgreSQL"][: 1 + bool(postgres)]
    for run in runs:
        first = {page.slug: page for page in run.pages}["first"]
        assert (first.rows, first.total, first.total_is_exact) == (25, CASES, True)
        for page in run.pages:
            assert len(page.server) == 2
            assert all(
                0 < inside < outside
                for inside, outside in zip(page.server, page.round_trip, strict=True)
            )


def test_only_refuses_an_unknown_group(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--only", "nothing"])
    assert "invalid choice" in capsys.readouterr().err
