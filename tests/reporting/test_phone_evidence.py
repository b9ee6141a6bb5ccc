"""Evidence from a phone through the real forms: videos and photos stored without where,
when and on what they were recorded; empty files and programs refused with a reason; the
forms say so before anything is sent and invite the phone's camera."""

from __future__ import annotations

from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from sqlalchemy import select

from sipadu.cases.models import Attachment, Case
from sipadu.db import db_session
from sipadu.sessions.service import start_session
from tests.media import bmff_files
from tests.reporting.conftest import BASE_REPORT, KEY_RE, Ready
from tests.support.forms import submit

KINDS_HINT_ID = "Dibersihkan dari data tersembunyi"
LOCATION_ID = "tempat perekaman (lokasi GPS)"
EMPTY_ID = "Berkas ini kosong (0 bita)"
PROGRAM_ID = "Program dan berkas pemasang"


def _signed_in_reporter(ready: Ready) -> tuple[FlaskClient, str]:
    reporter = ready.app.test_client()
    filed = submit(reporter, reporter.get("/laporan"), "/laporan", fill=BASE_REPORT)
    key = KEY_RE.search(filed.get_data(as_text=True))
    assert key is not None
    submit(reporter, reporter.get("/kasus"), "/kasus", fill={"case_key": key.group(0)})
    with ready.app.app_context():
        code = db_session().scalars(select(Case.code)).one()
    return reporter, code


def _download_as_supervisor(ready: Ready, code: str) -> list[bytes]:
    with ready.app.app_context():
        db = db_session()
        token = start_session(
            db,
            kind="staff",
            payload=ready.supervisor.private_key,
            staff_id=ready.supervisor.account.id,
            channel="api",
        )
        db.commit()
    staff = ready.app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    listed = staff.get(f"/api/v1/staff/cases/{code}", headers=auth).get_json()["attachments"]
    return [
        staff.get(f"/api/v1/staff/cases/{code}/attachments/{a['id']}", headers=auth).get_data()
        for a in listed
    ]


def test_phone_video_and_photo_are_stored_without_location(ready: Ready) -> None:
    reporter, code = _signed_in_reporter(ready)
    video = bmff_files.video(moov_first=False)
    added = submit(
        reporter,
        reporter.get("/kasus/saya"),
        "/kasus/saya/bukti",
        files={"attachments": [(video, "rekaman.mov"), (bmff_files.heic(), "foto.heic")]},
    )
    assert added.status_code == 303  # like every other form: a reload sends nothing again
    page = reporter.get("/kasus/saya").get_data(as_text=True)
    assert "rekaman.mov" in page and "foto.heic" in page and LOCATION_ID in page
    stored = _download_as_supervisor(ready, code)
    assert len(stored) == 2
    for data in stored:
        for secret in bmff_files.SECRETS:
            assert secret not in data
    assert any(bmff_files.VIDEO_BYTES in data for data in stored)
    assert any(bmff_files.PICTURE in data for data in stored)


def test_empty_files_and_programs_are_refused_and_nothing_is_stored(ready: Ready) -> None:
    reporter, _code = _signed_in_reporter(ready)
    case_page = reporter.get("/kasus/saya")
    for name, content, reason in [
        ("kosong.jpg", b"", EMPTY_ID),
        ("bukti.pdf", b"MZ\x90\x00" + bytes(200), PROGRAM_ID),
        ("foto.jpg", b"\x7fELF\x02\x01\x01" + bytes(200), PROGRAM_ID),
        ("aplikasi.apk", b"PK\x03\x04" + bytes(200), PROGRAM_ID),
    ]:
        refused = submit(
            reporter, case_page, "/kasus/saya/bukti", files={"attachments": (content, name)}
        )
        text = refused.get_data(as_text=True)
        assert refused.status_code == 422 and name in text and reason in text, name
    with ready.app.app_context():
        assert db_session().scalars(select(Attachment)).all() == []


def test_forms_say_which_files_are_cleaned_and_invite_the_camera(ready: Ready) -> None:
    reporter, _code = _signed_in_reporter(ready)
    for path in ("/laporan", "/kasus/saya"):
        html = reporter.get(path).get_data(as_text=True)
        field = BeautifulSoup(html, "html.parser").find("input", attrs={"type": "file"})
        assert field is not None
        accept = str(field.get("accept", "")).split(",")
        assert {"image/*", "video/*", "application/pdf"} <= set(accept)
        described = str(field.get("aria-describedby", "")).split()
        hint = BeautifulSoup(html, "html.parser").find(id="attachments-kinds-hint")
        assert "attachments-kinds-hint" in described and hint is not None
        text = hint.get_text(" ")
        assert KINDS_HINT_ID in text and "MP4, MOV, 3GP" in text and ".exe" in text
    reporter.get("/bahasa/en")
    english = reporter.get("/kasus/saya").get_data(as_text=True)
    assert "Stored exactly as sent" in english
