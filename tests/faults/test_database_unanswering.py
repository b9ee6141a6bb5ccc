"""A database host that never answers (frozen, or its packets dropped): new connections give
up after the configured connect timeout and the request gets the clear 503, instead of holding
the worker until gunicorn kills it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flask import Flask
from sqlalchemy import event

from sipadu.db import db_session, make_engine
from tests.conftest import build_app, make_settings
from tests.faults.conftest import connections_redirected
from tests.faults.test_database_outage import EN_TEXT, ID_TEXT
from tests.reporting.conftest import BASE_REPORT
from tests.support.factories import make_staff
from tests.support.instance import Database

T = TypeVar("T")
# Far above the 2-second connect timeout under test, far below "hangs until killed".
CLIENT_TIMEOUT_SECONDS = 60


@contextmanager
def unanswering_port() -> Iterator[int]:
    """A loopback port whose kernel completes the TCP handshake but nobody ever answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)  # never accept(): the client's startup packet is never read
        yield int(listener.getsockname()[1])


@contextmanager
def database_unanswering(app: Flask) -> Iterator[None]:
    """New connections go to the unanswering port; everything else of the engine is kept,
    including its connect timeout."""
    with unanswering_port() as port:

        def _redirect(
            _dialect: Any, _record: Any, _cargs: list[Any], cparams: dict[str, Any]
        ) -> None:
            cparams.update(host="127.0.0.1", port=port)

        with connections_redirected(app, _redirect):
            yield


def _within_client_timeout(call: Callable[[], T]) -> T:
    """Run ``call`` as a client with a timeout would: fail instead of hanging the test run."""
    results: list[T] = []
    worker = threading.Thread(target=lambda: results.append(call()), daemon=True)
    worker.start()
    worker.join(CLIENT_TIMEOUT_SECONDS)
    assert results, "the request hung on a database that never answers"
    return results[0]


@pytest.fixture
def postgres_app(tmp_path: Path, database: Database) -> Iterator[Flask]:
    if database.backend != "postgresql":
        pytest.skip("connect timeouts are PostgreSQL's; SQLite opens a local file")
    application = build_app(
        make_settings(tmp_path, database, rate_limits_enabled=False, database_connect_timeout=2)
    )
    with application.app_context():
        make_staff(application, db_session())  # a supervisor: reports can be filed
        db_session().commit()
    yield application
    application.extensions["sipadu.engine"].dispose()


def test_unanswering_database_gives_503_not_a_hang(postgres_app: Flask) -> None:
    client = postgres_app.test_client()
    key = client.post("/api/v1/reports", json=BASE_REPORT).get_json()["case_key"]
    auth = {"Authorization": f"CaseKey {key}"}
    with database_unanswering(postgres_app):
        refused = _within_client_timeout(lambda: client.post("/api/v1/reports", json=BASE_REPORT))
        case = _within_client_timeout(lambda: client.get("/api/v1/case", headers=auth))
    for response in (refused, case):
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.headers["Retry-After"].isdigit()
        error = response.get_json()["error"]
        assert error["code"] == "unavailable"
        assert ID_TEXT in error["message"] or EN_TEXT in error["message"]
    # The host answers again: the same app recovers without a restart.
    assert client.get("/api/v1/case", headers=auth).status_code == 200
    assert client.post("/api/v1/reports", json=BASE_REPORT).status_code == 201


def test_connect_timeout_in_the_url_wins(postgres_url: str) -> None:
    """An operator's own ``connect_timeout`` in the URL is passed on untouched; otherwise the
    setting is."""
    seen: list[object] = []

    class _StopError(Exception):
        pass

    def _capture(_dialect: Any, _record: Any, _cargs: list[Any], cparams: dict[str, Any]) -> None:
        seen.append(cparams.get("connect_timeout"))
        raise _StopError

    for url, timeout in ((postgres_url + "?connect_timeout=9", 3), (postgres_url, 3)):
        engine = make_engine(url, connect_timeout=timeout)
        event.listen(engine, "do_connect", _capture)
        with pytest.raises(_StopError):
            engine.connect()
        engine.dispose()
    assert [str(value) for value in seen] == ["9", "3"]
