"""Status webhooks: queued with the status change, signed, retried with backoff from the
database, in order per case, at least once across a crash, never with content.

End to end: a channel files through the intake API, the reporter follows up with the key,
a supervisor changes the status and the signed webhook reaches a receiver on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from sipadu.cases.models import Case
from sipadu.cases.statuses import Status
from sipadu.channels.accounts import revoke_account, set_webhook
from sipadu.channels.intake import note_status_change
from sipadu.channels.models import WebhookDelivery
from sipadu.channels.outbox import Poster, post_json, run_outbox
from sipadu.crypto.channel import SIGNATURE_HEADER, verify_webhook
from sipadu.days import wib_today
from sipadu.db import db_session
from tests.casework.conftest import press, web_client
from tests.channels.conftest import (
    REPORT,
    Channels,
    Receiver,
    change_status,
    count,
    file_report,
)
from tests.reporting.conftest import login
from tests.support.factories import make_staff


def _register(channels: Channels, url: str) -> bytes:
    with channels.app.app_context():
        key = channels.audit_key()
        secret = set_webhook(db_session(), "jaki", url, server_key=key, audit_key=key)
        db_session().commit()
    return secret


def _run(channels: Channels, now: datetime, post: Poster = post_json) -> dict[str, int]:
    with channels.app.app_context():
        key = channels.audit_key()
        report = run_outbox(db_session(), server_key=key, audit_key=key, now=now, post=post)
        return report.__dict__.copy()


def _queued(channels: Channels) -> list[tuple[int, int, str]]:
    with channels.app.app_context():
        rows = db_session().scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
        return [(r.id, r.attempts, r.status) for r in rows]


# The receiving institution's reference: the channel learns only the coarse "forwarded".
KPK_REFERENCE = "R-88/KPK/XII/2026"


def _file_and_forward(channels: Channels) -> str:
    with channels.app.app_context():
        # A second supervisor before the case is filed, so they receive it: forwarding needs
        # their approval (four eyes).
        approver = make_staff(channels.app, db_session())
        db_session().commit()
    client = channels.app.test_client()
    filed = file_report(client, channels.jaki).get_json()
    # The reporter follows up on the web with the key the channel handed over.
    reporter = channels.app.test_client()
    assert login(reporter, filed["case_key"]).status_code in (302, 303)
    page = reporter.get("/kasus/saya")
    assert page.status_code == 200 and filed["case_code"] in page.get_data(as_text=True)
    staff = channels.staff_headers()
    change_status(client, staff, filed["case_code"], status="verifikasi")
    change_status(
        client, staff, filed["case_code"], status="perlu_dilengkapi", reason="Mohon lengkapi."
    )
    change_status(client, staff, filed["case_code"], status="verifikasi")
    asked = client.post(
        f"/api/v1/staff/cases/{filed['case_code']}/status",
        headers=staff,
        json={
            "status": "diteruskan",
            "destination": "kpk",
            "reference": KPK_REFERENCE,
            "reason": "Kewenangan KPK.",
        },
    )
    assert asked.status_code == 202, asked.get_json()
    # Asked, not forwarded: the channel hears nothing until the second supervisor approves.
    assert [status for _, _, status in _queued(channels)] == ["in_progress"]
    with channels.app.app_context():
        approving = web_client(channels.app, db_session(), approver)
        db_session().commit()
    decided = press(approving, filed["case_code"], "forward-decision", button="decision.approve")
    assert decided.status_code == 303
    return str(filed["case_code"])


def test_webhooks_arrive_signed_in_order_after_failures(
    channels: Channels, receiver: Receiver
) -> None:
    secret = _register(channels, receiver.url)
    code = _file_and_forward(channels)
    # One row per change of the coarse status: in_progress (once), then forwarded.
    assert [status for _, _, status in _queued(channels)] == ["in_progress", "forwarded"]
    receiver.answers.extend([500, 503])
    t0 = datetime.now(UTC)
    assert _run(channels, t0) == {"delivered": 0, "retrying": 1, "waiting": 1, "abandoned": 0}
    assert _run(channels, t0 + timedelta(seconds=10))["waiting"] == 2  # backing off
    assert len(receiver.received) == 1
    assert _run(channels, t0 + timedelta(seconds=31))["retrying"] == 1
    assert _queued(channels)[0][1] == 2
    assert _run(channels, t0 + timedelta(seconds=60))["waiting"] == 2  # 60 s after the 2nd
    assert _run(channels, t0 + timedelta(seconds=92))["delivered"] == 2
    assert _queued(channels) == []
    bodies = [r.json() for r in receiver.received]
    assert [b["status"] for b in bodies] == [
        "in_progress",
        "in_progress",
        "in_progress",
        "forwarded",
    ]
    today = wib_today().isoformat()
    for got in receiver.received:
        assert set(got.json()) == {"event_id", "case_code", "status", "day"}
        assert got.json()["case_code"] == code and got.json()["day"] == today
        header = got.headers[SIGNATURE_HEADER]
        assert verify_webhook(secret, header, got.body, int(time.time()), 300)
        assert not verify_webhook(secret, header, got.body + b" ", int(time.time()), 300)
        assert not verify_webhook(b"x" * 32, header, got.body, int(time.time()), 300)
        assert REPORT["what"].encode() not in got.body
        assert REPORT["external_ref"].encode() not in got.body
        assert KPK_REFERENCE.encode() not in got.body


def test_a_crash_after_sending_sends_again(channels: Channels, receiver: Receiver) -> None:
    _register(channels, receiver.url)
    _file_and_forward(channels)

    def send_then_crash(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
        post_json(url, body, headers, timeout)
        raise KeyboardInterrupt  # the process dies before it records the delivery

    with pytest.raises(KeyboardInterrupt):
        _run(channels, datetime.now(UTC), send_then_crash)
    assert len(_queued(channels)) == 2
    assert _run(channels, datetime.now(UTC))["delivered"] == 2
    events = [r.json()["event_id"] for r in receiver.received]
    assert events[0] == events[1] and len(set(events)) == 2  # the same event, at least once


def test_unreachable_receiver_is_retried_then_abandoned(channels: Channels) -> None:
    _register(channels, "http://127.0.0.1:9/closed")  # the discard port: connection refused
    client = channels.app.test_client()
    staff = channels.staff_headers()
    codes = []
    for n in range(2):
        report = {**REPORT, "external_ref": f"REF-{n}"}
        codes.append(file_report(client, channels.jaki, report, f"idem-down-{n}").get_json())
        change_status(client, staff, codes[-1]["case_code"], status="verifikasi")
    moment = datetime.now(UTC)
    # A receiver that failed is not tried again in the same run: one attempt per run.
    expected = {"delivered": 0, "retrying": 1, "waiting": 1, "abandoned": 0}
    for _ in range(19):
        moment += timedelta(hours=7)
        assert _run(channels, moment) == expected
    last = _run(channels, moment + timedelta(hours=7))
    assert last == {"delivered": 0, "retrying": 0, "waiting": 1, "abandoned": 1}
    assert [attempts for _, attempts, _ in _queued(channels)] == [0]


def test_revoked_account_gets_nothing_and_reporter_changes_wait_for_the_day(
    channels: Channels, receiver: Receiver
) -> None:
    _register(channels, receiver.url)
    client = channels.app.test_client()
    code = file_report(client, channels.jaki).get_json()["case_code"]
    now = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    with channels.app.app_context():
        db = db_session()
        case = db.scalars(select(Case).where(Case.code == code)).one()
        case.status = Status.VERIFIKASI
        note_status_change(db, case, now, by_reporter=True)
        db.flush()
        row = db.scalars(select(WebhookDelivery)).one()
        # The next Jakarta midnight: 00:00 WIB on 8 December is 17:00 UTC on the 7th.
        assert row.next_attempt_at == datetime(2026, 12, 7, 17, tzinfo=UTC)
        db.commit()
    assert _run(channels, now + timedelta(hours=1))["waiting"] == 1
    with channels.app.app_context():
        revoke_account(db_session(), "jaki", channels.audit_key())
        db_session().commit()
        assert count(db_session(), WebhookDelivery) == 0
    assert _run(channels, now + timedelta(days=2)) == {
        "delivered": 0,
        "retrying": 0,
        "waiting": 0,
        "abandoned": 0,
    }
    assert receiver.received == []


def test_purging_a_case_removes_its_channel_rows(channels: Channels) -> None:
    from sipadu.channels.models import ChannelIntake
    from sipadu.ops.retention import purge_case

    _register(channels, "https://crm.test/hook")
    client = channels.app.test_client()
    code = file_report(client, channels.jaki).get_json()["case_code"]
    change_status(client, channels.staff_headers(), code, status="verifikasi")
    with channels.app.app_context():
        db = db_session()
        case = db.scalars(select(Case).where(Case.code == code)).one()
        purge_case(db, case, audit_key=channels.audit_key())
        assert count(db, ChannelIntake) == 0 and count(db, WebhookDelivery) == 0
    status = client.get(
        f"/api/v1/intake/reports/{REPORT['external_ref']}",
        headers={"Authorization": f"Bearer {channels.jaki}"},
    )
    assert status.status_code == 404
