"""A hostile file through the real doors (the report form and the evidence form, posted as
their rendered pages make a browser send them): a clear refusal, and nothing stored."""

from __future__ import annotations

import io
import json
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from sipadu.cases.models import Attachment, Case
from sipadu.db import db_session
from tests.media import hostile
from tests.reporting.conftest import BASE_REPORT, KEY_RE, Ready
from tests.support.forms import submit

REFUSAL_ID = "Berkas ini tersusun dengan cara yang sangat tidak biasa"
REFUSAL_EN = "This file is built in an unusually complex way"


def stored_blobs(app: Flask) -> list[str]:
    root: Path = app.extensions["sipadu.settings"].blob_dir
    return [str(p) for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_report_with_a_pdf_bomb_is_refused_and_nothing_is_stored(ready: Ready) -> None:
    app = ready.app
    bomb = hostile.pdf_huge_array()
    reporter = app.test_client()
    refused = submit(
        reporter,
        reporter.get("/laporan"),
        "/laporan",
        fill=BASE_REPORT,
        files={"attachments": (bomb, "bukti.pdf")},
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert REFUSAL_ID in page and "bukti.pdf" in page
    assert BASE_REPORT["what"] in page  # what the reporter typed is kept
    assert KEY_RE.search(page) is None  # no case was made, so no key is shown
    with app.app_context():
        assert db_session().scalars(select(Case)).all() == []
        assert db_session().scalars(select(Attachment)).all() == []
    assert stored_blobs(app) == []
    reporter.set_cookie("sipadu_lang", "en")
    english = submit(
        reporter,
        reporter.get("/laporan"),
        "/laporan",
        fill=BASE_REPORT,
        files={"attachments": (bomb, "evidence.pdf")},
    )
    assert english.status_code == 422 and REFUSAL_EN in english.get_data(as_text=True)


def test_evidence_with_a_pdf_bomb_is_refused_and_nothing_is_stored(ready: Ready) -> None:
    app = ready.app
    reporter = app.test_client()
    filed = submit(reporter, reporter.get("/laporan"), "/laporan", fill=BASE_REPORT)
    key = KEY_RE.search(filed.get_data(as_text=True))
    assert key is not None
    case = submit(
        reporter,
        reporter.get("/kasus"),
        "/kasus",
        fill={"case_key": key.group(0)},
        follow_redirects=True,
    )
    blobs_before = stored_blobs(app)
    refused = submit(
        reporter,
        case,
        "/kasus/saya/bukti",
        files={"attachments": (hostile.pdf_huge_array(), "bukti.pdf")},
    )
    assert refused.status_code == 422
    assert REFUSAL_ID in refused.get_data(as_text=True)
    with app.app_context():
        assert db_session().scalars(select(Attachment)).all() == []
    assert stored_blobs(app) == blobs_before


def test_the_api_refuses_a_png_of_empty_chunks_in_its_json_shape(ready: Ready) -> None:
    app = ready.app
    answer = app.test_client().post(
        "/api/v1/reports",
        content_type="multipart/form-data",
        data={
            "report": json.dumps(BASE_REPORT),
            "attachments": [(io.BytesIO(hostile.png_empty_chunks(60 * 1024)), "foto.png")],
        },
    )
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["code"] == "files_refused" and error["message"].startswith(REFUSAL_ID)
    assert error["files"][0]["reason"] == "damaged"
    with app.app_context():
        assert db_session().scalars(select(Case)).all() == []
    assert stored_blobs(app) == []
