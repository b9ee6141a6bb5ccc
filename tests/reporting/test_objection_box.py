"""The reporter's objection box says what the objection is against: the decision to forward
the case while it waits at another institution, the closing once it is closed; and the
closed case's page names each of its sections once."""

from __future__ import annotations

from collections import Counter
from datetime import date

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from sipadu.cases.models import Case
from sipadu.cases.service import case_by_code
from sipadu.cases.statuses import Status
from sipadu.db import db_session
from tests.reporting.conftest import Ready, case_key_of, login, submit
from tests.support.forms import build, send


def _filed(ready: Ready) -> tuple[FlaskClient, str]:
    client = ready.app.test_client()
    key = case_key_of(submit(client, None))
    assert login(client, key).status_code == 303
    return client, key


def _put(app: Flask, key: str, status: Status, **values: object) -> None:
    with app.app_context():
        case: Case | None = case_by_code(db_session(), key[:10])
        assert case is not None
        case.status = status
        for name, value in values.items():
            setattr(case, name, value)
        db_session().commit()


def _page(client: FlaskClient) -> BeautifulSoup:
    page = client.get("/kasus/saya")
    assert page.status_code == 200
    return BeautifulSoup(page.get_data(as_text=True), "html.parser")


def _text_of(page: BeautifulSoup, element_id: str) -> str:
    found = page.find(id=element_id)
    assert found is not None, element_id
    return found.get_text(" ", strip=True)


def _headings(page: BeautifulSoup) -> Counter[str]:
    return Counter(h.get_text(" ", strip=True) for h in page.find_all(["h1", "h2", "h3"]))


def test_a_forwarded_case_is_not_called_closed_in_the_objection_box(ready: Ready) -> None:
    client, key = _filed(ready)
    _put(ready.app, key, Status.DITERUSKAN, forwarded_to="kpk")
    text = _text_of(_page(client), "objection-scope")
    assert "menutup kasus Anda" not in text  # it is not closed: it waits for the institution
    assert "belum ditutup" in text and "diteruskan" in text and "satu kali" in text


def test_a_closed_case_names_each_section_once(ready: Ready) -> None:
    client, key = _filed(ready)
    _put(ready.app, key, Status.SELESAI, closed_on=date.today(), outcome="terbukti")
    stale = client.get("/kasus/saya")  # a second tab, opened before the objection is sent
    page = _page(client)
    assert _headings(page)["Ajukan keberatan atas keputusan"] == 1
    assert "menutup kasus Anda" in _text_of(page, "objection-scope")
    first = send(client, build(stale, "/kasus/saya/keberatan", fill={"objection": "Satu."}))
    assert first.status_code == 303
    # The stale tab sends the objection again: refused, and said once, in the one section.
    again = send(client, build(stale, "/kasus/saya/keberatan", fill={"objection": "Dua."}))
    assert again.status_code == 409
    shown = BeautifulSoup(again.get_data(as_text=True), "html.parser")
    headings = _headings(shown)
    assert headings["Ajukan keberatan atas keputusan"] == 0 and headings["Keberatan Anda"] == 1
    assert len(shown.find_all(id="objection-heading")) == 1
    heading = shown.find(id="objection-heading")
    section = heading.find_parent("section") if heading is not None else None
    assert section is not None and "sudah mengajukan keberatan" in section.get_text()
