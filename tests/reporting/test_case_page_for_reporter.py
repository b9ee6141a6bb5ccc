"""Coming back: the key field shows what is typed and keeps it after a refusal; the case page
shows the reporter's own report, the day the next news is due (the admin's deadline policy,
days in WIB), what is new since their last message, and where their one objection stands."""

from __future__ import annotations

from datetime import timedelta

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from sipadu.app_context import current_settings
from sipadu.cases.content import add_message, add_timeline_entry
from sipadu.cases.kinds import TimelineKind
from sipadu.cases.models import Case
from sipadu.cases.service import case_by_code, unlock_case_for_staff
from sipadu.cases.statuses import Status
from sipadu.casework.access import Actor, OpenCase
from sipadu.casework.service import answer_objection, change_status
from sipadu.days import wib_today
from sipadu.db import db_session
from sipadu.reporting.case_view import next_update_day
from sipadu.web.dates import wib_date
from sipadu.web.i18n import use_language_now
from tests.reporting.conftest import (
    BASE_REPORT,
    Ready,
    case_key_of,
    login,
    post_case_form,
    submit,
)
from tests.support import forms


def _case_page(client: FlaskClient) -> str:
    page = client.get("/kasus/saya")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _filed(ready: Ready, report: dict[str, str] | None = None) -> tuple[FlaskClient, str]:
    client = ready.app.test_client()
    key = case_key_of(submit(client, report))
    assert login(client, key).status_code == 303
    return client, key


def _case(app: Flask, key: str) -> Case:
    case = case_by_code(db_session(), key[:10])
    assert case is not None
    return case


def _staff_dek(ready: Ready, case: Case) -> bytes:
    account = ready.supervisor.account.id
    return unlock_case_for_staff(db_session(), case, account, ready.supervisor.private_key)


def test_the_key_field_is_visible_text_and_keeps_a_mistyped_key(ready: Ready) -> None:
    client = ready.app.test_client()
    key = case_key_of(submit(client))
    field = BeautifulSoup(client.get("/kasus").get_data(as_text=True), "html.parser").select_one(
        "#f-case-key"
    )
    assert field is not None and field["type"] == "text"
    assert field["autocapitalize"] == "characters" and field["spellcheck"] == "false"
    assert field["autocomplete"] == "off"
    typo = key[:-1] + ("2" if key[-1] != "2" else "3")
    refused = forms.submit(client, client.get("/kasus"), "/kasus", fill={"case_key": typo})
    assert refused.status_code in (400, 401)
    again = BeautifulSoup(refused.get_data(as_text=True), "html.parser").select_one("#f-case-key")
    assert again is not None and again["value"] == typo and again["aria-invalid"] == "true"
    fixed = forms.submit(client, refused, "/kasus", fill={"case_key": key})
    assert fixed.status_code == 303 and fixed.headers["Location"] == "/kasus/saya"


def test_the_case_page_shows_the_reporters_own_report(ready: Ready) -> None:
    client, _key = _filed(ready, {**BASE_REPORT, "who": "Kepala loket <b>X</b>"})
    html = _case_page(client)
    assert BASE_REPORT["what"] in html and "Pungutan liar (pungli)" in html
    assert "Kepala loket &lt;b&gt;X&lt;/b&gt;" in html  # what they typed, as text
    other, _ = _filed(ready, {"category": "kkn", "what": "Laporan lain."})
    assert BASE_REPORT["what"] not in _case_page(other)  # only one's own report


def test_next_news_is_due_by_the_policys_day_and_late_is_said(ready: Ready) -> None:
    client, key = _filed(ready)
    with ready.app.test_request_context():
        use_language_now("id")
        case = _case(ready.app, key)
        due = next_update_day(db_session(), case, wib_today())
        assert due is not None and due > wib_today()
        shown = wib_date(due)
    assert f"Anda akan mendapat kabar dari Inspektorat paling lambat {shown}" in _case_page(client)
    with ready.app.app_context():
        case = _case(ready.app, key)
        case.received_on = wib_today() - timedelta(days=200)
        db_session().commit()
    assert "sudah terlambat" in _case_page(client)
    with ready.app.app_context():
        case = _case(ready.app, key)
        case.status, case.closed_on = Status.SELESAI, wib_today()
        db_session().commit()
    html = _case_page(client)
    assert "paling lambat" not in html and "terlambat" not in html


def _supervisor_moves(
    ready: Ready, key: str, target: str, *, reason: str | None = None, outcome: str | None = None
) -> None:
    """The supervisor changes the status through the casework service, as the case page does."""
    with ready.app.app_context():
        db, case = db_session(), _case(ready.app, key)
        opened = OpenCase(case, _staff_dek(ready, case), "supervisor")
        member = ready.supervisor
        actor = Actor(member.account.id, "supervisor", member.private_key)
        audit_key = _audit_key(ready)
        change_status(
            db, opened, actor, target, reason=reason, outcome=outcome, audit_key=audit_key
        )
        db.commit()


def _audit_key(ready: Ready) -> bytes:
    keyring = current_settings(ready.app).keyring
    assert keyring is not None
    return keyring.audit_hmac_key


def _news(html: str) -> str:
    found = BeautifulSoup(html, "html.parser").find(id="case-news")
    assert found is not None
    return " ".join(found.get_text(" ", strip=True).split())


def test_what_is_new_since_the_reporters_last_visit(ready: Ready) -> None:
    """Counted by row, since the last visit: a same-day closing is a status change, and what
    was shown once is neither counted nor marked again."""
    client, key = _filed(ready)
    assert _news(_case_page(client)) == "Belum ada yang baru sejak Anda mengirim laporan."
    _supervisor_moves(ready, key, "verifikasi")
    _supervisor_moves(ready, key, "investigasi")
    html = _case_page(client)
    assert _news(html) == "Sejak kunjungan terakhir Anda: 2 perubahan status."
    assert html.count(">Baru</strong>") == 2
    assert post_case_form(client, "/kasus/saya/pesan", {"body": "Jawaban"}).status_code == 303
    html = _case_page(client)
    assert _news(html) == "Belum ada yang baru sejak kunjungan terakhir Anda."
    assert ">Baru</strong>" not in html
    # The same day: a message, then the closing with its conclusion.
    _staff_writes(ready, key, "Pertanyaan 2")
    _supervisor_moves(ready, key, "selesai", reason="Terbukti.", outcome="terbukti")
    html = _case_page(client)
    assert _news(html) == "Sejak kunjungan terakhir Anda: 1 pesan baru, 1 perubahan status."
    assert html.count(">Baru</strong>") == 2
    # Seen: a later visit counts nothing and marks nothing, in either language.
    client.set_cookie("sipadu_lang", "en")
    html = _case_page(client)
    assert _news(html) == "Nothing new since your last visit." and ">New</strong>" not in html
    _staff_writes(ready, key, "Pertanyaan 3")
    html = _case_page(client)
    assert (
        _news(html) == "Since your last visit: 1 new message." and html.count(">New</strong>") == 1
    )


def test_the_reply_that_resumes_the_assessment_is_no_news_to_the_reporter(ready: Ready) -> None:
    client, key = _filed(ready)
    _supervisor_moves(ready, key, "verifikasi")
    _supervisor_moves(ready, key, "perlu_dilengkapi", reason="Mohon lengkapi.")
    assert _news(_case_page(client)) == "Sejak Anda mengirim laporan: 2 perubahan status."
    assert post_case_form(client, "/kasus/saya/pesan", {"body": "Ini dia."}).status_code == 303
    html = _case_page(client)
    assert "Sedang ditelaah" in html  # the reply moved the case on: the reporter did that
    assert _news(html) == "Belum ada yang baru sejak kunjungan terakhir Anda."
    assert ">Baru</strong>" not in html


def _staff_writes(ready: Ready, key: str, text: str) -> None:
    with ready.app.app_context():
        case = _case(ready.app, key)
        staff = ready.supervisor.account.id
        add_message(
            db_session(), case, _staff_dek(ready, case), text, author_kind="staff", staff_id=staff
        )
        db_session().commit()


def test_new_clears_once_the_reporter_has_seen_the_message(ready: Ready) -> None:
    client, key = _filed(ready)
    _staff_writes(ready, key, "Pertanyaan 1")
    assert _case_page(client).count(">Baru</strong>") == 1
    # Seen once, not new any more, although the reporter has not answered.
    assert ">Baru</strong>" not in _case_page(client)
    _staff_writes(ready, key, "Pertanyaan 2")
    html = _case_page(client)
    assert html.count(">Baru</strong>") == 1
    assert html.index("Pertanyaan 1") < html.index(">Baru</strong>") < html.index("Pertanyaan 2")


def test_the_reporters_mark_is_per_case_not_per_device(ready: Ready) -> None:
    phone, key = _filed(ready)
    _staff_writes(ready, key, "Pertanyaan 1")
    assert _case_page(phone).count(">Baru</strong>") == 1
    laptop = ready.app.test_client()
    assert login(laptop, key).status_code == 303
    assert ">Baru</strong>" not in _case_page(laptop)


def test_the_page_says_where_the_one_objection_stands(ready: Ready) -> None:
    client, key = _filed(ready)
    with ready.app.app_context():
        case = _case(ready.app, key)
        case.status, case.closed_on = Status.TIDAK_DAPAT_DITINDAKLANJUTI, wib_today()
        db_session().commit()
    assert 'id="objection-state"' not in _case_page(client)
    sent = post_case_form(client, "/kasus/saya/keberatan", {"objection": "Tidak setuju."})
    assert sent.status_code == 303
    html = _case_page(client)
    assert "Anda sudah mengajukan keberatan" in html
    assert 'action="/kasus/saya/keberatan"' not in html
    with ready.app.app_context():
        case = _case(ready.app, key)
        add_timeline_entry(
            db_session(),
            case,
            _staff_dek(ready, case),
            kind=TimelineKind.OBJECTION_ANSWER,
            text="Keputusan tetap.",
        )
        db_session().commit()
    html = _case_page(client)
    assert "Inspektorat sudah menjawab keberatan Anda" in html
    assert "Inspektorat menjawab keberatan Anda" in html and "Keputusan tetap." in html


def _status_box(html: str) -> str:
    found = BeautifulSoup(html, "html.parser").find(id="status-explanation")
    assert found is not None
    return found.get_text(" ", strip=True)


def _supervisor_answers(ready: Ready, key: str, answer: str) -> None:
    with ready.app.app_context():
        db, case = db_session(), _case(ready.app, key)
        opened = OpenCase(case, _staff_dek(ready, case), "supervisor")
        member = ready.supervisor
        actor = Actor(member.account.id, "supervisor", member.private_key)
        answer_objection(db, opened, actor, answer, reopen_to=None, audit_key=_audit_key(ready))
        db.commit()


def test_the_status_box_says_where_the_objection_stands(ready: Ready) -> None:
    client, key = _filed(ready)
    _supervisor_moves(ready, key, "verifikasi")
    _supervisor_moves(ready, key, "tidak_dapat_ditindaklanjuti", reason="Di luar wewenang.")
    assert "Anda dapat mengajukan keberatan satu kali." in _status_box(_case_page(client))
    sent = post_case_form(client, "/kasus/saya/keberatan", {"objection": "Tidak setuju."})
    assert sent.status_code == 303
    html = _case_page(client)
    box = _status_box(html)
    assert "dapat mengajukan keberatan" not in box and "sudah mengajukan keberatan" in box
    # The reporter's own objection is no news to them.
    assert ">Baru</strong>" not in html
    assert _news(html) == "Belum ada yang baru sejak kunjungan terakhir Anda."
    client.set_cookie("sipadu_lang", "en")
    box = _status_box(_case_page(client))
    assert "You may object once" not in box and "You have objected to this decision" in box


def test_the_answer_to_the_objection_is_new_and_said_in_the_status_box(ready: Ready) -> None:
    client, key = _filed(ready)
    _supervisor_moves(ready, key, "verifikasi")
    _supervisor_moves(ready, key, "tidak_dapat_ditindaklanjuti", reason="Di luar wewenang.")
    _case_page(client)
    sent = post_case_form(client, "/kasus/saya/keberatan", {"objection": "Tidak setuju."})
    assert sent.status_code == 303
    _case_page(client)
    _supervisor_answers(ready, key, "Keputusan tetap.")
    page = BeautifulSoup(_case_page(client), "html.parser")
    timeline = page.find("ol", class_="timeline")
    assert timeline is not None
    marked = [li.get_text(" ", strip=True) for li in timeline.find_all("li") if li.find("strong")]
    assert len(marked) == 1 and "Inspektorat menjawab keberatan Anda" in marked[0]
    assert _news(str(page)) == "Sejak kunjungan terakhir Anda: jawaban atas keberatan Anda."
    box = _status_box(str(page))
    assert "dapat mengajukan keberatan" not in box and "sudah menjawab keberatan Anda" in box
    client.set_cookie("sipadu_lang", "en")
    html = _case_page(client)
    assert ">New</strong>" not in html  # seen once: not new any more
    box = _status_box(html)
    assert "You may object once" not in box
    assert "The Inspektorat has answered your objection" in box
