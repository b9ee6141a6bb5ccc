"""An archived case is kept only to be read and exported: staff can no longer change it.

Each change is posted from the case page as it was rendered before the archive (a stale tab),
and refused with 409 and a clear notice; the archived case's page no longer offers the forms."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sipadu.cases.models import Attachment, CaseGrant, CaseMessage
from sipadu.confidential.models import CaseRedaction
from tests.casework.conftest import Team, assign_directly, set_status, web_client
from tests.media.samples import jpeg_with_metadata
from tests.support.forms import submit

W = "/petugas/kasus"
NOTICE = "Kasus ini sudah diarsipkan"


def _count(db: Session, model: type) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_staff_changes_to_an_archived_case_are_refused(app: Flask, db: Session, team: Team) -> None:
    code = team.created.case.code
    page = f"{W}/{code}"
    boss = web_client(app, db, team.supervisor)
    stale = boss.get(page)  # rendered while the case was still open
    assert 'id="message-form"' in stale.get_data(as_text=True)
    set_status(db, team.created, "diarsipkan")
    messages, files, grants = _count(db, CaseMessage), _count(db, Attachment), _count(db, CaseGrant)

    # Each refusal sends the browser back to the case page, which says why.
    follow: dict[str, Any] = {"follow_redirects": True}
    posts = [
        submit(boss, stale, "message-form", fill={"body": "Masih ada?"}, **follow),
        submit(boss, stale, "note-form", fill={"body": "Catatan"}, **follow),
        submit(
            boss,
            stale,
            page + "/lampiran",
            files={"attachments": (jpeg_with_metadata(), "a.jpg")},
            **follow,
        ),
        submit(
            boss,
            stale,
            page + "/penugasan",
            fill={"username": team.investigator.account.username},
            **follow,
        ),
        submit(boss, stale, page + "/unit", fill={"unit": "inspektur"}, tick=["move"], **follow),
    ]
    for answer in posts:
        assert answer.status_code == 409
        assert NOTICE in answer.get_data(as_text=True)
    assert (_count(db, CaseMessage), _count(db, Attachment), _count(db, CaseGrant)) == (
        messages,
        files,
        grants,
    )

    html = boss.get(page).get_data(as_text=True)
    assert NOTICE in html
    for gone in ('id="message-form"', 'id="note-form"', '/lampiran"', '/penugasan"', '/unit"'):
        assert gone not in html, gone


def test_an_archived_case_keeps_its_assignees(app: Flask, db: Session, team: Team) -> None:
    code = team.created.case.code
    assign_directly(db, team.created, team.investigator)
    boss = web_client(app, db, team.supervisor)
    name = team.investigator.account.username
    confirm = boss.get(f"{W}/{code}/penugasan/{name}/hapus")
    set_status(db, team.created, "diarsipkan")
    answer = submit(boss, confirm, f"{W}/{code}/penugasan/{name}/hapus", follow_redirects=True)
    assert answer.status_code == 409 and NOTICE in answer.get_data(as_text=True)
    assert f"/penugasan/{name}/hapus" not in boss.get(f"{W}/{code}").get_data(as_text=True)
    assert web_client(app, db, team.investigator).get(f"{W}/{code}").status_code == 200


def test_redaction_marks_of_an_archived_case_cannot_change(
    app: Flask, db: Session, team: Team
) -> None:
    page = f"{W}/{team.created.case.code}/redaksi"
    boss = web_client(app, db, team.supervisor)
    stale = boss.get(page)
    assert 'id="redaction-form"' in stale.get_data(as_text=True)
    set_status(db, team.created, "diarsipkan")
    answer = submit(boss, stale, "redaction-form", button="action.save")
    assert answer.status_code == 409 and NOTICE in answer.get_data(as_text=True)
    assert _count(db, CaseRedaction) == 0
    html = boss.get(page).get_data(as_text=True)
    assert NOTICE in html and 'id="redaction-form"' not in html
