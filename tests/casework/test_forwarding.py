"""Forwarding that hands off: the supervisor asks to forward a case through its page form (the
institution and its reference number), a second supervisor approves it (four eyes; the pairs
are in test_forward_four_eyes.py), the reporter reads where it went and that it waits,
the supervisor records the institution's outcome, which closes it. The reference stays
sealed, out of the audit log and away from the reporter; investigators and bad input are
refused with nothing stored."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from sipadu.cases.content import list_timeline
from sipadu.cases.statuses import Status
from sipadu.days import wib_today
from tests.casework.conftest import (
    Team,
    assign_directly,
    bearer,
    decide_forward,
    detail_of,
    events,
    make_case,
    press,
    set_status,
    web_client,
)
from tests.reporting.conftest import login
from tests.support import forms
from tests.support.csrf import csrf_token

W, A = "/petugas/kasus", "/api/v1/staff/cases"
REFERENCE = "LAPOR-2612-0042"


def _reporter_page(app: Flask, team: Team) -> str:
    """The reporter's own case page, opened with the case key."""
    reporter = app.test_client()
    assert login(reporter, team.created.case_key).status_code in (302, 303)
    return reporter.get("/kasus/saya").get_data(as_text=True)


def test_forward_then_record_the_outcome_through_the_page(
    app: Flask, db: Session, team: Team
) -> None:
    code, case = team.created.case.code, team.created.case
    set_status(db, team.created, "verifikasi")
    client = web_client(app, db, team.supervisor)
    # The general status menu no longer offers forwarding: it has its own form.
    first = client.get(f"{W}/{code}")
    assert "status-diteruskan" not in {f.tag.get("id") for f in forms.all_forms(first)}
    offered = forms.find_form(client.get(f"{W}/{code}"), f"{W}/{code}/teruskan")
    assert "lapor" in offered.choices("destination")
    sent = press(
        client,
        code,
        "/teruskan",
        fill={"destination": "lapor", "reference": REFERENCE, "reason": "Keluhan layanan."},
    )
    assert sent.status_code == 303
    db.refresh(case)
    # Asked, not done: nothing changes for the reporter until a second supervisor approves.
    assert (case.status, case.forwarded_to, case.forward_reference_sealed) == (
        "verifikasi",
        None,
        None,
    )
    assert "Diteruskan" not in _reporter_page(app, team)
    assert events(db, "case:status_changed", code) == []
    assert decide_forward(app, db, team.created).status_code == 303
    db.refresh(case)
    assert (case.status, case.forwarded_to, case.closed_on) == ("diteruskan", "lapor", None)
    assert case.forward_reference_sealed and REFERENCE.encode() not in case.forward_reference_sealed
    assert case.decided_on == wib_today()
    page = client.get(f"{W}/{code}").get_data(as_text=True)
    assert REFERENCE in page  # staff read it
    mine = _reporter_page(app, team)
    assert "Diteruskan ke Pengaduan pelayanan publik (CRM / SP4N-LAPOR!), menunggu hasil" in mine
    assert REFERENCE not in mine and "Keluhan layanan." in mine
    assert 'name="objection"' in mine  # the reporter may object once to the forwarding
    texts = [t.text or "" for t in list_timeline(db, case, team.created.dek)]
    assert not any(REFERENCE in text for text in texts)  # the reporter's timeline
    ids = {f.tag.get("id") for f in forms.all_forms(client.get(f"{W}/{code}"))}
    assert "status-diteruskan" not in ids

    done = press(
        client,
        code,
        "/hasil-penerusan",
        fill={"forward_result": "ditangani", "message": "Sudah ditindaklanjuti Dinas."},
        follow_redirects=True,
    )
    # Recording the outcome closes the case: asked first, on the confirmation page.
    assert done.request.path == f"{W}/{code}/tutup"
    done = forms.submit(client, done, "confirm-form", button="decision.confirm")
    assert done.status_code == 303
    db.refresh(case)
    assert (case.status, case.forward_result, case.closed_on) == (
        "selesai",
        "ditangani",
        wib_today(),
    )
    last = list_timeline(db, case, team.created.dek)[-1]
    assert last.text is not None and "Ditangani" in last.text and "Dinas." in last.text
    mine = _reporter_page(app, team)
    assert "Instansi penerima laporan Anda telah memberikan jawaban" in mine
    assert "Sudah ditindaklanjuti Dinas." in mine and REFERENCE not in mine
    changes = [detail_of(e) for e in events(db, "case:status_changed", code)]
    assert changes[-2:] == [
        {"from": "verifikasi", "to": "diteruskan", "destination": "lapor"},
        {"from": "diteruskan", "to": "selesai", "forward_result": "ditangani"},
    ]
    assert all(REFERENCE not in e.detail for e in events(db, "case:status_changed", code))


def test_bad_input_and_the_wrong_people_are_refused(app: Flask, db: Session, team: Team) -> None:
    code, case = team.created.case.code, team.created.case
    set_status(db, team.created, "verifikasi")
    client = web_client(app, db, team.supervisor)
    bad = press(
        client,
        code,
        "/teruskan",
        fill={"destination": "kpk", "reference": "<b>Budi 0812</b>", "reason": "x"},
        follow_redirects=True,
    )
    assert bad.status_code == 422
    assert "nomor referensi" in bad.get_data(as_text=True).lower()
    token = csrf_token(client, f"{W}/{code}")
    # The outcome of a case that was never forwarded: the workflow refuses it.
    early = client.post(
        f"{W}/{code}/hasil-penerusan",
        data={"csrf_token": token, "forward_result": "ditangani"},
        follow_redirects=True,
    )
    assert early.status_code == 409
    assign_directly(db, team.created, team.investigator)
    investigator = web_client(app, db, team.investigator)
    inv_token = csrf_token(investigator, f"{W}/{code}")
    forged = investigator.post(
        f"{W}/{code}/teruskan",
        data={"csrf_token": inv_token, "destination": "kpk", "reference": "A1", "reason": "x"},
    )
    assert forged.status_code == 403
    db.refresh(case)
    assert (case.status, case.forwarded_to, case.forward_reference_sealed) == (
        "verifikasi",
        None,
        None,
    )
    assert events(db, "case:status_changed", code) == []
    assert events(db, "case:forward_requested", code) == []  # nor was anyone asked


def test_the_api_forwards_shows_the_reference_to_staff_and_records_the_outcome(
    app: Flask, db: Session, team: Team
) -> None:
    code, headers = team.created.case.code, bearer(db, team.supervisor)
    client = app.test_client()
    set_status(db, team.created, "verifikasi")
    body = {"status": "diteruskan", "destination": "kpk", "reference": "R-7/KPK", "reason": "x"}
    asked = client.post(f"{A}/{code}/status", headers=headers, json=body)
    # Four eyes: 202 with the pending request; the status stays until it is approved.
    assert asked.status_code == 202
    answer = asked.get_json()
    assert answer["status"] == "verifikasi" and answer["forward_request"]["state"] == "pending"
    assert "R-7/KPK" not in asked.get_data(as_text=True)
    assert client.get(f"{A}/{code}", headers=headers).get_json()["forwarding"] is None
    assert decide_forward(app, db, team.created).status_code == 303
    shown = client.get(f"{A}/{code}", headers=headers).get_json()
    assert shown["forwarding"] == {
        "destination": "kpk",
        "reference": "R-7/KPK",
        "reference_verified": True,
        "result": None,
    }
    assert "diarsipkan" not in shown["allowed_statuses"]  # the outcome comes first
    closed = client.post(
        f"{A}/{code}/status",
        headers=headers,
        json={
            "status": "selesai",
            "forward_result": "tidak_ditangani",
            "reason": "KPK tidak menanganinya; kami periksa sendiri.",
        },
    )
    assert closed.status_code == 200
    shown = client.get(f"{A}/{code}", headers=headers).get_json()
    assert shown["status"] == "selesai" and shown["forwarding"]["result"] == "tidak_ditangani"
    # Reopened: back in the Inspektorat's hands, the institution's outcome no longer stands.
    reopened = client.post(
        f"{A}/{code}/status", headers=headers, json={"status": "verifikasi", "reason": "Kembali."}
    )
    assert reopened.status_code == 200
    db.refresh(team.created.case)
    assert team.created.case.forward_result is None
    assert team.created.case.status == Status.VERIFIKASI


def test_a_reference_moved_from_another_case_does_not_open(
    app: Flask, db: Session, team: Team
) -> None:
    """A database writer who copies another case's sealed reference (or alters it) gets
    "could not be verified", not that case's number and not an error page."""
    code, headers, client = team.created.case.code, bearer(db, team.supervisor), app.test_client()
    set_status(db, team.created, "verifikasi")
    body = {"status": "diteruskan", "destination": "bkd", "reference": "BKD-9", "reason": "x"}
    assert client.post(f"{A}/{code}/status", headers=headers, json=body).status_code == 202
    assert decide_forward(app, db, team.created).status_code == 303
    other = make_case(app, db)
    db.refresh(team.created.case)
    other.case.status, other.case.forwarded_to = Status.DITERUSKAN, team.created.case.forwarded_to
    other.case.forward_reference_sealed = team.created.case.forward_reference_sealed
    db.commit()
    shown = client.get(f"{A}/{other.case.code}", headers=headers).get_json()
    assert shown["forwarding"]["reference"] is None
    assert shown["forwarding"]["reference_verified"] is False
    page = web_client(app, db, team.supervisor).get(f"{W}/{other.case.code}")
    assert page.status_code == 200 and "BKD-9" not in page.get_data(as_text=True)


def test_a_supervisor_corrects_a_mistyped_reference_sealed_and_unlogged(
    app: Flask, db: Session, team: Team, caplog: pytest.LogCaptureFixture
) -> None:
    from sipadu.casework.access import OpenCase
    from sipadu.casework.forwarding import read_forward_reference

    code, case = team.created.case.code, team.created.case
    set_status(db, team.created, "verifikasi")
    client = web_client(app, db, team.supervisor)
    typo, fixed = "LAPOR-2612-0O42", REFERENCE
    fill = {"destination": "lapor", "reference": typo, "reason": "Keluhan layanan."}
    assert press(client, code, "/teruskan", fill=fill).status_code == 303
    assert decide_forward(app, db, team.created).status_code == 303
    page = client.get(f"{W}/{code}")
    offered = forms.find_form(page, "correct-reference")
    assert offered.controls[1].value == typo  # the current reference, to fix in place
    bad = forms.submit(
        client, page, "correct-reference", fill={"reference": "Budi 0812"}, follow_redirects=True
    )
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="c-reference-error"' in text
    assert 'value="Budi 0812"' in text  # kept as typed, marked beside the field
    caplog.clear()
    done = forms.submit(client, bad, "correct-reference", fill={"reference": fixed})
    assert done.status_code == 303
    db.refresh(case)
    assert read_forward_reference(OpenCase(case, team.created.dek, "test")) == fixed
    assert fixed.encode() not in (case.forward_reference_sealed or b"")
    corrected = events(db, "case:forward_reference_corrected", code)
    assert len(corrected) == 1 and fixed not in (corrected[0].detail or "")
    assert typo not in caplog.text and fixed not in caplog.text
    assert fixed not in _reporter_page(app, team)
    # Investigators cannot, and an archived case's reference is final.
    assign_directly(db, team.created, team.investigator)
    worker = web_client(app, db, team.investigator)
    assert 'id="correct-reference"' not in worker.get(f"{W}/{code}").get_data(as_text=True)
    token = csrf_token(worker, f"{W}/{code}")
    refused = worker.post(
        f"{W}/{code}/rujukan-penerusan", data={"csrf_token": token, "reference": "X-1"}
    )
    assert refused.status_code == 403
    set_status(db, team.created, "selesai", closed_on=wib_today())
    set_status(db, team.created, "diarsipkan")
    token = csrf_token(client, f"{W}/{code}")
    late = client.post(
        f"{W}/{code}/rujukan-penerusan",
        data={"csrf_token": token, "reference": "X-2"},
        follow_redirects=True,
    )
    assert late.status_code == 409
    db.refresh(case)
    assert read_forward_reference(OpenCase(case, team.created.dek, "test")) == fixed
