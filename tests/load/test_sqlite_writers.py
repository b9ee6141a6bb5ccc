"""SQLite under concurrent writers: several worker processes (as gunicorn runs them), each
with several threads, file reports and messages through the app against one SQLite file at
once. Nobody may see "database is locked" (every report is a 201), every acknowledged report
and message is stored and readable with its key, and the audit chain verifies afterwards."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sipadu.app import create_app
from sipadu.audit.service import verify_chain
from sipadu.cases.models import Case, CaseMessage
from sipadu.db import db_session, make_engine
from sipadu.settings import Settings
from tests.conftest import build_app, make_settings
from tests.support.factories import make_staff
from tests.support.instance import Database

PROCESSES = 3
THREADS = 3
REPORTS_PER_THREAD = 3
DEADLINE_SECONDS = 120


def _thread(app: Any, worker: str, barrier: threading.Barrier, out: list[Any]) -> None:
    client = app.test_client()
    barrier.wait(timeout=30)
    for n in range(REPORTS_PER_THREAD):
        filed = client.post(
            "/api/v1/reports",
            json={"category": "pungli", "what": f"Laporan serentak {worker}-{n}."},
        )
        body = filed.get_json(silent=True) or {}
        sent = None
        if filed.status_code == 201:
            sent = client.post(
                "/api/v1/case/messages",
                json={"body": f"Tambahan {worker}"},
                headers={"Authorization": f"CaseKey {body['case_key']}"},
            )
        out.append(
            (
                filed.status_code,
                body.get("case_key"),
                sent.status_code if sent else None,
                filed.get_data(as_text=True)[:200] if filed.status_code != 201 else "",
            )
        )


def _worker(settings: Settings, number: int, start: Any, results: Any) -> None:
    app = create_app(settings)
    out: list[Any] = []
    barrier = threading.Barrier(THREADS)
    threads = [
        threading.Thread(target=_thread, args=(app, f"{number}.{t}", barrier, out))
        for t in range(THREADS)
    ]
    start.wait(timeout=30)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE_SECONDS)
    results.put(out)


def test_concurrent_reports_on_one_sqlite_file(tmp_path: Path, sqlite_database: Database) -> None:
    settings = make_settings(
        tmp_path,
        sqlite_database,
        rate_limits_enabled=False,
        argon2_slots=THREADS * PROCESSES,
        # Every reporter's key check at once: the instance-wide slots
        # (which refuse checks beyond half the cores) are not under test.
        case_key_check_slots=THREADS * PROCESSES,
    )
    app = build_app(settings)
    with app.app_context():
        make_staff(app, db_session())
        db_session().commit()
    context = multiprocessing.get_context("fork")
    start, results = context.Event(), context.Queue()
    workers = [
        context.Process(target=_worker, args=(settings, n, start, results))
        for n in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    start.set()
    answers = [row for _ in workers for row in results.get(timeout=DEADLINE_SECONDS)]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    expected = PROCESSES * THREADS * REPORTS_PER_THREAD
    assert len(answers) == expected
    assert [a for a in answers if a[0] != 201 or a[2] != 201] == []
    client = app.test_client()
    for _status, key, _sent, _text in answers:
        case = client.get("/api/v1/case", headers={"Authorization": f"CaseKey {key}"})
        assert case.status_code == 200 and len(case.get_json()["messages"]) == 1
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == expected
        assert session.scalar(select(func.count()).select_from(CaseMessage)) == expected
        assert settings.keyring is not None
        report = verify_chain(session, settings.keyring.audit_hmac_key)
        assert report.ok, report.problem
    engine.dispose()
    app.extensions["sipadu.engine"].dispose()
