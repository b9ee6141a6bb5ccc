"""Conflicts of interest: declared by oneself, marked by a supervisor; the grant goes."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from sipadu.cases.service import grant_for, is_conflicted
from tests.casework.conftest import (
    Team,
    assign_directly,
    bearer,
    detail_of,
    events,
    press,
    web_client,
)
from tests.support import forms
from tests.support.csrf import csrf_token

W, A = "/petugas/kasus", "/api/v1/staff/cases"


def test_declaring_a_conflict_removes_the_grant_and_the_case(
    app: Flask, db: Session, team: Team
) -> None:
    assign_directly(db, team.created, team.investigator)
    code, case = team.created.case.code, team.created.case
    client = web_client(app, db, team.investigator)
    # The case page links to a confirmation page; opening it changes nothing yet.
    assert f'href="{W}/{code}/konflik"' in client.get(f"{W}/{code}").get_data(as_text=True)
    confirm = client.get(f"{W}/{code}/konflik")
    assert confirm.status_code == 200 and forms.find_form(confirm, f"{W}/{code}/konflik")
    assert grant_for(db, case, team.investigator.account.id) is not None
    assert events(db, "conflict:declared", code) == []
    response = forms.submit(client, confirm, f"{W}/{code}/konflik")
    assert response.status_code == 303 and response.headers["Location"].endswith(W)
    assert grant_for(db, case, team.investigator.account.id) is None
    assert is_conflicted(db, case, team.investigator.account.id)
    assert client.get(f"{W}/{code}").status_code == 403
    assert code not in client.get(W).get_data(as_text=True)
    declared = events(db, "conflict:declared", code)
    assert [e.actor for e in declared] == [f"staff:{team.investigator.account.id}"]


def test_supervisor_marks_a_conflict_and_the_person_cannot_be_assigned(
    app: Flask, db: Session, team: Team
) -> None:
    code, case = team.created.case.code, team.created.case
    boss = web_client(app, db, team.supervisor)
    name = team.investigator.account.username
    assignable = forms.find_form(boss.get(f"{W}/{code}"), f"{W}/{code}/penugasan")
    assert name in assignable.choices("username")
    # The conflict is marked by picking a person: active case staff, never oneself.
    candidates = forms.find_form(boss.get(f"{W}/{code}"), f"{W}/{code}/konflik/tandai")
    assert name in candidates.choices("username")
    assert team.supervisor.account.username not in candidates.choices("username")
    assert team.admin.account.username not in candidates.choices("username")
    marked = press(boss, code, "/konflik/tandai", fill={"username": name})
    assert marked.status_code == 303
    assert detail_of(events(db, "conflict:marked", code)[0]) == {
        "staff": team.investigator.account.id
    }
    # Neither menu offers them any more; a forged assignment is refused.
    page = boss.get(f"{W}/{code}")
    assert name not in forms.find_form(page, f"{W}/{code}/penugasan").choices("username")
    assert name not in forms.find_form(page, f"{W}/{code}/konflik/tandai").choices("username")
    refused = boss.post(
        f"{W}/{code}/penugasan",
        data={"csrf_token": csrf_token(boss, f"{W}/{code}"), "username": name},
        follow_redirects=True,
    )
    assert refused.status_code == 422
    assert "konflik kepentingan" in refused.get_data(as_text=True)
    api = app.test_client().post(
        f"{A}/{code}/assignments",
        headers=bearer(db, team.supervisor),
        json={"username": team.investigator.account.username},
    )
    assert api.status_code == 422
    assert (
        "conflict" in api.get_json()["error"]["message"].lower()
        or "konflik" in api.get_json()["error"]["message"].lower()
    )
    assert grant_for(db, case, team.investigator.account.id) is None
    assert events(db, "grant:created", code) == []


def test_supervisors_see_who_is_conflicted_and_who_said_so(
    app: Flask, db: Session, team: Team
) -> None:
    from tests.support.factories import make_staff

    code = team.created.case.code
    boss = web_client(app, db, team.supervisor)
    assert "Tidak ada yang ditandai" in _conflict_list(boss, code)
    colleague = make_staff(app, db, "investigator")
    db.commit()
    assign_directly(db, team.created, colleague)
    press(boss, code, "/konflik/tandai", fill={"username": team.investigator.account.username})
    # The colleague declares their own conflict, through the confirmation page.
    own = web_client(app, db, colleague)
    forms.submit(own, own.get(f"{W}/{code}/konflik"), f"{W}/{code}/konflik")
    listed = _conflict_list(boss, code)
    marked = (
        f"{team.investigator.account.username} — ditandai oleh {team.supervisor.account.username}"
    )
    assert marked in listed
    assert f"{colleague.account.username} — dinyatakan sendiri" in listed
    # An investigator on the case does not see who else is excluded.
    other = make_staff(app, db, "investigator")
    db.commit()
    assign_directly(db, team.created, other)
    page = web_client(app, db, other).get(f"{W}/{code}").get_data(as_text=True)
    assert 'id="conflicts"' not in page and team.investigator.account.username not in page


def _conflict_list(client: FlaskClient, code: str) -> str:
    page = client.get(f"{W}/{code}").get_data(as_text=True)
    return page.split('id="conflicts"')[1].split("</ul>")[0].split("</p>")[0]


def test_marking_an_assigned_investigator_removes_their_grant(
    app: Flask, db: Session, team: Team
) -> None:
    assign_directly(db, team.created, team.investigator)
    code = team.created.case.code
    boss = web_client(app, db, team.supervisor)
    press(boss, code, "/konflik/tandai", fill={"username": team.investigator.account.username})
    assert grant_for(db, team.created.case, team.investigator.account.id) is None
    listing = app.test_client().get(A, headers=bearer(db, team.investigator)).get_json()
    assert listing["cases"] == []


def test_assigning_unknown_or_non_investigator_is_refused(
    app: Flask, db: Session, team: Team
) -> None:
    code = team.created.case.code
    for username in ("nobody-here", team.admin.account.username, team.auditor.account.username):
        response = app.test_client().post(
            f"{A}/{code}/assignments",
            headers=bearer(db, team.supervisor),
            json={"username": username},
        )
        assert response.status_code == 422
    assert grant_for(db, team.created.case, team.admin.account.id) is None


def test_investigator_cannot_assign_even_on_their_own_case(
    app: Flask, db: Session, team: Team
) -> None:
    from tests.support.factories import make_staff

    assign_directly(db, team.created, team.investigator)
    colleague = make_staff(app, db, "investigator")
    db.commit()
    response = app.test_client().post(
        f"{A}/{team.created.case.code}/assignments",
        headers=bearer(db, team.investigator),
        json={"username": colleague.account.username},
    )
    assert response.status_code == 403
    assert grant_for(db, team.created.case, colleague.account.id) is None


def test_every_investigator_the_menu_offers_can_be_assigned(
    app: Flask, db: Session, team: Team
) -> None:
    """The assignment menu offers exactly the investigators the server accepts."""
    from tests.support.factories import make_staff

    others = [make_staff(app, db, "investigator") for _ in range(2)]
    db.commit()
    code = team.created.case.code
    boss = web_client(app, db, team.supervisor)
    press(boss, code, "/konflik/tandai", fill={"username": others[0].account.username})
    offered = forms.find_form(boss.get(f"{W}/{code}"), f"{W}/{code}/penugasan")
    assert others[0].account.username not in offered.choices("username")
    for name in offered.choices("username"):
        assert press(boss, code, "/penugasan", fill={"username": name}).status_code == 303
    assert {team.investigator.account.username, others[1].account.username} <= set(
        offered.choices("username")
    )


def test_marking_a_conflict_without_choosing_a_person_says_so(
    app: Flask, db: Session, team: Team
) -> None:
    code = team.created.case.code
    boss = web_client(app, db, team.supervisor)
    refused = press(boss, code, "/konflik/tandai", fill={"username": ""})
    page = boss.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Pilih orang yang memiliki konflik kepentingan." in page
    assert "Tidak ada verifikator" not in page
    assert events(db, "conflict:marked", code) == []
