"""Property tests: arbitrary values in every form of the reporter journey, with a valid CSRF
token. Whatever arrives (any unicode, control characters, NUL, values far over the limits,
bytes that are not UTF-8, repeated fields, unexpected fields) the answer is never a 5xx, and a
refused submission stores nothing: no case, message, timeline entry, file or identity.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from sipadu.cases.models import Case
from sipadu.cases.statuses import Status
from sipadu.days import wib_today
from sipadu.db import db_session
from sipadu.reporting.forms import HONEYPOT_FIELD, IDENTITY_FIELDS, REPORT_TEXT_FIELDS
from tests.fuzz.conftest import Credentials
from tests.fuzz.forms import Counts, counts, form_strategy, post_form
from tests.support.csrf import csrf_token

EXAMPLES = 30
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
REPORT_FIELDS = [
    "category",
    *(f.name for f in REPORT_TEXT_FIELDS),
    *(f.name for f in IDENTITY_FIELDS),
    HONEYPOT_FIELD,
    "form_id",
]
VALID_REPORT = {"category": "pungli", "what": "Petugas meminta uang tambahan."}


def _signed_in(app: Flask, case_key: str) -> FlaskClient:
    client = app.test_client()
    response = client.post(
        "/kasus", data={"csrf_token": csrf_token(client, "/kasus"), "case_key": case_key}
    )
    assert response.status_code == 303
    return client


def _unchanged_unless(status: int, ok: int, before: Counts, after: Counts) -> None:
    assert status < 500, f"server error {status}"
    if status != ok:
        assert after == before, f"refused with {status} but something was stored"


@FUZZ
@given(fields=form_strategy(REPORT_FIELDS, VALID_REPORT))
def test_new_report_form(
    fuzz_app: Flask, credentials: Credentials, fields: dict[str, list[bytes]]
) -> None:
    client = fuzz_app.test_client()
    before = counts(fuzz_app)
    status = post_form(client, "/laporan", csrf_token(client, "/laporan"), fields)
    after = counts(fuzz_app)
    _unchanged_unless(status, 201, before, after)
    if status == 201:  # accepted: exactly one case, no message, no file
        assert (after.cases, after.messages, after.attachments) == (
            before.cases + 1,
            before.messages,
            before.attachments,
        )


@FUZZ
@given(data=st.data())
def test_case_key_form(fuzz_app: Flask, credentials: Credentials, data: st.DataObject) -> None:
    fields = data.draw(form_strategy(["case_key"], {"case_key": credentials.case_key}))
    client = fuzz_app.test_client()
    before = counts(fuzz_app)
    status = post_form(client, "/kasus", csrf_token(client, "/kasus"), fields)
    assert status < 500
    assert status in (303, 400, 401, 429)
    assert counts(fuzz_app) == before  # signing in stores no content, right key or not


@FUZZ
@given(data=st.data())
def test_key_copy_form(fuzz_app: Flask, credentials: Credentials, data: st.DataObject) -> None:
    fields = data.draw(form_strategy(["case_key", "format"], {"case_key": credentials.case_key}))
    client = fuzz_app.test_client()
    before = counts(fuzz_app)
    status = post_form(client, "/laporan/kunci", csrf_token(client, "/laporan"), fields)
    assert status in (200, 400)
    assert counts(fuzz_app) == before


@dataclass(frozen=True)
class CaseForm:
    """A form on the reporter's case page and what an accepted post adds."""

    path: str
    names: tuple[str, ...]
    ok: int
    base: dict[str, str]


CASE_FORMS = [
    CaseForm("/kasus/saya/pesan", ("body",), 303, {"body": "Ada tambahan."}),
    CaseForm(
        "/kasus/saya/identitas",
        tuple(f.name for f in IDENTITY_FIELDS),
        303,
        {"identity_name": "Saksi"},
    ),
    CaseForm("/kasus/saya/keberatan", ("objection",), 303, {"objection": "Belum diperiksa."}),
    CaseForm("/kasus/saya/bukti", ("form_id", "attachments"), 303, {}),
]


@pytest.mark.parametrize("form", CASE_FORMS, ids=lambda form: form.path)
def test_case_page_forms(fuzz_app: Flask, credentials: Credentials, form: CaseForm) -> None:
    client = _signed_in(fuzz_app, credentials.case_key)
    if form.path.endswith("keberatan"):
        _close(fuzz_app, credentials.case_code)  # an objection needs a closed case
    csrf = csrf_token(client, "/kasus/saya")

    @FUZZ
    @given(fields=form_strategy(form.names, form.base))
    def run(fields: dict[str, list[bytes]]) -> None:
        before = counts(fuzz_app)
        status = post_form(client, form.path, csrf, fields)
        _unchanged_unless(status, form.ok, before, counts(fuzz_app))

    run()
    # Still signed in and the page renders; a blank reply of the last example is shown once
    # as a refusal (422), then the page is plain again.
    assert client.get("/kasus/saya").status_code in (200, 422)
    assert client.get("/kasus/saya").status_code == 200


def _close(app: Flask, code: str) -> None:
    with app.app_context():
        db = db_session()
        case = db.scalars(select(Case).where(Case.code == code)).one()
        case.status, case.closed_on = Status.TIDAK_DAPAT_DITINDAKLANJUTI, wib_today()
        db.commit()
