"""Control characters a report carries (a NUL, an escape sequence) never come back in a page
nor reach the database: the fields are stripped of them, and a refused form shows what was
typed without them. Invalid UTF-8 arrives as replacement characters."""

from __future__ import annotations

import io

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.reporting.conftest import (
    BASE_REPORT,
    Ready,
    case_key_of,
    login,
    post_case_form,
    submit,
)
from tests.support.csrf import hidden_fields

CONTROLS = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f"
WHAT = f"Petugas{CONTROLS} meminta\x00 uang\x1b[31m tambahan.\tDi loket."
CLEAN_WHAT = "Petugas meminta uang[31m tambahan.\tDi loket."


def no_controls(response: TestResponse) -> str:
    page = response.get_data(as_text=True)
    assert not any(c in page for c in CONTROLS), "a control character reached the page"
    return page


def test_a_refused_form_shows_the_text_again_without_controls(ready: Ready) -> None:
    client = ready.app.test_client()
    refused = submit(client, {**BASE_REPORT, "what": WHAT, "amount": "abc\x00"})
    assert refused.status_code == 422
    assert CLEAN_WHAT in no_controls(refused)


def test_a_report_and_a_reply_with_controls_are_stored_without_them(ready: Ready) -> None:
    client = ready.app.test_client()
    filed = submit(client, {**BASE_REPORT, "what": WHAT, "who": "Kepala\x00 loket"})
    assert filed.status_code == 201
    assert login(client, case_key_of(filed)).status_code == 303
    replied = post_case_form(client, "/kasus/saya/pesan", {"body": f"Tanggal{CONTROLS} 3."})
    assert replied.status_code == 303
    page = no_controls(client.get("/kasus/saya"))
    assert CLEAN_WHAT in page and "Kepala loket" in page and "Tanggal 3." in page


def forge_raw_report(client: FlaskClient, what: bytes) -> TestResponse:
    """Post the form with bytes no browser sends from the page: invalid UTF-8."""
    fields = {**hidden_fields(client.get("/laporan")), "category": BASE_REPORT["category"]}
    boundary = "sipadu-raw-boundary"
    body = io.BytesIO()
    for name, value in [*((n, v.encode()) for n, v in fields.items()), ("what", what)]:
        body.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        )
        body.write(value + b"\r\n")
    body.write(f"--{boundary}--\r\n".encode())
    return client.post(
        "/laporan",
        data=body.getvalue(),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_invalid_utf8_is_stored_as_replacement_characters(ready: Ready) -> None:
    client = ready.app.test_client()
    filed = forge_raw_report(client, b"Uang \xff\xfe\x00 diminta.")
    assert filed.status_code == 201
    assert login(client, case_key_of(filed)).status_code == 303
    assert "Uang \ufffd\ufffd diminta." in no_controls(client.get("/kasus/saya"))
