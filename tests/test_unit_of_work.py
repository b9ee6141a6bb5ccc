"""The request's unit of work: committed on success, rolled back on failure, in one place.

Probe views on the real app write a throttle row (a table with no foreign keys) and answer in
different ways; a fresh session afterwards says what was kept. On SQLite every transaction
takes the write lock at BEGIN, so the lock tests ask a second connection whether it can write.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Blueprint, Flask, Response, flash, redirect
from flask.typing import ResponseReturnValue
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from sipadu.cases.models import CaseKeyThrottle
from sipadu.db import db_session, get_engine
from sipadu.unit_of_work import commit_now, discard_now, no_transaction
from sipadu.web.auth import public
from tests.support.argon2probe import write_lock_free


class ProbeFailedError(Exception):
    """Raised by a probe view after it wrote."""


def _write(code: str) -> None:
    now = datetime.now(UTC)
    db_session().add(
        CaseKeyThrottle(code=code, failures=1, last_failure_at=now, window_started_at=now)
    )
    db_session().flush()


def _kept(app: Flask) -> set[str]:
    with Session(get_engine(app)) as db:
        return set(db.scalars(select(CaseKeyThrottle.code)))


def _sqlite_path(app: Flask) -> str:
    return str(get_engine(app).url.database)


def _register_probes(app: Flask, seen: dict[str, Any]) -> None:
    bp = Blueprint("uow_probe", __name__)

    @public
    def succeed() -> str:
        _write("OK")
        return "ok"

    @public
    def explode() -> str:
        _write("RAISED")
        raise ProbeFailedError

    @public
    def refuse() -> tuple[str, int]:
        _write("REFUSED")
        return "refused", 422

    @public
    def keep_then_refuse() -> tuple[str, int]:
        _write("COUNTED")
        commit_now()  # as a counted login failure is kept before its error page
        _write("LATER")
        return "refused", 401

    @public
    def discard_then_redirect() -> ResponseReturnValue:
        _write("DISCARDED")
        discard_now()
        return redirect("/", code=303)

    @public
    def slow() -> str:
        _write("BEFORE")
        with no_transaction():
            seen["in_transaction"] = db_session().in_transaction()
            seen["lock_free"] = write_lock_free(_sqlite_path(app))
        return "done"

    @public
    def held() -> str:
        _write("HELD")
        seen["lock_free"] = write_lock_free(_sqlite_path(app))
        return "held"

    @public
    def read_only() -> str:
        db_session().scalars(select(CaseKeyThrottle.code)).all()
        return "read"

    def look_at_the_lock(response: Response) -> Response:
        if response.get_data() == b"read":
            seen["lock_free"] = write_lock_free(_sqlite_path(app))
        return response

    @public
    def flash_then_fail_commit() -> str:
        _write("FLASHED")
        flash("saved", "success")
        return "ok"

    for view in (
        succeed,
        explode,
        refuse,
        keep_then_refuse,
        discard_then_redirect,
        slow,
        held,
        read_only,
        flash_then_fail_commit,
    ):
        bp.add_url_rule(f"/uow/{view.__name__}", view.__name__, view)
    app.register_blueprint(bp)
    # First in the list, so Flask runs it last: after every hook, as the response leaves the
    # app and before the request's teardown would close the session anyway.
    app.after_request_funcs.setdefault(None, []).insert(0, look_at_the_lock)


@pytest.fixture
def seen() -> dict[str, Any]:
    return {}


@pytest.fixture
def probed(app: Flask, seen: dict[str, Any]) -> Flask:
    _register_probes(app, seen)
    return app


@pytest.fixture
def sqlite_probed(sqlite_app: Flask, seen: dict[str, Any]) -> Flask:
    _register_probes(sqlite_app, seen)
    return sqlite_app


def test_a_successful_request_commits(probed: Flask) -> None:
    assert probed.test_client().get("/uow/succeed").status_code == 200
    assert _kept(probed) == {"OK"}


def test_a_view_that_raises_leaves_nothing_committed(probed: Flask) -> None:
    assert probed.test_client().get("/uow/explode").status_code == 500
    assert _kept(probed) == set()


def test_an_error_response_leaves_nothing_committed(probed: Flask) -> None:
    assert probed.test_client().get("/uow/refuse").status_code == 422
    assert _kept(probed) == set()


def test_commit_now_keeps_work_before_an_error_response(probed: Flask) -> None:
    assert probed.test_client().get("/uow/keep_then_refuse").status_code == 401
    assert _kept(probed) == {"COUNTED"}


def test_discard_now_drops_work_although_the_response_succeeds(probed: Flask) -> None:
    assert probed.test_client().get("/uow/discard_then_redirect").status_code == 303
    assert _kept(probed) == set()


def test_no_transaction_releases_the_sqlite_write_lock(
    sqlite_probed: Flask, seen: dict[str, Any]
) -> None:
    assert sqlite_probed.test_client().get("/uow/slow").status_code == 200
    assert seen == {"in_transaction": False, "lock_free": True}
    assert _kept(sqlite_probed) == {"BEFORE"}


def test_without_no_transaction_the_write_lock_is_held(
    sqlite_probed: Flask, seen: dict[str, Any]
) -> None:
    # The control for the test above: the probe does see a lock a transaction holds.
    assert sqlite_probed.test_client().get("/uow/held").status_code == 200
    assert seen == {"lock_free": False}


def test_a_read_only_request_does_not_hold_the_lock_past_its_response(
    sqlite_probed: Flask, seen: dict[str, Any]
) -> None:
    assert sqlite_probed.test_client().get("/uow/read_only").get_data() == b"read"
    assert seen == {"lock_free": True}


def test_a_failed_commit_is_answered_like_a_failed_view(
    probed: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(_session: Session) -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    client = probed.test_client()
    with probed.app_context():
        session_class = type(db_session())
    event.listen(session_class, "before_commit", fail)
    try:
        response = client.get("/uow/flash_then_fail_commit")
    finally:
        event.remove(session_class, "before_commit", fail)
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert _kept(probed) == set()
    with client.session_transaction() as cookie_session:
        assert "_flashes" not in cookie_session  # the view's flash assumed its work was kept
