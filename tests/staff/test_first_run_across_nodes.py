"""The first-run link survives another server starting on the same database.

Every ``sipadu serve`` announces the first-run link while no account exists. It used to drop
every unused first-run token and issue a new one, so with two app servers the link the first
one printed died the moment the second started (or restarted).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import update

from sipadu.accounts.models import SetupToken
from sipadu.cli import _announce_first_run
from sipadu.db import db_session
from sipadu.unit_of_work import commit_now

BASE = "http://node.example"
LINK = re.compile(r"/staff/setup/(\S+)")


def _start_node(app: Flask, capsys: pytest.CaptureFixture[str]) -> str:
    """What a starting server prints about the first run."""
    with app.app_context():
        _announce_first_run(BASE)
    return capsys.readouterr().out


def test_a_second_node_keeps_the_link_the_first_printed(
    app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    first = LINK.search(_start_node(app, capsys))
    assert first is not None
    second = _start_node(app, capsys)
    assert LINK.search(second) is None  # no second link: the first one stays the live one
    assert "printed earlier" in second and "UTC" in second
    client = app.test_client()
    assert client.get(f"/staff/setup/{first.group(1)}").status_code == 200


def test_a_node_issues_a_new_link_once_the_old_one_expired(
    app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    first = LINK.search(_start_node(app, capsys))
    assert first is not None
    with app.app_context():
        db = db_session()
        past = datetime.now(UTC) - timedelta(minutes=1)
        db.execute(update(SetupToken).values(expires_at=past))
        commit_now(db)
    second = LINK.search(_start_node(app, capsys))
    assert second is not None and second.group(1) != first.group(1)
    client = app.test_client()
    assert client.get(f"/staff/setup/{second.group(1)}").status_code == 200
    assert client.get(f"/staff/setup/{first.group(1)}").status_code == 404
