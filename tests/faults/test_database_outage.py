"""The database goes away mid-run: a clear bilingual 503 (JSON under /api/) with Retry-After,
nothing half-stored, and the same app answers normally again once the database is back."""

from __future__ import annotations

import io
import logging

import pytest
from flask import Flask

from tests.faults.conftest import database_outage, report_multipart, stored_state
from tests.reporting.conftest import BASE_REPORT, Ready, csrf_from

ID_TEXT = "Layanan tidak dapat menghubungi basis datanya"
EN_TEXT = "The service cannot reach its database"


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"CaseKey {key}"}


def test_outage_gives_503_then_recovers(ready: Ready, caplog: pytest.LogCaptureFixture) -> None:
    app: Flask = ready.app
    client = app.test_client()
    before = client.post("/api/v1/reports", data=report_multipart("Sebelum gangguan."),
                         content_type="multipart/form-data")
    assert before.status_code == 201
    key = before.get_json()["case_key"]
    hidden = csrf_from(client.get("/laporan"))
    state = stored_state(app)

    with caplog.at_level(logging.WARNING), database_outage(app):
        page = client.post("/laporan", content_type="multipart/form-data", data={
            **hidden, **BASE_REPORT, "attachments": [(io.BytesIO(b"x" * 5000), "a.txt")]})
        api = client.post("/api/v1/reports", data=report_multipart("Saat gangguan."),
                          content_type="multipart/form-data")
        case = client.get("/api/v1/case", headers=_auth(key))

    assert page.status_code == 503 and page.headers["Retry-After"].isdigit()
    html = page.get_data(as_text=True)
    assert ID_TEXT in html and EN_TEXT in html
    for response in (api, case):
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.headers["Retry-After"].isdigit()
        assert response.get_json()["error"]["code"] == "unavailable"
        assert EN_TEXT in response.get_json()["error"]["message"] or \
            ID_TEXT in response.get_json()["error"]["message"]
    # Nothing of the refused submissions was kept, and the log names types only.
    assert stored_state(app) == state
    assert "Saat gangguan" not in caplog.text and "127.0.0.1" not in caplog.text
    assert "database unavailable" in caplog.text

    # The database is back: the same app (same pool, same worker) answers by itself.
    assert client.get("/api/v1/case", headers=_auth(key)).status_code == 200
    after = client.post("/api/v1/reports", data=report_multipart("Setelah gangguan."),
                        content_type="multipart/form-data")
    assert after.status_code == 201
    cases, files, *_ = stored_state(app)
    assert (cases, files) == (state[0] + 1, state[1] + 1)
    _, _, _, referenced, on_disk = stored_state(app)
    assert referenced == on_disk
