"""The Argon2 gate: a few derivations at a time, a clear "busy" refusal for the rest."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Blueprint, Flask

from sipadu.web import argon2_gate
from sipadu.web.argon2_gate import Argon2Gate, Argon2GateBusyError, current_gate
from sipadu.web.auth import public
from tests.conftest import build_app, make_settings
from tests.support.instance import Database


def _hold(gate: Argon2Gate, entered: threading.Event, leave: threading.Event) -> None:
    with gate.admit():
        entered.set()
        leave.wait(10)


@pytest.fixture
def held() -> Iterator[tuple[Argon2Gate, threading.Event]]:
    """A two-slot gate with both slots held by background threads until the test ends."""
    gate = Argon2Gate(slots=2, wait_seconds=0.2)
    leave = threading.Event()
    threads = []
    for _ in range(2):
        entered = threading.Event()
        thread = threading.Thread(target=_hold, args=(gate, entered, leave))
        thread.start()
        assert entered.wait(5)
        threads.append(thread)
    yield gate, leave
    leave.set()
    for thread in threads:
        thread.join(5)


def test_a_full_gate_refuses_after_the_wait(held: tuple[Argon2Gate, threading.Event]) -> None:
    gate, _leave = held
    start = time.monotonic()
    with pytest.raises(Argon2GateBusyError), gate.admit():
        pytest.fail("must not be admitted")
    assert 0.15 <= time.monotonic() - start < 2


def test_a_freed_slot_admits_a_waiter(held: tuple[Argon2Gate, threading.Event]) -> None:
    gate, leave = held
    gate.wait_seconds = 5
    threading.Timer(0.1, leave.set).start()
    with gate.admit():
        pass


def test_never_more_than_slots_run_at_once() -> None:
    gate = Argon2Gate(slots=3, wait_seconds=10)
    lock = threading.Lock()
    running = peak = 0

    def work() -> None:
        nonlocal running, peak
        with gate.admit():
            with lock:
                running += 1
                peak = max(peak, running)
            time.sleep(0.01)
            with lock:
                running -= 1

    threads = [threading.Thread(target=work) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert peak == 3 and running == 0


def test_an_error_inside_releases_the_slot() -> None:
    gate = Argon2Gate(slots=1, wait_seconds=0)
    for _ in range(5):
        with pytest.raises(ZeroDivisionError), gate.admit():
            _ = 1 / 0
    with gate.admit():
        pass


def test_zero_wait_refuses_at_once() -> None:
    gate = Argon2Gate(slots=1, wait_seconds=0)
    with gate.admit(), pytest.raises(Argon2GateBusyError), gate.admit():
        pass


@pytest.mark.parametrize(("slots", "wait"), [(0, 1.0), (-1, 1.0), (1, -0.1)])
def test_bad_configuration_is_refused(slots: int, wait: float) -> None:
    with pytest.raises(ValueError):
        Argon2Gate(slots, wait)


def test_outside_an_app_the_process_default_is_used() -> None:
    assert current_gate().slots == 2
    with argon2_gate.admit():
        pass


@pytest.fixture
def busy_app(tmp_path: Path, sqlite_database: Database) -> Flask:
    app = build_app(
        make_settings(tmp_path, sqlite_database, argon2_slots=1, argon2_wait_seconds=0.0)
    )
    bp = Blueprint("gate_probe", __name__)

    @public
    def guess() -> str:
        with argon2_gate.admit(), argon2_gate.admit():  # the second cannot get a slot
            return "unreachable"

    bp.add_url_rule("/gate/guess", "guess", guess)
    bp.add_url_rule("/api/v1/gate/guess", "api_guess", guess)
    app.register_blueprint(bp)
    return app


def test_the_app_gate_is_sized_from_settings(busy_app: Flask) -> None:
    with busy_app.app_context():
        assert current_gate().slots == 1 and current_gate().wait_seconds == 0


def test_busy_becomes_a_bilingual_503_page(busy_app: Flask) -> None:
    response = busy_app.test_client().get("/gate/guess")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    page = response.get_data(as_text=True)
    assert "Server sedang sibuk" in page and "The server is busy" in page
    assert "unreachable" not in page


def test_busy_becomes_a_json_error_in_the_api(busy_app: Flask) -> None:
    response = busy_app.test_client().get("/api/v1/gate/guess")
    assert response.status_code == 503 and response.is_json
    assert response.get_json()["error"]["code"] == "unavailable"
    assert response.headers["Retry-After"] == "10"
