"""`sipadu service-account …` and `sipadu outbox run`: the token and the webhook secret are
printed once and never stored readable; every change is audited without them."""

from __future__ import annotations

import json

from flask import Flask
from sqlalchemy import select

from sipadu.app_context import current_settings
from sipadu.audit.models import AuditEvent
from sipadu.channels.models import ServiceAccount
from sipadu.db import db_session, get_engine
from sipadu.notify.one_runner import only_runner
from tests.casework.conftest import bearer
from tests.channels.conftest import REPORT, Receiver, change_status, file_report
from tests.support.factories import make_staff


def _cli(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def test_service_account_commands(app: Flask) -> None:
    status, out = _cli(app, "service-account", "create", "--name", "jaki", "--json")
    assert status == 0, out
    created = json.loads(out)
    assert created["name"] == "jaki" and created["token"].startswith("sipadu_sa_")
    assert _cli(app, "service-account", "create", "--name", "jaki")[0] == 2
    assert _cli(app, "service-account", "create", "--name", "Bad Name!")[0] == 2
    status, out = _cli(app, "service-account", "list", "--json")
    assert status == 0 and json.loads(out)[0]["revoked_on"] is None
    assert created["token"] not in out
    assert (
        _cli(app, "service-account", "webhook", "--name", "jaki", "--url", "http://x.test/h")[0]
        == 2
    )  # plain http only to this machine
    status, out = _cli(
        app, "service-account", "webhook", "--name", "jaki", "--url", "https://crm.test/h", "--json"
    )
    assert status == 0 and len(json.loads(out)["secret"]) == 64
    assert _cli(app, "service-account", "revoke", "--name", "jaki")[0] == 0
    assert _cli(app, "service-account", "revoke", "--name", "jaki")[0] == 2
    assert _cli(app, "service-account", "revoke", "--name", "nobody")[0] == 2
    with app.app_context():
        db = db_session()
        account = db.scalars(select(ServiceAccount)).one()
        assert account.revoked_on is not None
        assert created["token"].split("_")[-1].encode() not in account.token_verifier
        tags = list(db.scalars(select(AuditEvent.tag).order_by(AuditEvent.seq)))
        details = " ".join(db.scalars(select(AuditEvent.detail)))
    assert tags[-3:] == [
        "service_account:created",
        "service_account:webhook_set",
        "service_account:revoked",
    ]
    assert created["token"] not in details


def test_outbox_run_delivers_and_runs_alone(app: Flask, receiver: Receiver) -> None:
    with app.app_context():
        headers = bearer(db_session(), make_staff(app, db_session()))
        db_session().commit()
    token = json.loads(_cli(app, "service-account", "create", "--name", "crm", "--json")[1])[
        "token"
    ]
    assert _cli(app, "service-account", "webhook", "--name", "crm", "--url", receiver.url)[0] == 0
    client = app.test_client()
    code = file_report(client, token, {**REPORT, "channel": "crm"}).get_json()["case_code"]
    change_status(client, headers, code, status="verifikasi")
    settings = current_settings(app)
    with app.app_context():
        run_dir = settings.instance_dir / "run"
        with only_runner(get_engine(), settings.database_schema, run_dir, "outbox-run") as alone:
            assert alone
            status, out = _cli(app, "outbox", "run")
            assert status == 0 and "Another" in out
    assert receiver.received == []
    status, out = _cli(app, "outbox", "run")
    assert status == 0 and "delivered: 1" in out, out
    assert receiver.received[0].json()["case_code"] == code
