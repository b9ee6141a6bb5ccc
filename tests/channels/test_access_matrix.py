"""The access matrix of the intake endpoints: every kind of caller x both endpoints.

Only a live service token files a report; only the account that filed it reads its status
(another account gets the same 404 as for a ref that does not exist). Staff sessions, case keys
and revoked tokens are all refused with 401. One app per database, every caller in a loop.
"""

from __future__ import annotations

from flask import Flask

from sipadu.channels.accounts import create_account, revoke_account
from sipadu.db import db_session
from tests.casework.conftest import bearer
from tests.channels.conftest import REPORT, Channels, file_report
from tests.support.factories import make_staff

POST, GET = "/api/v1/intake/reports", f"/api/v1/intake/reports/{REPORT['external_ref']}"
# caller -> (status of POST, status of GET on the jaki account's ref)
EXPECTED = {
    "anonymous": (401, 401),
    "admin": (401, 401),
    "supervisor": (401, 401),
    "investigator": (401, 401),
    "auditor": (401, 401),
    "case key": (401, 401),
    "revoked service token": (401, 401),
    "other service token": (201, 404),
    "own service token": (201, 200),
}


def _callers(app: Flask, channels: Channels, case_key: str) -> dict[str, dict[str, str]]:
    callers: dict[str, dict[str, str]] = {"anonymous": {}}
    with app.app_context():
        db = db_session()
        for role in ("admin", "supervisor", "investigator", "auditor"):
            callers[role] = bearer(db, make_staff(app, db, role))
        _, revoked = create_account(db, "dicabut", channels.audit_key())
        revoke_account(db, "dicabut", channels.audit_key())
        db.commit()
    callers["case key"] = {"Authorization": f"CaseKey {case_key}"}
    callers["revoked service token"] = {"Authorization": f"Bearer {revoked}"}
    callers["other service token"] = {"Authorization": f"Bearer {channels.lapor}"}
    callers["own service token"] = {"Authorization": f"Bearer {channels.jaki}"}
    return callers


def test_intake_access_matrix(channels: Channels) -> None:
    app = channels.app
    client = app.test_client()
    filed = file_report(client, channels.jaki, idempotency_key="idem-setup")
    assert filed.status_code == 201
    callers = _callers(app, channels, filed.get_json()["case_key"])
    assert set(callers) == set(EXPECTED)
    got = {}
    for n, (caller, headers) in enumerate(callers.items()):
        report = {**REPORT, "external_ref": f"MATRIX-{n}"}
        posted = client.post(POST, json=report, headers={**headers, "Idempotency-Key": f"m-{n:06}"})
        read = client.get(GET, headers=headers)
        got[caller] = (posted.status_code, read.status_code)
        for response in (posted, read):
            assert response.is_json and "Set-Cookie" not in response.headers
            if response.status_code == 401:
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert got == EXPECTED
