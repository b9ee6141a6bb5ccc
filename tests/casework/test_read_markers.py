"""The "new" mark on the staff case page: what others wrote since this officer last opened
the case, cleared for that officer once the page has shown it, never for a colleague."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from sipadu.cases.content import add_message
from tests.casework.conftest import Team, assign_directly, web_client

NEW = ">Baru</strong>"


def _reporter_writes(db: Session, team: Team, text: str) -> None:
    created = team.created
    add_message(db, created.case, created.dek, text, author_kind="reporter")
    db.commit()


def test_a_reporter_message_is_new_until_the_officer_has_seen_it(
    app: Flask, db: Session, team: Team
) -> None:
    page = f"/petugas/kasus/{team.created.case.code}"
    supervisor = web_client(app, db, team.supervisor)
    _reporter_writes(db, team, "Ini bukti pertama.")
    assert supervisor.get(page).get_data(as_text=True).count(NEW) == 1
    assert NEW not in supervisor.get(page).get_data(as_text=True)
    _reporter_writes(db, team, "Ini bukti kedua.")
    html = supervisor.get(page).get_data(as_text=True)
    assert html.count(NEW) == 1
    assert html.index("bukti pertama") < html.index(NEW) < html.index("bukti kedua")


def test_one_officers_reading_does_not_clear_it_for_another(
    app: Flask, db: Session, team: Team
) -> None:
    page = f"/petugas/kasus/{team.created.case.code}"
    assign_directly(db, team.created, team.investigator)
    _reporter_writes(db, team, "Ini bukti pertama.")
    supervisor = web_client(app, db, team.supervisor)
    assert supervisor.get(page).get_data(as_text=True).count(NEW) == 1
    assert NEW not in supervisor.get(page).get_data(as_text=True)
    investigator = web_client(app, db, team.investigator)
    assert investigator.get(page).get_data(as_text=True).count(NEW) == 1


def test_an_officers_own_message_is_never_new_to_them_but_is_to_a_colleague(
    app: Flask, db: Session, team: Team
) -> None:
    page = f"/petugas/kasus/{team.created.case.code}"
    assign_directly(db, team.created, team.investigator)
    created = team.created
    add_message(
        db,
        created.case,
        created.dek,
        "Mohon kirim bukti.",
        author_kind="staff",
        staff_id=team.supervisor.account.id,
    )
    db.commit()
    assert NEW not in web_client(app, db, team.supervisor).get(page).get_data(as_text=True)
    html = web_client(app, db, team.investigator).get(page).get_data(as_text=True)
    assert html.count(NEW) == 1
