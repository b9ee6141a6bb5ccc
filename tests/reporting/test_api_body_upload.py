"""One file as the whole body of ``POST /api/v1/case/attachments`` (application/octet-stream):
stored cleaned and encrypted like a multipart file, and refused with nothing kept when it
breaks a rule."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from sipadu.app_context import current_settings
from sipadu.cases.models import Attachment
from sipadu.db import db_session
from sipadu.sessions.service import start_session
from tests.media.samples import jpeg_with_metadata
from tests.reporting.conftest import BASE_REPORT, Ready

PATH = "/api/v1/case/attachments"
OCTETS = "application/octet-stream"


def _filed(client: FlaskClient) -> dict[str, str]:
    response = client.post("/api/v1/reports", json=BASE_REPORT)
    assert response.status_code == 201
    body: dict[str, str] = response.get_json()
    return body


def _send(
    client: FlaskClient, key: str, body: bytes, *, name: str | None = "bukti.bin", **kwargs: Any
) -> Any:
    headers = {"Authorization": f"CaseKey {key}"}
    if name is not None:
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    headers.update(kwargs.pop("headers", {}))
    return client.post(PATH, data=body, content_type=OCTETS, headers=headers, **kwargs)


def _stored(ready: Ready) -> tuple[int, list[Path]]:
    """Attachment rows, and every file in the blob store (published or partial)."""
    with ready.app.app_context():
        rows = len(db_session().scalars(select(Attachment)).all())
        blobs = sorted(current_settings().blob_dir.iterdir())
    return rows, blobs


def _download(ready: Ready, code: str, attachment_id: str) -> bytes:
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
    response = ready.app.test_client().get(
        f"/api/v1/staff/cases/{code}/attachments/{attachment_id}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    data = response.get_data()
    # The length of what the cleaner kept, sent ahead so a cut-short download shows.
    assert response.headers["Content-Length"] == str(len(data))
    return data


def test_body_file_is_stored_encrypted_and_reads_back(ready: Ready) -> None:
    client = ready.app.test_client()
    filed = _filed(client)
    content = b"Notulen rapat anggaran. " * 2600  # 62,400 bytes, under the 64 KiB limit
    response = _send(
        client,
        filed["case_key"],
        content,
        name=None,
        headers={"Content-Disposition": "attachment; filename*=UTF-8''notulen%20r%C3%A4pat.txt"},
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["attachments"][0]["filename"] == "notulen räpat.txt"
    case = client.get("/api/v1/case", headers={"Authorization": f"CaseKey {filed['case_key']}"})
    listed = case.get_json()["attachments"]
    assert [(a["filename"], a["size"]) for a in listed] == [("notulen räpat.txt", len(content))]
    rows, blobs = _stored(ready)
    assert rows == 1 and len(blobs) == 1
    assert b"Notulen" not in blobs[0].read_bytes()  # ciphertext on disk
    assert _download(ready, filed["case_code"], listed[0]["id"]) == content


def test_body_picture_is_cleaned_like_a_form_file(ready: Ready) -> None:
    client = ready.app.test_client()
    filed = _filed(client)
    picture = jpeg_with_metadata()
    response = _send(client, filed["case_key"], picture, name="foto.jpg")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["attachments"][0]["cleaning"]
    listed = client.get(
        "/api/v1/case", headers={"Authorization": f"CaseKey {filed['case_key']}"}
    ).get_json()["attachments"]
    stored = _download(ready, filed["case_code"], listed[0]["id"])
    assert stored.startswith(b"\xff\xd8") and len(stored) < len(picture)
    assert b"Exif" not in stored


def test_body_without_a_name_is_refused_unread(ready: Ready) -> None:
    client = ready.app.test_client()
    filed = _filed(client)
    for name_header in (None, "attachment", 'attachment; filename=""'):
        headers = {} if name_header is None else {"Content-Disposition": name_header}
        response = _send(client, filed["case_key"], b"data", name=None, headers=headers)
        assert response.status_code == 422
        assert "filename" in response.get_json()["error"]["fields"]
    assert _stored(ready) == (0, [])


def test_body_over_the_limit_is_refused_before_reading(ready: Ready) -> None:
    """The reporting tests allow 64 KiB per file."""
    client = ready.app.test_client()
    filed = _filed(client)
    response = _send(client, filed["case_key"], b"x" * (64 * 1024 + 1))
    assert response.status_code == 413
    assert response.get_json()["error"]["files"][0]["reason"] == "too_large"
    assert _send(client, filed["case_key"], b"x" * (64 * 1024)).status_code == 201
    rows, blobs = _stored(ready)
    assert rows == 1 and len(blobs) == 1


def test_damaged_picture_in_the_body_stores_nothing(ready: Ready) -> None:
    client = ready.app.test_client()
    filed = _filed(client)
    response = _send(client, filed["case_key"], jpeg_with_metadata()[:200], name="foto.jpg")
    assert response.status_code == 422
    assert response.get_json()["error"]["files"][0]["reason"] == "damaged"
    assert _stored(ready) == (0, [])


def test_body_cut_short_or_without_length_stores_nothing(ready: Ready) -> None:
    client = ready.app.test_client()
    filed = _filed(client)
    headers = {
        "Authorization": f"CaseKey {filed['case_key']}",
        "Content-Disposition": 'attachment; filename="a.bin"',
    }
    short = client.post(
        PATH,
        input_stream=io.BytesIO(b"only part"),
        environ_overrides={"CONTENT_LENGTH": "5000"},
        content_type=OCTETS,
        headers=headers,
    )
    assert short.status_code == 422
    assert short.get_json()["error"]["files"][0]["reason"] == "incomplete"
    # A body without a length is a chunked one.
    unsized = client.post(
        PATH,
        input_stream=io.BytesIO(b"4\r\ndata\r\n0\r\n\r\n"),
        content_type=OCTETS,
        headers={**headers, "Transfer-Encoding": "chunked"},
    )
    assert unsized.status_code == 411, unsized.get_json()
    assert unsized.get_json()["error"]["code"] == "length_required"
    empty = _send(client, filed["case_key"], b"", environ_overrides={"CONTENT_LENGTH": "0"})
    assert empty.status_code == 422
    assert _stored(ready) == (0, [])


def test_body_with_a_wrong_key_is_refused_and_not_stored(ready: Ready) -> None:
    client = ready.app.test_client()
    filed = _filed(client)
    wrong = filed["case_key"][:-1] + ("0" if filed["case_key"][-1] != "0" else "1")
    assert _send(client, wrong, b"data").status_code == 401
    assert _stored(ready) == (0, [])


def test_openapi_documents_the_body_form(ready: Ready) -> None:
    doc = ready.app.test_client().get("/api/v1/openapi.json").get_json()
    operation = doc["paths"]["/case/attachments"]["post"]
    assert set(operation["requestBody"]["content"]) == {"multipart/form-data", OCTETS}
    assert "411" in operation["responses"]
    assert operation["parameters"][0]["name"] == "Content-Disposition"
