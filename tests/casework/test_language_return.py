"""Staff and admin: the language link after a POST-only answer leads to a GET page."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from tests.casework.conftest import Team, press, web_client
from tests.support.language_link import follow_language_link


def test_language_link_after_a_status_error(app: Flask, db: Session, team: Team) -> None:
    code = team.created.case.code
    client = web_client(app, db, team.supervisor)
    assert press(client, code, "status-verifikasi").status_code == 303
    refused = press(client, code, "status-tidak_dapat_ditindaklanjuti", follow_redirects=True)
    assert refused.status_code == 422
    english = follow_language_link(client, refused, "en")
    assert english.status_code == 200
    assert english.request.path == f"/petugas/kasus/{code}"
