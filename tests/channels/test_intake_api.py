"""The intake API: a channel files a report, retries safely, reads the coarse status; hostile
calls are refused and leave nothing behind; nothing readable of the ticket or key is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from sipadu.cases.models import Case
from sipadu.channels.accounts import create_account
from sipadu.channels.intake import purge_expired_keys
from sipadu.channels.models import ChannelIntake
from sipadu.crypto.channel import ReplayBoxError, open_case_key, parse_token, replay_key
from sipadu.days import wib_today
from sipadu.db import db_session
from sipadu.reporting.intake_api import service_token_key
from tests.channels.conftest import (
    REPORT,
    Channels,
    change_status,
    count,
    file_report,
    service_headers,
)
from tests.support.argon2probe import installed_probe


def _case_count(channels: Channels) -> int:
    with channels.app.app_context():
        return count(db_session(), Case)


def test_filed_case_opens_with_the_key_and_keeps_nothing_readable(channels: Channels) -> None:
    client = channels.app.test_client()
    filed = file_report(client, channels.jaki, {**REPORT, "amount": 15000000})
    assert filed.status_code == 201, filed.get_json()
    body = filed.get_json()
    assert set(body) == {"case_code", "case_key"} and "Set-Cookie" not in filed.headers
    case = client.get("/api/v1/case", headers={"Authorization": f"CaseKey {body['case_key']}"})
    assert case.status_code == 200 and case.get_json()["case_code"] == body["case_code"]
    with channels.app.app_context():
        row = db_session().scalars(select(ChannelIntake)).one()
        stored = repr([getattr(row, c.name) for c in ChannelIntake.__table__.columns]).encode()
    for secret in (REPORT["external_ref"], "idem-0001", body["case_key"], channels.jaki):
        assert secret.encode() not in stored
    assert row.key_sealed is not None and body["case_key"].encode() not in row.key_sealed
    # Only the holder of the token and the Idempotency-Key opens the sealed key.
    parsed, other = parse_token(channels.jaki), parse_token(channels.lapor)
    assert parsed is not None and other is not None
    assert (
        open_case_key(replay_key(parsed[1], "idem-0001"), row.key_sealed, row.idem_hash)
        == (body["case_key"])
    )
    for wrong in (replay_key(other[1], "idem-0001"), replay_key(parsed[1], "idem-0002")):
        with pytest.raises(ReplayBoxError):
            open_case_key(wrong, row.key_sealed, row.idem_hash)


def test_a_retry_never_files_twice(channels: Channels) -> None:
    client = channels.app.test_client()
    first = file_report(client, channels.jaki).get_json()
    again = file_report(client, channels.jaki)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first
    # Key order and spacing are not a different body.
    reordered = dict(reversed(list(REPORT.items())))
    assert file_report(client, channels.jaki, reordered).get_json() == first
    other_body = file_report(client, channels.jaki, {**REPORT, "what": "Laporan lain."})
    assert other_body.status_code == 422
    assert other_body.get_json()["error"]["code"] == "idempotency_key_reused"
    same_ref = file_report(client, channels.jaki, idempotency_key="idem-0002")
    assert same_ref.status_code == 409
    assert same_ref.get_json()["error"]["code"] == "external_ref_taken"
    assert _case_count(channels) == 1
    # Another channel's token replaying the same key and body gets its own case, never the
    # first one's key.
    foreign = file_report(client, channels.lapor)
    assert foreign.status_code == 201 and "Idempotent-Replayed" not in foreign.headers
    assert foreign.get_json()["case_code"] != first["case_code"]
    assert foreign.get_json()["case_key"] != first["case_key"]
    assert _case_count(channels) == 2
    # After 24 hours the sealed key is gone; the retry still files nothing new.
    with channels.app.app_context():
        assert purge_expired_keys(db_session(), datetime.now(UTC) + timedelta(hours=26)) == 2
        db_session().commit()
    late = file_report(client, channels.jaki)
    assert late.status_code == 201
    assert late.get_json() == {"case_code": first["case_code"], "case_key": None}
    assert _case_count(channels) == 2


def _big() -> str:
    return "x" * (600 * 1024)


HOSTILE: list[tuple[str, dict[str, str] | None, Any, int, str | None]] = [
    ("no token", {}, REPORT, 401, None),
    ("case key instead", {"Authorization": "CaseKey SPD-AAAAAA"}, REPORT, 401, None),
    ("malformed token", {"Authorization": "Bearer sipadu_sa_zz"}, REPORT, 401, None),
    (
        "unknown token",
        {"Authorization": "Bearer sipadu_sa_0123456789abcdef_" + "A" * 43},
        REPORT,
        401,
        None,
    ),
    ("no idempotency key", None, REPORT, 400, "idempotency_key"),
    ("channel a number", {}, {**REPORT, "channel": 5}, 422, "invalid"),
    ("channel unknown", {}, {**REPORT, "channel": "twitter"}, 422, "invalid"),
    ("channel a list", {}, {**REPORT, "channel": ["jaki"]}, 422, "invalid"),
    ("ref a list", {}, {**REPORT, "external_ref": ["x"]}, 422, "invalid"),
    ("ref with spaces", {}, {**REPORT, "external_ref": "a b"}, 422, "invalid"),
    ("ref missing", {}, {k: v for k, v in REPORT.items() if k != "external_ref"}, 422, None),
    ("what a number", {}, {**REPORT, "what": 123}, 422, "invalid"),
    ("amount a boolean", {}, {**REPORT, "amount": True}, 422, "invalid"),
    ("amount negative", {}, {**REPORT, "amount": -5}, 422, "invalid"),
    ("amount fractions of a cent", {}, {**REPORT, "amount": 1.001}, 422, "invalid"),
    ("amount beyond precision", {}, {**REPORT, "amount": 10**40}, 422, "invalid"),
    ("amount a huge float", {}, {**REPORT, "amount": 1e300}, 422, "invalid"),
    ("amount words", {}, {**REPORT, "amount": "banyak"}, 422, "invalid"),
    ("identity text", {}, {**REPORT, "identity": "saya"}, 422, "invalid"),
    ("unknown field", {}, {**REPORT, "reporter_phone": "0812"}, 422, "unknown_fields"),
    ("huge body", {}, {**REPORT, "what": _big()}, 413, "too_large"),
    ("array", {}, [REPORT], 400, None),
]


def test_hostile_calls_are_refused_and_file_nothing(channels: Channels) -> None:
    """One app per database, every hostile call in turn (each names itself on failure)."""
    client = channels.app.test_client()
    for name, extra, body, status, code in HOSTILE:
        headers = service_headers(channels.jaki, None if extra is None else "idem-0001")
        headers.update(extra or {})
        if name == "no token":
            del headers["Authorization"]
        response = client.post("/api/v1/intake/reports", json=body, headers=headers)
        assert response.status_code == status, (name, response.get_json())
        error = response.get_json()["error"]
        assert error["message"] and (code is None or error["code"] == code), name
        if status == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer"), name
    assert _case_count(channels) == 0


def test_not_json_and_wrong_type_are_refused(channels: Channels) -> None:
    client = channels.app.test_client()
    headers = service_headers(channels.jaki)
    broken = client.post(
        "/api/v1/intake/reports",
        data=b'{"category": "pungli",',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert broken.status_code == 400
    text = client.post(
        "/api/v1/intake/reports", data=b"hello", headers={**headers, "Content-Type": "text/plain"}
    )
    assert text.status_code == 415
    assert _case_count(channels) == 0


def test_amount_as_number_or_text(channels: Channels) -> None:
    client = channels.app.test_client()
    for n, amount in enumerate((15000000, 1500.5, "15.000.000")):
        report = {**REPORT, "external_ref": f"REF-{n}", "amount": amount}
        response = file_report(client, channels.jaki, report, f"idem-amount-{n}")
        assert response.status_code == 201, (amount, response.get_json())


def test_revoked_token_is_refused(channels: Channels) -> None:
    from sipadu.channels.accounts import revoke_account

    client = channels.app.test_client()
    code = file_report(client, channels.jaki).get_json()["case_code"]
    with channels.app.app_context():
        revoke_account(db_session(), "jaki", channels.audit_key())
        db_session().commit()
    again = file_report(client, channels.jaki, idempotency_key="idem-0009")
    assert again.status_code == 401
    assert "dicabut" in again.get_json()["error"]["message"]  # Indonesian by default
    status = client.get(
        f"/api/v1/intake/reports/{REPORT['external_ref']}", headers=service_headers(channels.jaki)
    )
    assert status.status_code == 401 and code not in status.get_data(as_text=True)
    # The key id of a live account with a wrong secret is refused the same way.
    parsed = parse_token(channels.lapor)
    assert parsed is not None
    forged = f"sipadu_sa_{parsed[0]}_{'A' * 43}"
    assert file_report(client, forged, idempotency_key="idem-0010").status_code == 401
    with channels.app.app_context():
        from sipadu.audit.models import AuditEvent

        refused = db_session().execute(
            select(AuditEvent.actor, AuditEvent.outcome, AuditEvent.detail).where(
                AuditEvent.tag == "intake:refused"
            )
        )
        assert [tuple(r) for r in refused] == [
            ("service:1", "denied", '{"reason":"revoked"}'),
            ("service:1", "denied", '{"reason":"revoked"}'),
            ("service:2", "denied", '{"reason":"wrong_secret"}'),
        ]


def test_status_is_coarse_and_only_for_the_filing_account(channels: Channels) -> None:
    client = channels.app.test_client()
    code = file_report(client, channels.jaki).get_json()["case_code"]
    path = f"/api/v1/intake/reports/{REPORT['external_ref']}"
    status = client.get(path, headers=service_headers(channels.jaki))
    assert status.status_code == 200
    today = wib_today().isoformat()
    assert status.get_json() == {
        "case_code": code,
        "external_ref": REPORT["external_ref"],
        "status": "received",
        "day": today,
    }
    assert client.get(path, headers=service_headers(channels.lapor)).status_code == 404
    unknown = client.get("/api/v1/intake/reports/NOPE-1", headers=service_headers(channels.jaki))
    assert unknown.status_code == 404
    bad = client.get("/api/v1/intake/reports/a%20b", headers=service_headers(channels.jaki))
    assert bad.status_code == 404
    staff = channels.staff_headers()
    change_status(client, staff, code, status="verifikasi")
    assert client.get(path, headers=service_headers(channels.jaki)).get_json()["status"] == (
        "in_progress"
    )
    change_status(client, staff, code, status="perlu_dilengkapi", reason="Mohon lengkapi.")
    assert client.get(path, headers=service_headers(channels.jaki)).get_json()["status"] == (
        "in_progress"
    )


def test_each_token_has_its_own_rate_limit_counter(sqlite_app: Flask) -> None:
    def key(authorization: str) -> str:
        with sqlite_app.test_request_context(headers={"Authorization": authorization}):
            return service_token_key()

    first, second = "Bearer sipadu_sa_" + "1" * 16, "Bearer sipadu_sa_" + "2" * 16
    assert key(first) == key(first) != key(second)
    assert "sipadu_sa" not in key(first) and key(first).startswith("sa-")


def test_simultaneous_retries_file_one_case(
    channels: Channels, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two copies of a request that both passed the check before either was stored: the
    second loses on the unique index, its case is rolled back and it answers as a retry."""
    from sipadu.channels import intake
    from sipadu.reporting import intake as intake_service

    client = channels.app.test_client()
    first = file_report(client, channels.jaki).get_json()
    calls: list[int] = []

    def blind_first_check(db: Any, request: Any, now: Any = None) -> Any:
        calls.append(1)
        return None if len(calls) == 1 else intake.find_replay(db, request, now)

    monkeypatch.setattr(intake_service, "find_replay", blind_first_check)
    again = file_report(client, channels.jaki)
    assert again.status_code == 201 and again.get_json() == first
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _case_count(channels) == 1


def test_argon2_runs_outside_any_transaction(
    channels: Channels, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = next(installed_probe(monkeypatch))
    assert file_report(channels.app.test_client(), channels.jaki).status_code == 201
    probe.assert_outside()


def test_nobody_to_read_it_is_503_and_stores_nothing(app: Flask) -> None:
    with app.app_context():
        keyring = app.extensions["sipadu.settings"].keyring
        _, token = create_account(db_session(), "jaki", keyring.audit_hmac_key)
        db_session().commit()
    client = app.test_client()
    refused = file_report(client, token)
    assert refused.status_code == 503 and refused.get_json()["error"]["code"] == "not_ready"
    assert file_report(client, "not-a-token").status_code == 401  # the token is checked first
    with app.app_context():
        assert count(db_session(), Case) == 0 and count(db_session(), ChannelIntake) == 0


def test_calls_are_audited_as_the_account_filing_on_the_day_only(channels: Channels) -> None:
    from sipadu.audit.models import AuditEvent
    from sipadu.audit.service import verify_chain
    from tests.support.audit import seal_all

    client = channels.app.test_client()
    code = file_report(client, channels.jaki).get_json()["case_code"]
    file_report(client, channels.jaki)
    client.get(
        f"/api/v1/intake/reports/{REPORT['external_ref']}",
        headers=service_headers(channels.jaki),
    )

    def events() -> list[tuple[str, str]]:
        rows = db_session().execute(select(AuditEvent.tag, AuditEvent.actor)).all()
        return [(tag, actor) for tag, actor in rows if tag.startswith("intake:")]

    with channels.app.app_context():
        db = db_session()
        # Filing and retrying place the reporter's moment: they wait in the day queue.
        assert events() == [("intake:status_read", "service:1")]
        seal_all(channels.app, db)
        assert sorted(events()) == [
            ("intake:filed", "service:1"),
            ("intake:replayed", "service:1"),
            ("intake:status_read", "service:1"),
        ]
        text = repr(db.execute(select(AuditEvent)).all()) + repr(
            list(db.scalars(select(AuditEvent.detail)))
        )
        assert REPORT["external_ref"] not in text and "idem-0001" not in text
        assert verify_chain(db, channels.audit_key()).ok
        assert code in list(db.scalars(select(AuditEvent.case_code)))


def test_the_api_document_describes_the_intake_operations(sqlite_app: Flask) -> None:
    document = sqlite_app.test_client().get("/api/v1/openapi.json").get_json()
    post = document["paths"]["/intake/reports"]["post"]
    get = document["paths"]["/intake/reports/{external_ref}"]["get"]
    for operation in (post, get):
        assert operation["security"] == [{"ServiceToken": []}]
        assert "401" in operation["responses"]
    assert post["parameters"][0]["name"] == "Idempotency-Key"
    schemas = document["components"]["schemas"]
    assert schemas["IntakeReport"]["properties"]["channel"]["enum"] == [
        "jaki",
        "lapor",
        "crm",
        "email",
        "other",
    ]
    assert schemas["IntakeStatus"]["properties"]["status"]["enum"] == [
        "received",
        "in_progress",
        "forwarded",
        "closed",
    ]
    assert document["components"]["securitySchemes"]["ServiceToken"]["scheme"] == "bearer"
