"""Instance-wide case-key check slots: a flood of guesses cannot hold every worker.

The slots are file locks shared by every process of an instance; a check that finds none
free is refused at once with a clear 503, counts nothing against the case, and new reports
are never refused for it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from sipadu.audit.models import AuditEvent
from sipadu.cases.models import CaseKeyThrottle
from sipadu.db import db_session
from sipadu.settings import SettingsError, settings_from_env
from sipadu.web.key_check_slots import KeyCheckBusyError, KeyCheckSlots
from tests.conftest import build_app, make_settings
from tests.reporting.conftest import BASE_REPORT, Ready
from tests.support.audit import seal_all
from tests.support.csrf import hidden_fields
from tests.support.factories import make_staff
from tests.support.instance import Database


@contextmanager
def every_slot_taken(app: Flask) -> Iterator[None]:
    """Hold all of the app's slots from outside, as other workers' checks would."""
    slots: KeyCheckSlots = app.extensions["sipadu.key_check_slots"]
    with ExitStack() as stack:
        for _ in slots.paths:
            stack.enter_context(slots.hold())
        yield


def test_slots_admit_up_to_their_number(tmp_path: Path) -> None:
    slots = KeyCheckSlots(tmp_path / "run", 2)
    slots.prepare()
    other_worker = KeyCheckSlots(tmp_path / "run", 2)
    with slots.hold(), other_worker.hold(), pytest.raises(KeyCheckBusyError), slots.hold():
        pass
    with slots.hold():  # released on leaving the blocks
        pass


def _hold_until_killed(directory: str, ready: multiprocessing.synchronize.Event) -> None:
    slots = KeyCheckSlots(Path(directory), 1)
    with slots.hold():
        ready.set()
        signal.pause()


def test_a_killed_worker_gives_its_slot_back(tmp_path: Path) -> None:
    slots = KeyCheckSlots(tmp_path / "run", 1)
    slots.prepare()
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    worker = context.Process(target=_hold_until_killed, args=(str(tmp_path / "run"), ready))
    worker.start()
    try:
        assert ready.wait(30)
        with pytest.raises(KeyCheckBusyError), slots.hold():
            pass
    finally:
        os.kill(worker.pid or 0, signal.SIGKILL)
        worker.join(30)
    with slots.hold():
        pass


def _filed(ready: Ready) -> dict[str, str]:
    response = ready.app.test_client().post("/api/v1/reports", json=BASE_REPORT)
    assert response.status_code == 201
    body: dict[str, str] = response.get_json()
    return body


def _counted(app: Flask) -> tuple[int, int]:
    with app.app_context():
        db = db_session()
        seal_all(app, db)
        failures = db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.tag.in_(["reporter:login_failed", "reporter:login"]))
        )
        throttles = db.scalar(select(func.count()).select_from(CaseKeyThrottle))
    return failures or 0, throttles or 0


def test_api_check_refused_clearly_while_every_slot_is_taken(ready: Ready) -> None:
    key = _filed(ready)["case_key"]
    client = ready.app.test_client()
    before = _counted(ready.app)
    with every_slot_taken(ready.app):
        busy = client.get("/api/v1/case", headers={"Authorization": f"CaseKey {key}"})
        wrong = client.get("/api/v1/case", headers={"Authorization": f"CaseKey {key[:-3]}AAA"})
        # Reports keep being accepted: the slots are for key checks only.
        assert client.post("/api/v1/reports", json=BASE_REPORT).status_code == 201
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
    assert "Set-Cookie" not in busy.headers
    assert "coba lagi" in busy.get_json()["error"]["message"]
    assert wrong.status_code in (400, 503)  # a typo is caught before any slot is needed
    assert _counted(ready.app) == before, "a refused check must count nothing"
    assert (
        client.get("/api/v1/case", headers={"Authorization": f"CaseKey {key}"}).status_code == 200
    )


def test_web_key_page_refused_in_both_languages(ready: Ready) -> None:
    key = _filed(ready)["case_key"]
    client = ready.app.test_client()
    token = hidden_fields(client.get("/kasus"))["csrf_token"]
    with every_slot_taken(ready.app):
        busy = client.post("/kasus", data={"csrf_token": token, "case_key": key})
    page = busy.get_data(as_text=True)
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
    assert "coba lagi" in page and "try again" in page
    assert "Traceback" not in page and key not in page
    assert client.post("/kasus", data={"csrf_token": token, "case_key": key}).status_code == 303


def test_slot_count_setting(tmp_path: Path) -> None:
    base = {"SIPADU_INSTANCE_DIR": str(tmp_path)}
    assert settings_from_env({**base, "SIPADU_CASE_KEY_CHECK_SLOTS": "3"}).case_key_check_slots == 3
    assert settings_from_env(base).case_key_check_slots == max(1, (os.cpu_count() or 2) // 2)
    for bad in ("0", "many"):
        with pytest.raises(SettingsError):
            settings_from_env({**base, "SIPADU_CASE_KEY_CHECK_SLOTS": bad})


def test_busy_answers_do_not_use_up_the_reporters_limit(tmp_path: Path, database: Database) -> None:
    """A flood from other addresses holds every slot: the reporter who retries as the 503
    says is let in once a slot frees, not locked out (429) by their own retries."""
    app = build_app(make_settings(tmp_path, database, rate_limits_enabled=True))
    with app.app_context():
        supervisor = make_staff(app, db_session())
        db_session().commit()
    key = _filed(Ready(app, supervisor))["case_key"]
    client = app.test_client()
    api_auth = {"Authorization": f"CaseKey {key}"}
    token = hidden_fields(client.get("/kasus"))["csrf_token"]
    retries = 12  # more than the 10 per minute of CASE_KEY_LIMITS
    with every_slot_taken(app):
        api_busy = [
            client.get("/api/v1/case", headers=api_auth).status_code for _ in range(retries)
        ]
        web_busy = [
            client.post("/kasus", data={"csrf_token": token, "case_key": key}).status_code
            for _ in range(retries)
        ]
    assert api_busy == [503] * retries and web_busy == [503] * retries
    assert client.get("/api/v1/case", headers=api_auth).status_code == 200
    assert client.post("/kasus", data={"csrf_token": token, "case_key": key}).status_code == 303
    app.extensions["sipadu.engine"].dispose()
