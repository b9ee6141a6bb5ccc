"""The reporter pages promise "signed out after 15 minutes without activity": with coarse
session clocks the session must still end at most 15 minutes after the last request (and not
much earlier), on the web and for a message typed before and sent after the limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from sipadu.cases.models import CaseMessage
from sipadu.db import db_session
from sipadu.sessions import service as sessions
from tests.reporting.conftest import Ready, case_key_of, login, post_case_form, submit
from tests.support import forms

# Just after a 5-minute boundary: the case where rounding the idle clock up added the most.
ACTIVE = datetime(2026, 12, 7, 10, 5, 1, tzinfo=UTC)


class Clock:
    """The time the session service sees."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self, now: datetime | None) -> datetime:
        return now or self.moment


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    pinned = Clock(ACTIVE)
    monkeypatch.setattr(sessions, "_now", pinned.now)
    return pinned


def test_the_case_page_signs_out_within_15_idle_minutes(ready: Ready, clock: Clock) -> None:
    client = ready.app.test_client()
    key = case_key_of(submit(client))
    assert login(client, key).status_code in (200, 303)
    clock.moment = ACTIVE + timedelta(minutes=9)
    assert client.get("/kasus/saya").status_code == 200  # 9 idle minutes: still signed in
    active = clock.moment
    clock.moment = active + timedelta(minutes=15, seconds=1)
    assert client.get("/kasus/saya").status_code == 303


def test_a_message_sent_after_15_idle_minutes_is_refused(ready: Ready, clock: Clock) -> None:
    client = ready.app.test_client()
    login(client, case_key_of(submit(client)))
    page = client.get("/kasus/saya")  # the reporter starts typing
    with ready.app.app_context():
        before = len(db_session().scalars(select(CaseMessage)).all())
    clock.moment = ACTIVE + timedelta(minutes=15, seconds=1)
    sent = forms.submit(client, page, "/kasus/saya/pesan", fill={"body": "Tanggal 3 Maret."})
    assert sent.status_code in (302, 303, 401, 403)
    with ready.app.app_context():
        assert len(db_session().scalars(select(CaseMessage)).all()) == before


def test_an_active_reporter_stays_signed_in(ready: Ready, clock: Clock) -> None:
    client = ready.app.test_client()
    login(client, case_key_of(submit(client)))
    for _ in range(6):  # a request every 9 minutes keeps the session for almost an hour
        clock.moment += timedelta(minutes=9)
        assert client.get("/kasus/saya").status_code == 200
    assert post_case_form(client, "/kasus/saya/pesan", {"body": "Masih di sini."}).status_code in (
        200,
        303,
    )
