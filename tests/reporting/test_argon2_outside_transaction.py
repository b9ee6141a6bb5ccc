"""Case-key Argon2id work and incoming files never run inside a database transaction.

On SQLite every transaction takes the write lock at BEGIN, so a derivation inside one (a
quarter of a second or more) would stall every other request on the instance; a flood of
wrong keys would then stall every reporter. Each test replaces the derivation with one that
looks at the request's session and, on SQLite, tries to take the write lock from another
connection while the derivation runs.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from sipadu.crypto import casekey
from sipadu.db import db_session
from sipadu.uploads.multipart import EncryptedUpload
from tests.reporting.conftest import (
    BASE_REPORT,
    Ready,
    case_key_of,
    login,
    post_case_form,
    submit,
)
from tests.support.argon2probe import write_lock_free


class DerivationProbe:
    """Wraps ``derive_case_key_material``; records what was open while it ran."""

    def __init__(self, app: Flask, real: Callable[..., Any]) -> None:
        self.app, self.real = app, real
        self.in_transaction: list[bool] = []
        self.lock_free: list[bool] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.in_transaction.append(db_session().in_transaction())
        url = self.app.extensions["sipadu.engine"].url
        if url.get_backend_name() == "sqlite":
            self.lock_free.append(write_lock_free(str(url.database)))
        return self.real(*args, **kwargs)

    def reset(self) -> None:
        self.in_transaction.clear()
        self.lock_free.clear()

    def assert_clear(self) -> None:
        assert self.in_transaction, "the derivation was never called"
        assert not any(self.in_transaction), "Argon2id ran inside a transaction"
        assert all(self.lock_free), "another writer was locked out during Argon2id"


@pytest.fixture
def probe(ready: Ready, monkeypatch: pytest.MonkeyPatch) -> Iterator[DerivationProbe]:
    wrapper = DerivationProbe(ready.app, casekey.derive_case_key_material)
    monkeypatch.setattr(casekey, "derive_case_key_material", wrapper)
    yield wrapper


def _api_report(ready: Ready) -> dict[str, str]:
    response = ready.app.test_client().post("/api/v1/reports", json=BASE_REPORT)
    assert response.status_code == 201
    body: dict[str, str] = response.get_json()
    return body


def test_api_submission_derives_outside_the_transaction(
    ready: Ready, probe: DerivationProbe
) -> None:
    _api_report(ready)
    probe.assert_clear()


def test_form_submission_derives_outside_the_transaction(
    ready: Ready, probe: DerivationProbe
) -> None:
    page = submit(ready.app.test_client(), files=[(b"bukti tertulis", "bukti.txt")])
    assert page.status_code == 201
    case_key_of(page)
    probe.assert_clear()


@pytest.mark.parametrize("variant", ["right", "wrong", "unknown"])
def test_api_key_check_derives_outside_the_transaction(
    ready: Ready, probe: DerivationProbe, variant: str
) -> None:
    key = _api_report(ready)["case_key"]
    probe.reset()
    if variant != "right":
        other = casekey.format_case_key(
            casekey.generate_case_key(
                None if variant == "unknown" else key.split("-")[0] + "-" + key.split("-")[1]
            )
        )
        key = other
    response = ready.app.test_client().get(
        "/api/v1/case", headers={"Authorization": f"CaseKey {key}"}
    )
    assert response.status_code == (200 if variant == "right" else 401)
    probe.assert_clear()


def test_web_key_login_derives_outside_the_transaction(
    ready: Ready, probe: DerivationProbe
) -> None:
    key = _api_report(ready)["case_key"]
    probe.reset()
    response = login(ready.app.test_client(), key)
    assert response.status_code == 303
    probe.assert_clear()


class StreamProbe:
    """Wraps ``EncryptedUpload.write``: what was open while a file streamed in."""

    def __init__(self, app: Flask, real: Callable[..., int]) -> None:
        self.app, self.real = app, real
        self.open: list[bool] = []

    def __call__(self, upload: EncryptedUpload, data: bytes) -> int:
        if not self.open or upload is not getattr(self, "_last", None):
            self._last = upload
            url = self.app.extensions["sipadu.engine"].url
            locked = url.get_backend_name() == "sqlite" and not write_lock_free(str(url.database))
            self.open.append(db_session().in_transaction() or locked)
        return self.real(upload, data)


@pytest.fixture
def streaming(ready: Ready, monkeypatch: pytest.MonkeyPatch) -> StreamProbe:
    probe = StreamProbe(ready.app, EncryptedUpload.write)

    def write(upload: EncryptedUpload, data: bytes) -> int:
        return probe(upload, data)

    monkeypatch.setattr(EncryptedUpload, "write", write)
    return probe


def test_no_transaction_while_files_stream_in(ready: Ready, streaming: StreamProbe) -> None:
    """A big file takes minutes to arrive; no other writer may wait for it meanwhile."""
    client = ready.app.test_client()
    assert submit(client, files=[(b"bukti tertulis", "bukti.txt")]).status_code == 201
    key = _api_report(ready)["case_key"]
    auth = {"Authorization": f"CaseKey {key}"}
    multipart = client.post(
        "/api/v1/case/attachments",
        headers=auth,
        data={"attachments": [(io.BytesIO(b"dokumen"), "a.txt")]},
        content_type="multipart/form-data",
    )
    body = client.post(
        "/api/v1/case/attachments",
        data=b"dokumen kedua",
        content_type="application/octet-stream",
        headers={**auth, "Content-Disposition": 'attachment; filename="b.txt"'},
    )
    browser = ready.app.test_client()
    assert login(browser, key).status_code == 303
    evidence = post_case_form(browser, "/kasus/saya/bukti", files=[(b"foto", "c.txt")])
    assert (multipart.status_code, body.status_code) == (201, 201)
    assert evidence.status_code == 303
    assert len(streaming.open) == 4
    assert not any(streaming.open), "a transaction was open while a file streamed in"
