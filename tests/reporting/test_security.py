"""Trying to break the reporter pages: other cases, bad keys, CSRF, foreign content, limits."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, update

from sipadu.cases.models import Attachment, Case, CaseMessage
from sipadu.db import db_session
from sipadu.sessions.models import AuthSession
from tests.conftest import build_app, make_settings
from tests.reporting.conftest import (
    BASE_REPORT,
    Ready,
    case_key_of,
    login,
    post_case_form,
    submit,
)
from tests.support import forms
from tests.support.clock import pin_limiter_clock
from tests.support.csrf import hidden_fields
from tests.support.factories import make_staff
from tests.support.instance import Database

FOREIGN = re.compile(r'(?:src|href|action)\s*=\s*"(?:[a-z]+:)?//', re.IGNORECASE)


def _wrong_secret(key: str) -> str:
    """Another well-formed key for the same code (valid check symbol, wrong secret)."""
    from sipadu.crypto.casekey import format_case_key, generate_case_key

    return format_case_key(generate_case_key(key[:10]))


def test_a_session_for_case_a_never_shows_case_b(ready: Ready) -> None:
    alice, bob = ready.app.test_client(), ready.app.test_client()
    key_a, key_b = case_key_of(submit(alice)), case_key_of(submit(bob))
    login(alice, key_a)
    login(bob, key_b)
    page_a = alice.get("/kasus/saya").get_data(as_text=True)
    assert key_a[:10] in page_a and key_b[:10] not in page_a
    # Code of B with the secret of A: refused, and B's page is not reachable that way.
    mixed = ready.app.test_client()
    assert login(mixed, key_b[:10] + key_a[10:-1] + "0").status_code in (400, 401)
    assert mixed.get("/kasus/saya").status_code == 303


def test_forged_or_expired_reporter_cookie_is_refused(ready: Ready) -> None:
    client = ready.app.test_client()
    key = case_key_of(submit(client))
    client.set_cookie("sipadu_case", "forged-token")
    assert client.get("/kasus/saya").status_code == 303
    login(client, key)
    assert client.get("/kasus/saya").status_code == 200
    with ready.app.app_context():
        db_session().execute(
            update(AuthSession).values(last_seen_at=datetime.now(UTC) - timedelta(minutes=16))
        )
        db_session().commit()
    assert client.get("/kasus/saya").status_code == 303  # 15 minutes idle


@pytest.mark.parametrize(
    ("mangle", "status", "text"),
    [
        (lambda key: "hello", 400, "SPD-XXXXXX"),
        (lambda key: key[:-3] + ("A" if key[-3] != "A" else "B") + key[-2:], 400, "salah ketik"),
        (_wrong_secret, 401, "tidak dikenali"),
    ],
)
def test_bad_keys_get_clear_messages(ready: Ready, mangle: object, status: int, text: str) -> None:
    client = ready.app.test_client()
    key = case_key_of(submit(client))
    response = login(client, mangle(key))  # type: ignore[operator]
    assert response.status_code == status
    assert text in response.get_data(as_text=True)
    assert (
        "Set-Cookie" not in response.headers or "sipadu_case" not in response.headers["Set-Cookie"]
    )


def test_guesses_are_throttled_with_a_wait(ready: Ready) -> None:
    client = ready.app.test_client()
    key = case_key_of(submit(client))
    statuses = [login(client, _wrong_secret(key)).status_code for _ in range(8)]
    assert 429 in statuses
    last = login(client, key)
    assert last.status_code == 429 and "menit" in last.get_data(as_text=True)
    assert int(last.headers["Retry-After"]) >= 1


def test_csrf_is_enforced_on_every_reporter_form(ready: Ready) -> None:
    client = ready.app.test_client()
    key = case_key_of(submit(client))
    assert client.post("/laporan", data=BASE_REPORT).status_code == 400
    assert client.post("/laporan/kunci", data={"case_key": key}).status_code == 400
    assert client.post("/kasus", data={"case_key": key}).status_code == 400
    login(client, key)
    for path, data in (
        ("/kasus/saya/pesan", {"body": "x"}),
        ("/kasus/saya/bukti", {}),
        ("/kasus/saya/identitas", {"identity_name": "x"}),
        ("/kasus/saya/keberatan", {"objection": "x"}),
        ("/kasus/keluar", {}),
    ):
        assert client.post(path, data=data).status_code == 400, path
    with ready.app.app_context():
        assert db_session().scalars(select(CaseMessage)).all() == []
        case = db_session().scalars(select(Case)).one()
        assert case.identity_sealed is None
    assert client.get("/kasus/saya").status_code == 200  # still logged in


def _pages(ready: Ready) -> dict[str, str]:
    client = ready.app.test_client()
    pages = {
        "/": client.get("/"),
        "/laporan": client.get("/laporan"),
        "/kasus": client.get("/kasus"),
    }
    key_page = submit(client, files=[(b"text", "a.txt")])
    pages["key"] = key_page
    pages["invalid form"] = submit(client, {"category": "", "what": ""})
    pages["/laporan/terkirim"] = client.get("/laporan/terkirim")
    pages["print"] = forms.submit(client, key_page, "/laporan/kunci", button="format.print")
    pages["wrong key"] = login(client, "nonsense")
    login(client, case_key_of(key_page))
    pages["case"] = client.get("/kasus/saya")
    pages["case error"] = post_case_form(client, "/kasus/saya/pesan", {"body": ""})
    return {name: response.get_data(as_text=True) for name, response in pages.items()}


def test_no_script_and_nothing_from_other_origins(ready: Ready) -> None:
    for name, html in _pages(ready).items():
        assert "<script" not in html.lower(), name
        assert not FOREIGN.search(html), name
        assert " style=" not in html, name
        assert "<html" in html, name


def test_oversize_upload_keeps_text_and_stores_nothing(ready: Ready) -> None:
    client = ready.app.test_client()
    response = submit(
        client,
        {**BASE_REPORT, "what": "TEKS-YANG-DIKETIK"},
        files=[(b"ok", "kecil.txt"), (b"x" * (65 * 1024), "besar.bin")],
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # The limit in force (64 KB here), not a rounded-up "1 MB".
    assert "TEKS-YANG-DIKETIK" in html and "besar.bin" in html and "batas 64 KB." in html
    too_many = submit(client, files=[(b"1", f"{n}.txt") for n in range(4)])
    assert too_many.status_code == 422 and "paling banyak 3" in too_many.get_data(as_text=True)
    with ready.app.app_context():
        assert db_session().scalars(select(Case)).all() == []
        assert db_session().scalars(select(Attachment)).all() == []
    blob_dir = ready.app.extensions["sipadu.settings"].blob_dir
    assert not blob_dir.exists() or not [p for p in blob_dir.rglob("*") if p.is_file()]


def test_adding_evidence_and_refusals(ready: Ready) -> None:
    client = ready.app.test_client()
    login(client, case_key_of(submit(client)))
    page = client.get("/kasus/saya")
    sent = forms.build(page, "/kasus/saya/bukti", files={"attachments": (b"bukti", "bukti.txt")})
    added = forms.send(client, sent)
    assert added.status_code == 303 and added.headers["Location"].endswith("/kasus/saya")
    assert "bukti.txt" in client.get("/kasus/saya").get_data(as_text=True)
    # A reload sends the same form (its form_id) again: nothing is added twice.
    again = forms.build(page, "/kasus/saya/bukti", files={"attachments": (b"bukti", "bukti.txt")})
    assert forms.send(client, again).status_code == 303
    refused = post_case_form(client, "/kasus/saya/bukti", files=[(b"y" * (65 * 1024), "besar.bin")])
    assert refused.status_code == 422
    empty = post_case_form(client, "/kasus/saya/bukti")  # no file chosen
    assert empty.status_code == 422
    with ready.app.app_context():
        assert len(db_session().scalars(select(Attachment)).all()) == 1


def test_submissions_are_rate_limited(
    tmp_path: Path, sqlite_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # All six within one window of the limiter's own clock: against the wall clock, requests
    # straddling a minute are partly forgotten (sliding window) and the sixth got through.
    pin_limiter_clock(monkeypatch)
    app = build_app(make_settings(tmp_path, sqlite_database))
    with app.app_context():
        make_staff(app, db_session())
        db_session().commit()
    client = app.test_client()
    statuses = [submit(client).status_code for _ in range(6)]
    assert statuses[:5] == [201] * 5
    assert statuses[5] == 429
    app.extensions["sipadu.engine"].dispose()


def test_a_client_over_its_limit_is_refused_before_its_files_are_read(
    tmp_path: Path, sqlite_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sipadu.uploads import multipart as uploads

    pin_limiter_clock(monkeypatch)  # the sixth submission is in the same window as the first
    app = build_app(make_settings(tmp_path, sqlite_database))
    with app.app_context():
        make_staff(app, db_session())
        db_session().commit()
    started: list[str] = []
    real_start = uploads.start_upload

    def counting(filename: str, content_type: str | None) -> uploads.EncryptedUpload:
        started.append(filename)
        return real_start(filename, content_type)

    monkeypatch.setattr(uploads, "start_upload", counting)
    client = app.test_client()
    for _ in range(5):
        assert submit(client).status_code == 201
    started.clear()  # (a browser sends an empty file part when no file is chosen)
    over = submit(client, files=[(b"%PDF-1.4 bukti", "bukti.pdf")])
    # The limit refused it before the CSRF check read the form: no file part was parsed.
    assert over.status_code == 429
    assert started == []
    with app.app_context():
        assert db_session().scalars(select(Attachment)).all() == []
    app.extensions["sipadu.engine"].dispose()


def test_forged_tokens_are_refused_on_the_views_that_check_after_their_limit(ready: Ready) -> None:
    client = ready.app.test_client()
    hidden = hidden_fields(client.get("/laporan"))
    forged = {**hidden, "csrf_token": hidden["csrf_token"][:-4] + "AAAA"}
    files = {"attachments": [(io.BytesIO(b"%PDF-1.4 bukti"), "bukti.pdf")]}
    response = client.post(
        "/laporan", data={**forged, **BASE_REPORT, **files}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert (
        client.post(
            "/kasus", data={"csrf_token": forged["csrf_token"], "case_key": "SPD-XXXXXX"}
        ).status_code
        == 400
    )
    with ready.app.app_context():
        assert db_session().scalars(select(Case)).all() == []
        assert db_session().scalars(select(Attachment)).all() == []


def test_staff_session_cookie_is_not_a_reporter_session(ready: Ready, app: Flask) -> None:
    from sipadu.sessions.service import start_session

    with app.app_context():
        token = start_session(
            db_session(), kind="staff", payload=b"k" * 32, staff_id=ready.supervisor.account.id
        )
        db_session().commit()
    client = app.test_client()
    client.set_cookie("sipadu_case", token)
    assert client.get("/kasus/saya").status_code == 303
