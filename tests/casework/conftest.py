"""Case work fixtures: staff signed in directly through the session service (the login page
belongs to another module), cases filed through the real crypto, attachments stored encrypted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from sipadu.audit.models import AuditEvent
from sipadu.cases.attachments import store_attachment
from sipadu.cases.kinds import GrantReason
from sipadu.cases.models import Case, CaseConflict
from sipadu.cases.service import CreatedCase, grant_case, revoke_grant
from sipadu.cases.statuses import Status
from sipadu.sessions.service import start_session
from sipadu.settings import Settings
from sipadu.uploads.multipart import EncryptedUpload
from tests.conftest import build_app, make_settings
from tests.support.factories import StaffMember, make_case, make_staff
from tests.support.forms import submit
from tests.support.instance import Database


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (own ``g``, own DB session), as in production.

    The ``db`` fixture keeps an app context open for the whole test; without this, requests
    would share its ``g`` (and the first request's signed-in principal). The test's own
    session is committed first: SQLite takes the write lock at BEGIN, so an open test
    transaction would block the request.
    """

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        outer = g.get("db_session") if has_app_context() else None
        if outer is not None:
            outer.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if outer is not None:
            outer.expire_all()
        return response


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    """A migrated app whose test clients give each request a fresh app context."""
    application = build_app(settings)
    application.test_client_class = FreshContextClient
    yield application
    application.extensions["sipadu.engine"].dispose()


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    """The matrix and workflow tests call the same endpoints many times a minute."""
    return make_settings(tmp_path, database, rate_limits_enabled=False)


def staff_token(db: Session, member: StaffMember, channel: str = "web") -> str:
    """A live staff session for ``member`` (what a login would create)."""
    token = start_session(
        db, kind="staff", payload=member.private_key, staff_id=member.account.id, channel=channel
    )
    db.commit()
    return token


def web_client(app: Flask, db: Session, member: StaffMember) -> FlaskClient:
    """A browser signed in as ``member``."""
    client = app.test_client()
    client.set_cookie("sipadu_staff", staff_token(db, member))
    return client


def bearer(db: Session, member: StaffMember) -> dict[str, str]:
    """API headers signed in as ``member``."""
    return {"Authorization": f"Bearer {staff_token(db, member, 'api')}"}


def press(
    client: FlaskClient,
    code: str,
    action: str,
    *,
    fill: dict[str, str] | None = None,
    button: str | tuple[str, str] | None = None,
    **kwargs: Any,
) -> TestResponse:
    """Submit the case page's form whose action ends in ``action`` ("" is the page itself,
    e.g. "/penugasan", "/keberatan"), or the form with that id ("status-verifikasi",
    "message-form"), as the rendered page makes a browser send it (``kwargs`` go to the
    client: ``follow_redirects=True`` shows a refused form as the case page shows it again)."""
    page = f"/petugas/kasus/{code}"
    chosen = action if action and not action.startswith("/") else page + action
    return submit(client, client.get(page), chosen, fill=fill, button=button, **kwargs)


def refused_page(client: FlaskClient, answer: TestResponse, code: str, form: str) -> TestResponse:
    """The case page a refused ``form`` leads back to, showing the refusal: the answer is a
    redirect to the case page at the form (nothing is shown at the form's own address, whose
    reload would send it again)."""
    assert answer.status_code == 303
    assert answer.location == f"/petugas/kasus/{code}#{form}"
    shown = client.get(answer.location)
    assert shown.status_code == 422
    return shown


def assign_directly(db: Session, created: CreatedCase, member: StaffMember) -> None:
    """Grant the case to an investigator as an assignment would."""
    grant_case(
        db,
        created.case,
        created.dek,
        member.account,
        reason=GrantReason.ASSIGNMENT,
        granted_by=None,
    )
    db.commit()


def second_supervisor(app: Flask, db: Session, created: CreatedCase) -> StaffMember:
    """Another supervisor holding the case, as approval gives a supervisor every case."""
    member = make_staff(app, db, "supervisor")
    grant_case(
        db,
        created.case,
        created.dek,
        member.account,
        reason=GrantReason.SUPERVISOR,
        granted_by=None,
    )
    db.commit()
    return member


def decide_forward(
    app: Flask,
    db: Session,
    created: CreatedCase,
    approver: StaffMember | None = None,
    decision: str = "approve",
    **kwargs: Any,
) -> TestResponse:
    """A second supervisor holding the case decides the waiting forwarding request through
    the case page's decision form (a new one unless ``approver`` is given)."""
    approver = approver or second_supervisor(app, db, created)
    client = web_client(app, db, approver)
    return press(
        client, created.case.code, "forward-decision", button=f"decision.{decision}", **kwargs
    )


def conflict_directly(db: Session, created: CreatedCase, member: StaffMember) -> None:
    """Mark ``member`` conflicted (grant removed), as the conflict actions do."""
    from datetime import UTC, datetime

    db.add(
        CaseConflict(
            case_id=created.case.id,
            staff_id=member.account.id,
            marked_by=None,
            created_at=datetime.now(UTC),
        )
    )
    revoke_grant(db, created.case, member.account.id)
    db.commit()


def add_attachment(
    app: Flask, db: Session, created: CreatedCase, data: bytes, filename: str = "bukti rapat ü.pdf"
) -> str:
    """Store an encrypted attachment the way an upload does; return the id staff see."""
    store = app.extensions["sipadu.blobs"]
    upload = EncryptedUpload(store.open_writer(), filename, "application/pdf", 10**8, None)
    upload.write(data)
    row = store_attachment(db, created.case, created.dek, upload, uploaded_by="reporter")
    db.commit()
    assert row.record_id is not None
    return row.record_id.hex()


def set_status(db: Session, created: CreatedCase, status: str, **dates: object) -> Case:
    """Put a case in a status directly (setting up a test, not exercising the workflow)."""
    case = created.case
    case.status = Status(status)
    for name, value in dates.items():
        setattr(case, name, value)
    db.commit()
    return case


def events(db: Session, tag: str, code: str | None = None) -> list[AuditEvent]:
    """Audit events with ``tag`` (for ``code``), oldest first."""
    stmt = select(AuditEvent).where(AuditEvent.tag == tag).order_by(AuditEvent.seq)
    if code is not None:
        stmt = stmt.where(AuditEvent.case_code == code)
    db.expire_all()
    return list(db.scalars(stmt))


def detail_of(event: AuditEvent) -> dict[str, object]:
    """An audit event's detail as a dict."""
    loaded: dict[str, object] = json.loads(event.detail)
    return loaded


@dataclass
class Team:
    """One of each role, and a case filed after the supervisor existed (so they hold it)."""

    supervisor: StaffMember
    investigator: StaffMember
    admin: StaffMember
    auditor: StaffMember
    created: CreatedCase


@pytest.fixture
def team(app: Flask, db: Session) -> Team:
    supervisor = make_staff(app, db, "supervisor")
    investigator = make_staff(app, db, "investigator")
    admin = make_staff(app, db, "admin")
    auditor = make_staff(app, db, "auditor")
    db.commit()
    return Team(supervisor, investigator, admin, auditor, make_case(app, db))


__all__ = ["make_case", "make_staff"]
