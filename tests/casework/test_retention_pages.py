"""Supervisors see what is due for purge and keep a case longer with a sealed reason."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.audit.models import AuditEvent
from sipadu.cases.models import Case
from sipadu.days import wib_today
from tests.casework.conftest import press, set_status, staff_token
from tests.support.csrf import csrf_token
from tests.support.factories import make_case, make_staff

W = "/petugas/kasus"


def test_due_list_and_extension(app: Flask, db: Session) -> None:
    supervisor = make_staff(app, db, "supervisor")
    other = make_staff(app, db, "supervisor")
    soon, later = make_case(app, db), make_case(app, db)
    today = wib_today()
    set_status(
        db,
        soon,
        "diarsipkan",
        archived_on=today - timedelta(days=360),
        retention_until=today + timedelta(days=5),
    )
    set_status(
        db, later, "diarsipkan", archived_on=today, retention_until=today + timedelta(days=365)
    )
    client = app.test_client()
    client.set_cookie("sipadu_staff", staff_token(db, supervisor))
    page = client.get(f"{W}/retensi").text
    assert soon.case.code in page and later.case.code not in page

    reason = "ALASAN-RAHASIA: masih diperlukan untuk proses hukum."
    # What a browser without a date picker lets the user type into the date field.
    refused = press(
        client,
        soon.case.code,
        "/retensi",
        fill={"until": "kemarin", "reason": reason},
        follow_redirects=True,
    )
    assert refused.status_code == 422
    done = press(
        client,
        soon.case.code,
        "/retensi",
        fill={"until": (today + timedelta(days=400)).isoformat(), "reason": reason},
    )
    assert done.status_code == 303
    db.expire_all()
    case = db.get(Case, soon.case.id)
    assert case is not None and case.retention_until == today + timedelta(days=400)
    assert case.retention_reason_sealed and reason.encode() not in case.retention_reason_sealed
    assert (
        db.scalars(select(AuditEvent.tag).where(AuditEvent.case_code == soon.case.code))
        .all()
        .count("case:retention_extended")
        == 1
    )
    assert soon.case.code not in client.get(f"{W}/retensi").text

    # A supervisor without a grant on the case sees nothing of it and cannot extend it.
    from sipadu.cases.service import revoke_grant

    revoke_grant(db, later.case, other.account.id)
    db.commit()
    stranger = app.test_client()
    stranger.set_cookie("sipadu_staff", staff_token(db, other))
    assert stranger.get(f"{W}/{later.case.code}").status_code == 403
    token = csrf_token(stranger, f"{W}/retensi")  # a forged form: the page is refused
    assert (
        stranger.post(
            f"{W}/{later.case.code}/retensi",
            data={"csrf_token": token, "until": "2099-01-01", "reason": "x"},
        ).status_code
        == 403
    )
