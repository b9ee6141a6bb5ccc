"""Concurrent wrong case keys for one code: every failure counted, none answered with an error.

Two guesses that both find no throttle row would both insert one; the second insert used to
fail with an IntegrityError (a 500 for the guesser) and its failure went uncounted, so a
guesser could fire pairs of guesses for the price of one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from sipadu.app_context import current_settings
from sipadu.cases.models import CaseKeyThrottle
from sipadu.crypto.casekey import format_case_key, generate_case_key
from sipadu.crypto.errors import WrongCaseKeyError
from sipadu.db import db_session
from sipadu.reporting import reporter_access

GUESSERS = 3


def _guess(app: Flask, key: str, outcomes: list[str]) -> None:
    with app.app_context():
        settings = current_settings()
        assert settings.keyring is not None
        db = db_session()
        try:
            reporter_access.open_case_with_key(
                db,
                key,
                params=settings.argon2,
                audit_key=settings.keyring.audit_hmac_key,
                client=None,
            )
            outcomes.append("opened")
        except WrongCaseKeyError:
            outcomes.append("wrong")
        except Exception as error:  # the test reports what escaped
            outcomes.append(type(error).__name__)
        finally:
            db.commit()


def test_simultaneous_first_failures_are_all_counted(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    barrier = threading.Barrier(GUESSERS, timeout=10)
    real: Callable[..., Any] = getattr(reporter_access, "dummy_case_key_check")  # noqa: B009

    def derive_together(*args: Any, **kwargs: Any) -> Any:
        # Every guesser has read "no throttle row" before any of them records its failure.
        barrier.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(reporter_access, "dummy_case_key_check", derive_together)
    code = generate_case_key().code
    outcomes: list[str] = []
    threads = [
        threading.Thread(
            target=_guess, args=(app, format_case_key(generate_case_key(code)), outcomes)
        )
        for _ in range(GUESSERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes == ["wrong"] * GUESSERS
    with app.app_context():
        row = db_session().scalar(select(CaseKeyThrottle).where(CaseKeyThrottle.code == code))
    assert row is not None and row.failures == GUESSERS
