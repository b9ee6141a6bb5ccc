"""The reporter rates the handling of a closed case once; supervisors read it on the case
page, investigators do not; the audit log and statistics get no comment."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from sipadu.audit.models import AuditEvent
from sipadu.cases.kinds import GrantReason
from sipadu.cases.models import Case, CaseRating
from sipadu.cases.service import grant_case
from sipadu.cases.statuses import Status
from sipadu.casework.access import Actor, open_case
from sipadu.days import wib_today
from sipadu.db import db_session
from sipadu.sessions.service import start_session
from tests.reporting.conftest import (
    Ready,
    case_key_of,
    forge_case_form,
    login,
    post_case_form,
    submit,
)
from tests.support.audit import seal_all
from tests.support.factories import StaffMember, make_staff

COMMENT = "Penanganan lambat tetapi tuntas, terima kasih."
ACTION = 'action="/kasus/saya/penilaian"'


def _reporter_with_case(ready: Ready) -> tuple[FlaskClient, str]:
    client = ready.app.test_client()
    key = case_key_of(submit(client))
    login(client, key)
    return client, key[:10]


def _close(ready: Ready, code: str) -> None:
    with ready.app.app_context():
        db = db_session()
        case = db.scalars(select(Case).where(Case.code == code)).one()
        case.status, case.closed_on = Status.SELESAI, wib_today()
        db.commit()


def _staff_page(ready: Ready, member: StaffMember, code: str) -> str:
    with ready.app.app_context():
        db = db_session()
        token = start_session(
            db, kind="staff", payload=member.private_key, staff_id=member.account.id, channel="web"
        )
        db.commit()
    client = ready.app.test_client()
    client.set_cookie("sipadu_staff", token)
    page = client.get(f"/petugas/kasus/{code}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_rating_once_after_closure(ready: Ready) -> None:
    client, code = _reporter_with_case(ready)
    assert ACTION not in client.get("/kasus/saya").get_data(as_text=True)
    early = forge_case_form(client, "/kasus/saya/penilaian", {"score": "5"})
    assert early.status_code == 409 and "setelah kasus ditutup" in early.get_data(as_text=True)
    _close(ready, code)
    assert ACTION in client.get("/kasus/saya").get_data(as_text=True)
    unchosen = post_case_form(client, "/kasus/saya/penilaian", {"comment": COMMENT})
    text = unchosen.get_data(as_text=True)
    assert unchosen.status_code == 422 and "Pilih nilai dari 1 sampai 5" in text
    # The banner at the top names it too, linked to the first score.
    assert '<a href="#f-score">Pilih nilai dari 1 sampai 5' in text and 'id="f-score"' in text
    assert COMMENT in text  # what was typed is kept
    rated = post_case_form(client, "/kasus/saya/penilaian", {"score": "4", "comment": COMMENT})
    assert rated.status_code == 303
    page = client.get("/kasus/saya").get_data(as_text=True)
    assert "Anda memberi nilai 4 dari 5" in page and COMMENT in page and ACTION not in page
    again = forge_case_form(client, "/kasus/saya/penilaian", {"score": "1"})
    assert again.status_code == 409
    with ready.app.app_context():
        db = db_session()
        assert db.scalars(select(CaseRating.score)).all() == [4]
        sealed = db.scalars(select(CaseRating.sealed)).one()
        assert COMMENT.encode() not in sealed
        seal_all(ready.app, db)
        events = db.scalars(select(AuditEvent)).all()
        assert "case:rated" in [event.tag for event in events]
        assert not any(COMMENT in str(vars(event)) for event in events)


def test_forged_scores_and_long_comments_are_refused(ready: Ready) -> None:
    client, code = _reporter_with_case(ready)
    _close(ready, code)
    for data in ({"score": "6"}, {"score": "0"}, {"score": "4.5"}, {"score": "x"}, {}):
        assert forge_case_form(client, "/kasus/saya/penilaian", data).status_code == 422, data
    long = forge_case_form(client, "/kasus/saya/penilaian", {"score": "3", "comment": "x" * 2001})
    assert long.status_code == 422
    with ready.app.app_context():
        assert db_session().scalars(select(CaseRating)).all() == []


def test_supervisor_reads_the_rating_investigator_does_not(ready: Ready) -> None:
    client, code = _reporter_with_case(ready)
    _close(ready, code)
    post_case_form(client, "/kasus/saya/penilaian", {"score": "2", "comment": COMMENT})
    supervisor_page = _staff_page(ready, ready.supervisor, code)
    assert "Penilaian pelapor atas penanganan" in supervisor_page
    assert "2 dari 5" in supervisor_page and COMMENT in supervisor_page
    with ready.app.app_context():
        db = db_session()
        investigator = make_staff(ready.app, db, "investigator")
        supervisor = Actor(ready.supervisor.account.id, "supervisor", ready.supervisor.private_key)
        opened = open_case(db, code, supervisor)
        grant_case(
            db,
            opened.case,
            opened.dek,
            investigator.account,
            reason=GrantReason.ASSIGNMENT,
            granted_by=None,
        )
        db.commit()
    assert COMMENT not in _staff_page(ready, investigator, code)


def test_a_changed_score_is_not_believed(ready: Ready) -> None:
    client, code = _reporter_with_case(ready)
    _close(ready, code)
    post_case_form(client, "/kasus/saya/penilaian", {"score": "1", "comment": COMMENT})
    with ready.app.app_context():
        db = db_session()
        db.scalars(select(CaseRating)).one().score = 5  # a database writer improves it
        db.commit()
    page = client.get("/kasus/saya").get_data(as_text=True)
    assert "Anda memberi nilai" not in page and "tidak dapat diverifikasi" in page.lower()
    assert "5 dari 5" not in _staff_page(ready, ready.supervisor, code)
