"""An objection waiting for an answer is on the officers' to-do lists, not only on the case
page: the supervisor's home counts it and links to the inbox filtered to it, the inbox row
is marked, and both clear once the supervisor has answered through the case page."""

from __future__ import annotations

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from sipadu.cases.content import add_timeline_entry
from sipadu.days import wib_today
from sipadu.web.i18n import LANG_COOKIE
from tests.casework.conftest import Team, assign_directly, press, set_status, web_client
from tests.support.factories import make_case

W = "/petugas/kasus"
MARK = "badge-objection"


def _objected(db: Session, team: Team) -> str:
    """The team's case closed, and the reporter's one objection to it recorded."""
    created = team.created
    set_status(db, created, "selesai", closed_on=wib_today(), outcome="terbukti")
    created.case.objection_used = True
    add_timeline_entry(db, created.case, created.dek, kind="objection", text="Saya keberatan.")
    db.commit()
    return created.case.code


def _home(client: FlaskClient) -> BeautifulSoup:
    return BeautifulSoup(client.get("/staff/").get_data(as_text=True), "html.parser")


def _count_link(home: BeautifulSoup) -> tuple[str, str]:
    link = home.find(id="count-objection")
    assert link is not None, "no objection count on the home page"
    return link.get_text(" ", strip=True), str(link["href"])


def test_the_supervisors_home_and_inbox_show_the_waiting_objection(
    app: Flask, db: Session, team: Team
) -> None:
    other = make_case(app, db)  # closed too, but nobody objected
    set_status(db, other, "selesai", closed_on=wib_today(), outcome="terbukti")
    code = _objected(db, team)
    supervisor = web_client(app, db, team.supervisor)
    words, link = _count_link(_home(supervisor))
    assert words == "1 keberatan menunggu jawaban Anda"
    listed = supervisor.get(link).get_data(as_text=True)
    assert code in listed and other.case.code not in listed
    assert listed.count(MARK) == 1 and "Keberatan menunggu jawaban" in listed
    # The unfiltered inbox marks the row of the objected case only.
    every = BeautifulSoup(supervisor.get(W).get_data(as_text=True), "html.parser")
    rows = every.select("tbody tr")
    marked = [a.get_text() for row in rows if row.select("." + MARK) for a in row.select("a")]
    assert marked == [code]
    supervisor.set_cookie(LANG_COOKIE, "en")
    assert _count_link(_home(supervisor))[0] == "1 objection waiting for your answer"
    assert "Objection waiting for your answer" in supervisor.get(link).get_data(as_text=True)
    other.case.objection_used = True
    add_timeline_entry(db, other.case, other.dek, kind="objection", text="Saya keberatan.")
    db.commit()
    assert _count_link(_home(supervisor))[0] == "2 objections waiting for your answer"


def test_the_answer_clears_the_count_and_the_mark(app: Flask, db: Session, team: Team) -> None:
    code = _objected(db, team)
    supervisor = web_client(app, db, team.supervisor)
    answered = press(supervisor, code, "/keberatan", fill={"answer": "Keputusan tetap."})
    assert answered.status_code == 303
    assert _count_link(_home(supervisor))[0].startswith("0 ")
    assert MARK not in supervisor.get(W).get_data(as_text=True)
    assert code not in supervisor.get(f"{W}?objection=1").get_data(as_text=True)


def test_an_investigator_who_cannot_answer_gets_no_count_but_sees_the_mark(
    app: Flask, db: Session, team: Team
) -> None:
    assign_directly(db, team.created, team.investigator)
    _objected(db, team)
    investigator = web_client(app, db, team.investigator)
    home = _home(investigator)
    assert home.find(id="count-overdue") is not None and home.find(id="count-objection") is None
    inbox = BeautifulSoup(investigator.get(W).get_data(as_text=True), "html.parser")
    marks = inbox.select("." + MARK)
    assert [m.get_text() for m in marks] == ["Keberatan menunggu jawaban verifikator"]
    investigator.set_cookie(LANG_COOKIE, "en")
    inbox = BeautifulSoup(investigator.get(W).get_data(as_text=True), "html.parser")
    marks = inbox.select("." + MARK)
    assert [m.get_text() for m in marks] == ["Objection waiting for the supervisor's answer"]
