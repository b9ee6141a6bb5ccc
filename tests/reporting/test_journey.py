"""The reporter's whole journey through the browser pages, on both databases."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from sipadu.audit.models import AuditEvent
from sipadu.cases.content import add_message
from sipadu.cases.models import Case
from sipadu.cases.service import case_by_code, unlock_case_for_staff
from sipadu.cases.statuses import Status
from sipadu.db import db_session
from sipadu.reporting.forms import HONEYPOT_FIELD
from tests.reporting.conftest import (
    BASE_REPORT,
    Ready,
    case_key_of,
    forge_case_form,
    forge_report,
    login,
    post_case_form,
    submit,
)
from tests.support import forms
from tests.support.audit import seal_all
from tests.support.csrf import hidden_fields


def _tags(app: Flask) -> list[str]:
    with app.app_context():
        seal_all(app, db_session())
        return list(db_session().scalars(select(AuditEvent.tag).order_by(AuditEvent.seq)))


def test_landing_links_to_report_and_follow_up(ready: Ready) -> None:
    html = ready.app.test_client().get("/").get_data(as_text=True)
    assert 'href="/laporan"' in html
    assert 'href="/kasus"' in html


def test_form_shows_categories_guidance_and_puts_files_last(ready: Ready) -> None:
    html = ready.app.test_client().get("/laporan").get_data(as_text=True)
    for category in ("penyalahgunaan_wewenang", "kkn", "pungli", "lainnya"):
        assert f'value="{category}"' in html
    assert "kantor" in html  # safety guidance, in Indonesian by default
    form = html[html.index("<form") : html.index("</form>")]
    assert form.rindex('type="file"') > form.rindex("<textarea")
    assert form.rindex('type="file"') > form.index('name="identity_contact"')


def test_full_journey(ready: Ready) -> None:
    client = ready.app.test_client()
    response = submit(
        client,
        {
            **BASE_REPORT,
            "who": "Kepala loket",
            "amount": "1.500.000",
            "identity_name": "Saksi",
            "identity_contact": "0812",
        },
    )
    assert response.status_code == 201
    key = case_key_of(response)
    code = key[:10]
    assert "tidak dapat dipulihkan" in response.get_data(
        as_text=True
    ) or "cannot" in response.get_data(as_text=True)

    logged = login(client, key.lower().replace("-", " "))
    assert logged.status_code == 303
    assert logged.headers["Location"] == "/kasus/saya"
    assert key not in logged.headers["Location"] and code not in logged.headers["Location"]
    assert "sipadu_case" in logged.headers["Set-Cookie"]
    assert "HttpOnly" in logged.headers["Set-Cookie"]

    page = client.get("/kasus/saya")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and code in html
    assert "Diterima" in html  # status in citizen words

    with ready.app.app_context():
        db = db_session()
        case = case_by_code(db, code)
        assert case is not None
        dek = unlock_case_for_staff(
            db, case, ready.supervisor.account.id, ready.supervisor.private_key
        )
        add_message(
            db,
            case,
            dek,
            "Mohon lengkapi tanggal kejadian.",
            author_kind="staff",
            staff_id=ready.supervisor.account.id,
        )
        add_message(
            db,
            case,
            dek,
            "CATATAN-INTERNAL-RAHASIA",
            author_kind="staff",
            staff_id=ready.supervisor.account.id,
            internal=True,
        )
        case.status = Status.PERLU_DILENGKAPI
        db.commit()
    html = client.get("/kasus/saya").get_data(as_text=True)
    assert "Mohon lengkapi tanggal kejadian." in html and "Inspektorat" in html
    assert "CATATAN-INTERNAL-RAHASIA" not in html
    assert ready.supervisor.account.username not in html

    sent = post_case_form(client, "/kasus/saya/pesan", {"body": "Tanggal 3 Maret."})
    assert sent.status_code == 303
    html = client.get("/kasus/saya").get_data(as_text=True)
    assert "Tanggal 3 Maret." in html
    with ready.app.app_context():
        assert db_session().scalar(select(Case.status).where(Case.code == code)) == "verifikasi"

    disclosed = post_case_form(
        client, "/kasus/saya/identitas", {"identity_name": "Nama Baru", "identity_contact": ""}
    )
    assert disclosed.status_code == 303

    out = post_case_form(client, "/kasus/keluar")
    assert out.status_code == 303
    assert client.get("/kasus/saya").status_code == 303  # session gone

    tags = _tags(ready.app)
    for tag in (
        "case:submitted",
        "reporter:login",
        "message:sent",
        "case:status_changed",
        "identity:disclosed",
    ):
        assert tag in tags


def test_objection_once_after_closure(ready: Ready) -> None:
    client = ready.app.test_client()
    key = case_key_of(submit(client))
    login(client, key)
    # The page offers no objection form before a closure; a forged one is refused.
    assert 'action="/kasus/saya/keberatan"' not in client.get("/kasus/saya").get_data(as_text=True)
    early = forge_case_form(client, "/kasus/saya/keberatan", {"objection": "Tidak setuju."})
    assert early.status_code == 409
    with ready.app.app_context():
        db = db_session()
        case = case_by_code(db, key[:10])
        assert case is not None
        case.status = Status.TIDAK_DAPAT_DITINDAKLANJUTI
        db.commit()
    assert "keberatan" in client.get("/kasus/saya").get_data(as_text=True).lower()
    empty = post_case_form(client, "/kasus/saya/keberatan", {"objection": "  "})
    assert empty.status_code == 422
    first = post_case_form(client, "/kasus/saya/keberatan", {"objection": "Tidak setuju."})
    assert first.status_code == 303
    assert 'action="/kasus/saya/keberatan"' not in client.get("/kasus/saya").get_data(as_text=True)
    second = forge_case_form(client, "/kasus/saya/keberatan", {"objection": "Lagi."})
    assert second.status_code == 409
    assert "case:objected" in _tags(ready.app)


def test_reload_does_not_submit_twice_or_show_the_key_again(ready: Ready) -> None:
    client = ready.app.test_client()
    # A reload sends the very same form again.
    sent = forms.build(client.get("/laporan"), "/laporan", fill=BASE_REPORT)
    first = forms.send(client, sent)
    assert first.status_code == 201
    again = forms.send(client, sent)
    assert again.status_code == 303
    assert again.headers["Location"] == "/laporan/terkirim"
    done = client.get("/laporan/terkirim").get_data(as_text=True)
    assert case_key_of_or_none(done) is None
    with ready.app.app_context():
        assert len(db_session().scalars(select(Case)).all()) == 1


def case_key_of_or_none(html: str) -> str | None:
    from tests.reporting.conftest import KEY_RE

    match = KEY_RE.search(html)
    return match.group(0) if match else None


def test_key_download_and_print_store_nothing(ready: Ready) -> None:
    client = ready.app.test_client()
    page = submit(client)
    key = case_key_of(page)
    hidden = hidden_fields(page)
    assert hidden["case_key"] == key
    with ready.app.app_context():
        before = len(db_session().scalars(select(AuditEvent)).all())
    text = forms.submit(client, page, "/laporan/kunci", button="format.txt")
    assert text.status_code == 200 and text.mimetype == "text/plain"
    assert "attachment" in text.headers["Content-Disposition"]
    assert "no-store" in text.headers["Cache-Control"]
    assert key in text.get_data(as_text=True)
    printable = forms.submit(client, page, "/laporan/kunci", button="format.print")
    assert printable.status_code == 200 and key[:10] in printable.get_data(as_text=True)
    bad = client.post(
        "/laporan/kunci",
        data={"csrf_token": hidden["csrf_token"], "case_key": "<b>x</b>", "format": "txt"},
    )
    assert bad.status_code == 400
    with ready.app.app_context():
        assert len(db_session().scalars(select(AuditEvent)).all()) == before


def test_validation_errors_keep_the_text(ready: Ready) -> None:
    client = ready.app.test_client()
    assert forge_report(client, {"category": "bukan", "what": "Isi"}).status_code == 422
    for report, field in (
        ({"category": "", "what": "Isi"}, "category"),
        ({"category": "kkn", "what": "  "}, "what"),
        ({"category": "kkn", "what": "x" * 20_001}, "what"),
        ({"category": "kkn", "what": "Isi", "amount": "sejuta"}, "amount"),
        ({"category": "kkn", "what": "Isi", "when": "y" * 201}, "when"),
    ):
        response = submit(client, report)
        assert response.status_code == 422, field
        assert f'id="{field}-error"' in response.get_data(as_text=True)
    kept = submit(client, {"category": "kkn", "what": "TEKS-TETAP", "amount": "abc"})
    assert "TEKS-TETAP" in kept.get_data(as_text=True)
    with ready.app.app_context():
        assert db_session().scalars(select(Case)).all() == []


def test_honeypot_rejects_without_storing(ready: Ready) -> None:
    response = submit(ready.app.test_client(), {**BASE_REPORT, HONEYPOT_FIELD: "http://spam"})
    assert response.status_code == 400
    assert "honeypot" not in response.get_data(as_text=True).lower()
    with ready.app.app_context():
        assert db_session().scalars(select(Case)).all() == []


def test_service_not_ready_stores_nothing(app: Flask) -> None:
    response = submit(app.test_client())
    assert response.status_code == 503
    assert "siap" in response.get_data(as_text=True)
    with app.app_context():
        assert db_session().scalars(select(Case)).all() == []
        assert db_session().scalars(select(AuditEvent)).all() == []


def test_both_languages_render(ready: Ready) -> None:
    client = ready.app.test_client()
    assert "Laporan baru" in client.get("/laporan").get_data(as_text=True)
    client.set_cookie("sipadu_lang", "en")
    assert "New report" in client.get("/laporan").get_data(as_text=True)
    assert "Follow up your case" in client.get("/kasus").get_data(as_text=True)
    english = submit(client)
    assert "Write down your case key now" in english.get_data(as_text=True)
    login(client, case_key_of(english))
    html = client.get("/kasus/saya").get_data(as_text=True)
    assert 'Status: <span id="case-status">Received</span>' in html
    client.set_cookie("sipadu_lang", "id")
    assert "Riwayat" in client.get("/kasus/saya").get_data(as_text=True)


def test_every_category_the_form_offers_is_accepted(ready: Ready) -> None:
    client = ready.app.test_client()
    offered = forms.find_form(client.get("/laporan"), "/laporan").choices("category")
    assert offered[0] == "" and len(offered) > 5  # "— choose —" first
    for category in offered[1:]:
        filed = submit(client, {"category": category, "what": "Isi laporan."})
        assert filed.status_code == 201, category
