"""Every workflow transition through the API (allowed, 409, 403, 422), a sample through the
pages, the case dates each one sets, the reporter's timeline and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from sipadu.cases.content import add_timeline_entry, list_timeline
from sipadu.cases.statuses import CLOSED, Status
from sipadu.cases.workflow import RULES
from sipadu.days import wib_today
from tests.casework.conftest import (
    Team,
    assign_directly,
    bearer,
    decide_forward,
    detail_of,
    events,
    press,
    second_supervisor,
    set_status,
    web_client,
)
from tests.support import forms
from tests.support.csrf import csrf_token

W, A = "/petugas/kasus", "/api/v1/staff/cases"
COMPLETE = {
    "reason": "Alasan untuk pelapor.",
    "outcome": "terbukti",
    "destination": "kpk",
    "reference": "R-12/KPK/2026",
    "forward_result": "ditangani",
}


def _put(db: Session, team: Team, status: Status) -> None:
    closed = wib_today() if status in CLOSED else None
    set_status(
        db,
        team.created,
        status.value,
        closed_on=closed,
        acknowledged_on=None,
        decided_on=None,
        archived_on=None,
        retention_until=None,
        outcome=None,
    )


def _expected(source: Status, target: Status, role: str) -> int:
    rule = RULES.get((source, target))
    if rule is None:
        return 409
    if role not in rule.roles:
        return 403
    # Forwarding waits for a second supervisor: 202 with the pending request.
    return 202 if target is Status.DITERUSKAN else 200


@pytest.mark.parametrize("role", ["supervisor", "investigator"])
def test_every_transition_through_the_api(app: Flask, db: Session, team: Team, role: str) -> None:
    member = team.supervisor if role == "supervisor" else team.investigator
    assign_directly(db, team.created, team.investigator)
    headers = bearer(db, member)
    client = app.test_client()
    approver = second_supervisor(app, db, team.created)
    failures = []
    for source in Status:
        for target in Status:
            _put(db, team, source)
            response = client.post(
                f"{A}/{team.created.case.code}/status",
                headers=headers,
                json={"status": target.value, **COMPLETE},
            )
            want = _expected(source, target, role)
            if response.status_code != want:
                failures.append(f"{source}->{target}: {response.status_code} != {want}")
            elif want == 202:
                answer = response.get_json()
                assert answer["status"] == source.value
                assert answer["forward_request"]["state"] == "pending"
                assert decide_forward(app, db, team.created, approver).status_code == 303
                db.refresh(team.created.case)
                assert team.created.case.status == target.value
            elif want != 200:
                assert response.get_json()["error"]["message"]
            else:
                assert response.get_json()["status"] == target.value
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("source", "target", "body", "field"),
    [
        ("verifikasi", "tidak_dapat_ditindaklanjuti", {}, "reason"),
        ("verifikasi", "perlu_dilengkapi", {"reason": "   "}, "reason"),
        ("verifikasi", "diteruskan", {"reason": "Di luar kewenangan."}, "destination"),
        ("verifikasi", "diteruskan", {"reason": "x", "destination": "kpk"}, "reference"),
        (
            "verifikasi",
            "diteruskan",
            {"reason": "x", "destination": "kpk", "reference": "a b!"},
            "reference",
        ),
        ("diteruskan", "selesai", {"reason": "Sudah ditangani."}, "forward_result"),
        ("investigasi", "selesai", {"reason": "Kesimpulan."}, "outcome"),
        ("investigasi", "selesai", {"outcome": "terbukti"}, "reason"),
        ("selesai", "verifikasi", {}, "reason"),
    ],
)
def test_incomplete_transitions_answer_422(
    app: Flask, db: Session, team: Team, source: str, target: str, body: dict[str, str], field: str
) -> None:
    _put(db, team, Status(source))
    response = app.test_client().post(
        f"{A}/{team.created.case.code}/status",
        headers=bearer(db, team.supervisor),
        json={"status": target, **body},
    )
    assert response.status_code == 422, field
    assert response.get_json()["error"]["code"] == "invalid"
    db.refresh(team.created.case)
    assert team.created.case.status == source


def test_web_status_changes_and_their_errors(app: Flask, db: Session, team: Team) -> None:
    code = team.created.case.code
    client = web_client(app, db, team.supervisor)
    token = csrf_token(client, f"{W}/{code}")

    def post(**data: str) -> int:
        """A forged status form (values the page does not offer)."""
        answer = client.post(f"{W}/{code}/status", data={"csrf_token": token, **data})
        assert answer.status_code == 303  # refused: back to the case page, which says why
        return client.get(answer.location).status_code

    assert post(status="selesai") == 409
    first = forms.find_form(client.get(f"{W}/{code}"), "status-verifikasi")
    assert first.names() == {"csrf_token", "status"}  # this step needs nothing else
    assert press(client, code, "status-verifikasi").status_code == 303
    page = press(client, code, "status-tidak_dapat_ditindaklanjuti", follow_redirects=True)
    assert page.status_code == 422
    assert "alasan" in page.get_data(as_text=True).lower()
    # Refused for a malformed reference: what was typed is still in the forwarding form.
    forwarded = press(
        client,
        code,
        "/teruskan",
        fill={"destination": "ombudsman", "reference": "a b!", "reason": "Di luar kewenangan."},
        follow_redirects=True,
    )
    assert forwarded.status_code == 422
    again = forms.find_form(forwarded, f"{W}/{code}/teruskan")
    destination = next(c for c in again.controls if c.name == "destination")
    assert [v for v, selected in destination.options if selected] == ["ombudsman"]
    reason = [c.value for c in again.controls if c.name == "reason"]
    assert reason == ["Di luar kewenangan."] and "outcome" not in again.names()
    typed = press(
        client,
        code,
        "status-perlu_dilengkapi",
        fill={"reason": "x" * 20_001},
        follow_redirects=True,
    )
    assert typed.status_code == 422
    kept = forms.find_form(typed, "status-perlu_dilengkapi")
    assert [c.value for c in kept.controls if c.name == "reason"] == ["x" * 20_001]
    assert post(status="bogus") == 409
    assign_directly(db, team.created, team.investigator)
    investigator = web_client(app, db, team.investigator)
    # The investigator's page offers no step a supervisor decides; a forged one is refused.
    offered = forms.all_forms(investigator.get(f"{W}/{code}"))
    assert "status-perlu_dilengkapi" in {f.tag.get("id") for f in offered}
    assert "status-investigasi" not in {f.tag.get("id") for f in offered}
    inv_token = csrf_token(investigator, f"{W}/{code}")
    refused = investigator.post(
        f"{W}/{code}/status",
        data={"csrf_token": inv_token, "status": "investigasi"},
        follow_redirects=True,
    )
    assert refused.status_code == 403
    db.refresh(team.created.case)
    assert team.created.case.status == "verifikasi"


def test_dates_timeline_and_audit_along_a_full_path(app: Flask, db: Session, team: Team) -> None:
    code, case, dek = team.created.case.code, team.created.case, team.created.dek
    client, headers = app.test_client(), bearer(db, team.supervisor)
    today = wib_today()
    steps = [
        ("verifikasi", {}),
        ("investigasi", {}),
        ("selesai", {"outcome": "tidak_terbukti", "reason": "Tidak cukup bukti."}),
        ("diarsipkan", {}),
    ]
    for status, extra in steps:
        response = client.post(
            f"{A}/{code}/status", headers=headers, json={"status": status, **extra}
        )
        assert response.status_code == 200, response.get_json()
    db.refresh(case)
    assert (case.acknowledged_on, case.decided_on, case.closed_on, case.archived_on) == (
        today,
        today,
        today,
        today,
    )
    assert case.retention_until == today + timedelta(days=365)
    assert case.outcome == "tidak_terbukti" and case.last_feedback_on == today
    timeline = list_timeline(db, case, dek)
    assert [t.status for t in timeline] == [
        "diterima",
        "verifikasi",
        "investigasi",
        "selesai",
        "diarsipkan",
    ]
    assert timeline[3].text == "Tidak cukup bukti."
    changes = [detail_of(e) for e in events(db, "case:status_changed", code)]
    assert changes[0] == {"from": "diterima", "to": "verifikasi"}
    assert changes[2] == {"from": "investigasi", "to": "selesai", "outcome": "tidak_terbukti"}
    assert all(
        e.actor == f"staff:{team.supervisor.account.id}"
        for e in events(db, "case:status_changed", code)
    )


def test_forwarding_tells_the_reporter_where(app: Flask, db: Session, team: Team) -> None:
    _put(db, team, Status.VERIFIKASI)
    response = app.test_client().post(
        f"{A}/{team.created.case.code}/status",
        headers=bearer(db, team.supervisor),
        json={
            "status": "diteruskan",
            "destination": "ombudsman",
            "reference": "ORI-0042/XII/2026",
            "reason": "Pelayanan publik.",
        },
    )
    assert response.status_code == 202
    # Nothing for the reporter until a second supervisor approves.
    assert not any(
        "Ombudsman" in (t.text or "")
        for t in list_timeline(db, team.created.case, team.created.dek)
    )
    approver = second_supervisor(app, db, team.created)
    assert decide_forward(app, db, team.created, approver).status_code == 303
    last = list_timeline(db, team.created.case, team.created.dek)[-1]
    assert last.text is not None and "Ombudsman" in last.text and "Pelayanan publik." in last.text
    # The reference is the other institution's file: staff only, never the audit log.
    assert "ORI-0042" not in last.text
    assert detail_of(events(db, "case:status_changed")[-1]) == {
        "from": "verifikasi",
        "to": "diteruskan",
        "destination": "ombudsman",
    }


def test_objection_blocks_archiving_until_answered_and_can_reopen(
    app: Flask, db: Session, team: Team
) -> None:
    code, case, dek = team.created.case.code, team.created.case, team.created.dek
    set_status(
        db, team.created, "selesai", closed_on=wib_today(), outcome="terbukti", objection_used=True
    )
    add_timeline_entry(db, case, dek, kind="objection", text="Saya keberatan, ada bukti baru.")
    db.commit()
    client = web_client(app, db, team.supervisor)
    page = client.get(f"{W}/{code}").get_data(as_text=True)
    assert "Saya keberatan, ada bukti baru." in page
    token = csrf_token(client, f"{W}/{code}")
    # The page does not offer archiving while the objection waits; a forged form is refused.
    offered = {f.tag.get("id") for f in forms.all_forms(client.get(f"{W}/{code}"))}
    assert "status-diarsipkan" not in offered and "status-investigasi" in offered
    archive = client.post(f"{W}/{code}/arsip", data={"csrf_token": token}, follow_redirects=True)
    assert archive.status_code == 409
    empty = press(client, code, "/keberatan", fill={"answer": ""}, follow_redirects=True)
    assert empty.status_code == 422
    answered = press(
        client,
        code,
        "/keberatan",
        fill={"answer": "Kami periksa kembali.", "reopen_to": "investigasi"},
    )
    assert answered.status_code == 303
    db.refresh(case)
    assert case.status == "investigasi" and case.outcome is None
    kinds = [(t.kind, t.text) for t in list_timeline(db, case, dek)][-2:]
    assert kinds == [("objection_answer", "Kami periksa kembali."), ("status", None)]
    assert detail_of(events(db, "objection:answered", code)[0]) == {"reopened_to": "investigasi"}
    again = client.post(
        f"{W}/{code}/keberatan",
        data={"csrf_token": token, "answer": "Lagi."},
        follow_redirects=True,
    )
    assert again.status_code == 409


def test_archiving_asks_first_saying_it_is_final_and_starts_retention(
    app: Flask, db: Session, team: Team
) -> None:
    code, case = team.created.case.code, team.created.case
    set_status(db, team.created, "selesai", closed_on=wib_today(), outcome="terbukti")
    client = web_client(app, db, team.supervisor)
    # The case page's archive button only opens the confirmation page.
    assert f'href="{W}/{code}/arsip"' in client.get(f"{W}/{code}").get_data(as_text=True)
    asked = client.get(f"{W}/{code}/arsip")
    assert asked.status_code == 200
    text = asked.get_data(as_text=True)
    assert "tidak dapat dibatalkan" in text and "masa simpan" in text.lower() and "365" in text
    db.refresh(case)
    assert case.status == "selesai" and case.archived_on is None
    # A status form sent straight to archive (an old page, a forged form) is asked too.
    token = csrf_token(client, f"{W}/{code}")
    forged = client.post(f"{W}/{code}/status", data={"csrf_token": token, "status": "diarsipkan"})
    assert forged.status_code == 303 and forged.headers["Location"].endswith(f"/{code}/arsip")
    db.refresh(case)
    assert case.status == "selesai"
    # Going back changes nothing; confirming archives and starts the retention period.
    assert f'href="{W}/{code}"' in text
    done = forms.submit(client, asked, "confirm-form")
    assert done.status_code == 303
    db.refresh(case)
    assert case.status == "diarsipkan" and case.archived_on == wib_today()
    assert case.retention_until == wib_today() + timedelta(days=365)
    assert [detail_of(e)["to"] for e in events(db, "case:status_changed", code)] == ["diarsipkan"]


SOURCES = sorted({source for source, _target in RULES}, key=lambda s: s.value)


@pytest.mark.parametrize("objection", [False, True])
@pytest.mark.parametrize("role", ["supervisor", "investigator"])
def test_every_status_the_page_offers_is_accepted(
    app: Flask, db: Session, team: Team, role: str, objection: bool
) -> None:
    """Each status the case page's select offers, sent with its reason and the page's first
    outcome and destination, is a change the server makes (none is refused by role or by
    the workflow, e.g. archiving while the reporter's objection waits for its answer)."""
    member = team.supervisor if role == "supervisor" else team.investigator
    assign_directly(db, team.created, team.investigator)
    client = web_client(app, db, member)
    code = team.created.case.code
    for source in SOURCES:
        if objection and source not in CLOSED:
            continue
        page_path = f"{W}/{code}"
        for target in _offered(client, db, team, source, objection, page_path):
            _put(db, team, source)
            _object(db, team, objection)
            page = client.get(page_path)
            form = forms.find_form(page, f"status-{target}")
            # The form has only the fields this change needs; each is filled as a person would.
            fill: dict[str, str] = {
                name: next(v for v in form.choices(name) if v)
                for name in ("outcome", "destination")
                if name in form.names()
            }
            if "reason" in form.names():
                fill["reason"] = "Alasan untuk pelapor."
            answer = forms.submit(client, page, f"status-{target}", fill=fill)
            assert answer.status_code == 303, (
                role,
                source.value,
                target,
                objection,
                answer.get_data(as_text=True)[:200],
            )


def _object(db: Session, team: Team, objection: bool) -> None:
    """A pending objection from the reporter (or none)."""
    if objection:
        team.created.case.objection_used = True
        add_timeline_entry(
            db, team.created.case, team.created.dek, kind="objection", text="Saya keberatan."
        )
        db.commit()


def _offered(
    client: object, db: Session, team: Team, source: Status, objection: bool, page_path: str
) -> list[str]:
    _put(db, team, source)
    _object(db, team, objection)
    page = client.get(page_path)  # type: ignore[attr-defined]
    found = [f for f in forms.all_forms(page) if f.action == f"{page_path}/status"]
    return [f.choices("status")[0] for f in found]


@pytest.mark.parametrize("choice", ["", "verifikasi", "investigasi"])
def test_every_reopen_choice_the_objection_form_offers_is_accepted(
    app: Flask, db: Session, team: Team, choice: str
) -> None:
    code, case, dek = team.created.case.code, team.created.case, team.created.dek
    set_status(
        db, team.created, "selesai", closed_on=wib_today(), outcome="terbukti", objection_used=True
    )
    add_timeline_entry(db, case, dek, kind="objection", text="Saya keberatan.")
    db.commit()
    client = web_client(app, db, team.supervisor)
    offered = forms.find_form(client.get(f"{W}/{code}"), f"{W}/{code}/keberatan")
    assert offered.choices("reopen_to") == ["", "verifikasi", "investigasi"]
    answered = press(client, code, "/keberatan", fill={"answer": "Jawaban.", "reopen_to": choice})
    assert answered.status_code == 303
    db.refresh(case)
    assert case.status == (choice or "selesai")
