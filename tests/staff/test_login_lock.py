"""Failed sign-ins in a loop do not lock other writers out of SQLite while Argon2 runs.

One client sending failed logins used to hold SQLite's write lock through every derivation
(the transaction starts with BEGIN IMMEDIATE), so every other request queued behind it. Here
one thread signs in wrongly again and again with production-like Argon2 cost, while the test
takes the write lock from another connection with a short timeout, many times, and counts
the attempts made while a derivation was running: all of them must get the lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask

from sipadu.crypto import params as params_module
from sipadu.crypto.params import Argon2Params
from sipadu.db import db_session
from tests.conftest import build_app, make_settings
from tests.support.argon2probe import write_lock_free
from tests.support.csrf import csrf_token
from tests.support.instance import Database
from tests.support.staff import enrolled

# About a quarter of a second per derivation here: far longer than the writer's patience.
COSTLY = Argon2Params(time_cost=3, memory_cost=65536, parallelism=1)
WRITER_TIMEOUT = 0.1
FAILED_LOGINS = 4


class Running:
    """How many derivations are running right now."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def wrap(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def derive(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                self.count += 1
            try:
                return real(*args, **kwargs)
            finally:
                with self.lock:
                    self.count -= 1

        return derive


@pytest.fixture
def costly_app(tmp_path: Path, sqlite_database: Database) -> Iterator[Flask]:
    application = build_app(
        make_settings(tmp_path, sqlite_database, argon2=COSTLY, rate_limits_enabled=False)
    )
    yield application
    application.extensions["sipadu.engine"].dispose()


def test_failed_logins_leave_the_write_lock_free(
    costly_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    with costly_app.app_context():
        person = enrolled(costly_app, db_session())
    running = Running()
    monkeypatch.setattr(
        params_module,
        "hash_secret_raw",
        running.wrap(getattr(params_module, "hash_secret_raw")),  # noqa: B009
    )
    monkeypatch.setattr(PasswordHasher, "verify", running.wrap(PasswordHasher.verify))
    client = costly_app.test_client()
    token = csrf_token(client)
    statuses: list[int] = []

    def guess() -> None:
        for _ in range(FAILED_LOGINS):
            statuses.append(
                client.post(
                    "/staff/login",
                    data={
                        "csrf_token": token,
                        "username": person.username,
                        "password": "salah-sekali-pw",
                        "totp": "123456",
                    },
                ).status_code
            )

    path = str(costly_app.extensions["sipadu.engine"].url.database)
    guesser = threading.Thread(target=guess)
    guesser.start()
    during: list[bool] = []
    while guesser.is_alive():
        if running.count:
            during.append(write_lock_free(path, WRITER_TIMEOUT))
        time.sleep(0.02)
    guesser.join()
    assert statuses == [401] * FAILED_LOGINS
    assert len(during) >= FAILED_LOGINS, "too few writes overlapped a derivation to tell"
    assert all(during), f"{during.count(False)} of {len(during)} writes waited out Argon2"
