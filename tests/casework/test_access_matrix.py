"""The access matrix: every case-work endpoint (web and API) x every role x the caller's
relation to the case (assigned / not assigned / conflicted), with the expected status.

A new endpoint of the casework blueprints without a row here fails
``test_every_casework_endpoint_is_in_the_matrix``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.cases.content import add_timeline_entry
from sipadu.cases.service import CreatedCase, case_by_code, revoke_grant
from sipadu.confidential.forward_request import ForwardDetails, pending_forward, request_forward
from sipadu.confidential.redaction_texts import text_key
from sipadu.days import wib_today
from tests.casework.conftest import (
    add_attachment,
    assign_directly,
    bearer,
    conflict_directly,
    second_supervisor,
    set_status,
    staff_token,
)
from tests.support.factories import DEFAULT_REPORT, StaffMember, make_case, make_staff

ROLES = (
    "admin",
    "supervisor",
    "investigator",
    "auditor",
    "intake_officer",
    "custodian",
    "anonymous",
)
STATES = ("assigned", "not_assigned", "conflicted")
WORKERS = frozenset({"supervisor", "investigator"})
SUPERVISOR = frozenset({"supervisor"})
REASON = "Mohon lampirkan dokumen pendukung."


@dataclass(frozen=True)
class Spec:
    """One endpoint: how to call it and who succeeds (with what status) when assigned."""

    endpoint: str
    method: str
    path: str
    ok: int
    roles: frozenset[str]
    case_scoped: bool = True
    body: dict[str, Any] = field(default_factory=dict)
    setup: str = "verifikasi"

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


W, A = "/petugas/kasus", "/api/v1/staff/cases"
SPECS = [
    Spec("casework.inbox", "GET", W, 200, WORKERS, case_scoped=False),
    Spec("casework.case_page", "GET", W + "/{code}", 200, WORKERS),
    Spec("casework.download", "GET", W + "/{code}/lampiran/{att}", 200, WORKERS),
    Spec(
        "casework.send_to_reporter",
        "POST",
        W + "/{code}/lampiran",
        303,
        WORKERS,
        body={"attachments": b"Surat tindak lanjut."},
    ),
    Spec(
        "casework.post_message",
        "POST",
        W + "/{code}/pesan",
        303,
        WORKERS,
        body={"body": "Terima kasih atas laporan Anda.", "kind.message": "Send"},
    ),
    Spec(
        "casework.change_status",
        "POST",
        W + "/{code}/status",
        303,
        WORKERS,
        body={"status": "perlu_dilengkapi", "reason": REASON},
    ),
    Spec(
        "casework.answer_objection",
        "POST",
        W + "/{code}/keberatan",
        303,
        SUPERVISOR,
        body={"answer": "Keputusan tetap."},
        setup="objection",
    ),
    Spec(
        "casework.forward_case",
        "POST",
        W + "/{code}/teruskan",
        303,
        SUPERVISOR,
        body={"destination": "ombudsman", "reference": "ORI-1/2026", "reason": REASON},
    ),
    # A supervisor holding the case decides a colleague's request; the pairs (oneself, an
    # investigator, another unit's supervisor) are in test_forward_four_eyes.py.
    Spec(
        "casework.decide_forward_request",
        "POST",
        W + "/{code}/teruskan/keputusan",
        303,
        SUPERVISOR,
        body={"decision.approve": "", "request": "{forward_request}"},
        setup="forward_requested",
    ),
    Spec(
        "casework.record_forward_outcome",
        "POST",
        W + "/{code}/hasil-penerusan",
        303,
        SUPERVISOR,
        body={"forward_result": "ditangani", "message": "Sudah ditangani."},
        setup="forwarded",
    ),
    Spec(
        "casework.correct_reference",
        "POST",
        W + "/{code}/rujukan-penerusan",
        303,
        SUPERVISOR,
        body={"reference": "KPK-2/2026"},
        setup="forwarded",
    ),
    Spec(
        "casework.assign",
        "POST",
        W + "/{code}/penugasan",
        303,
        SUPERVISOR,
        body={"username": "{target}"},
    ),
    Spec(
        "casework.unassign",
        "POST",
        W + "/{code}/penugasan/{target}/hapus",
        303,
        SUPERVISOR,
        setup="target_assigned",
    ),
    Spec(
        "casework.confirm_unassign",
        "GET",
        W + "/{code}/penugasan/{target}/hapus",
        200,
        SUPERVISOR,
        setup="target_assigned",
    ),
    Spec("casework.declare_conflict", "POST", W + "/{code}/konflik", 303, WORKERS),
    Spec("casework.confirm_declare_conflict", "GET", W + "/{code}/konflik", 200, WORKERS),
    Spec(
        "casework.mark_conflict",
        "POST",
        W + "/{code}/konflik/tandai",
        303,
        SUPERVISOR,
        body={"username": "{target}"},
    ),
    Spec(
        "casework.route_case",
        "POST",
        W + "/{code}/unit",
        303,
        SUPERVISOR,
        body={"unit": "inspektur"},
    ),
    Spec("casework.confirm_archive", "GET", W + "/{code}/arsip", 200, SUPERVISOR, setup="closed"),
    # With no closing waiting for its confirmation, the page sends the reader to the case.
    Spec("casework.confirm_close", "GET", W + "/{code}/tutup", 303, WORKERS),
    Spec("casework.archive", "POST", W + "/{code}/arsip", 303, SUPERVISOR, setup="closed"),
    Spec("casework.retention_due", "GET", W + "/retensi", 200, SUPERVISOR, case_scoped=False),
    Spec(
        "casework.extend",
        "POST",
        W + "/{code}/retensi",
        303,
        SUPERVISOR,
        body={"until": "2099-01-01", "reason": "Masih diperlukan untuk proses hukum."},
        setup="archived",
    ),
    Spec(
        "casework.request_identity",
        "POST",
        W + "/{code}/identitas/minta",
        303,
        WORKERS,
        body={"reason": "protection"},
        setup="identity",
    ),
    # Nobody reads an identity without a custodian's approval (tests/confidential).
    Spec(
        "casework.read_identity", "GET", W + "/{code}/identitas", 403, frozenset(), setup="identity"
    ),
    Spec(
        "casework.request_export",
        "POST",
        W + "/{code}/ekspor/minta",
        303,
        WORKERS,
        # A redacted export needs a published redaction (tests/confidential).
        body={"reason": "to_bpk", "view": "full"},
    ),
    Spec("casework.redaction_page", "GET", W + "/{code}/redaksi", 200, WORKERS),
    Spec(
        "casework.save_redaction",
        "POST",
        W + "/{code}/redaksi",
        303,
        WORKERS,
        body={"text": text_key(str(DEFAULT_REPORT["what"])), "action.save": ""},
    ),
    # Holders reach the decision; the service refuses all but another supervisor
    # (tests/confidential/test_redaction_four_eyes.py), answered with a redirect and a flash.
    Spec(
        "casework.decide_redaction",
        "POST",
        W + "/{code}/redaksi/keputusan",
        303,
        WORKERS,
        body={"decision.refuse": "", "request": "999999"},
    ),
    # Nobody exports without a supervisor's approval (tests/confidential/test_export.py).
    Spec("casework.export_passphrase", "POST", W + "/{code}/ekspor/kata-sandi", 403, frozenset()),
    Spec(
        "casework.issue_export",
        "POST",
        W + "/{code}/ekspor",
        403,
        frozenset(),
        body={"recipient": "age1" + "q" * 58},
    ),
    Spec("api.casework_api.list_cases", "GET", A, 200, WORKERS, case_scoped=False),
    Spec("api.casework_api.get_case", "GET", A + "/{code}", 200, WORKERS),
    Spec(
        "api.casework_api.post_message",
        "POST",
        A + "/{code}/messages",
        201,
        WORKERS,
        body={"body": "Catatan", "internal": True},
    ),
    Spec(
        "api.casework_api.change_status",
        "POST",
        A + "/{code}/status",
        200,
        WORKERS,
        body={"status": "perlu_dilengkapi", "reason": REASON},
    ),
    Spec(
        "api.casework_api.assign",
        "POST",
        A + "/{code}/assignments",
        201,
        SUPERVISOR,
        body={"username": "{target}"},
    ),
    Spec(
        "api.casework_api.unassign",
        "DELETE",
        A + "/{code}/assignments/{target}",
        204,
        SUPERVISOR,
        setup="target_assigned",
    ),
    Spec("api.casework_api.download", "GET", A + "/{code}/attachments/{att}", 200, WORKERS),
]


def expected(spec: Spec, role: str, state: str) -> set[int]:
    """The statuses this cell may answer."""
    if role == "anonymous":
        # 401 until the login page exists in the app, then a redirect to it.
        return {401} if spec.api else {401, 303}
    if role not in spec.roles:
        return {403}
    if spec.case_scoped and state != "assigned":
        return {403}
    return {spec.ok}


def _member(app: Flask, db: Session, role: str) -> StaffMember | None:
    return None if role == "anonymous" else make_staff(app, db, role)


def _relate(
    db: Session, created: CreatedCase, member: StaffMember | None, role: str, state: str
) -> None:
    if member is None:
        return
    if role == "investigator" and state != "not_assigned":
        assign_directly(db, created, member)
    if state == "not_assigned" and role == "supervisor":
        revoke_grant(db, created.case, member.account.id)
        db.commit()
    if state == "conflicted":
        conflict_directly(db, created, member)


def _prepare(app: Flask, db: Session, spec: Spec, target: StaffMember) -> tuple[CreatedCase, str]:
    identity = {"name": "Saksi", "contact": "-"} if spec.setup == "identity" else None
    created = make_case(app, db, identity=identity)
    att = add_attachment(app, db, created, b"%PDF-1.4 bukti")
    if spec.setup == "objection":
        set_status(
            db, created, "selesai", closed_on=wib_today(), outcome="terbukti", objection_used=True
        )
        add_timeline_entry(db, created.case, created.dek, kind="objection", text="Saya keberatan.")
        db.commit()
    elif spec.setup == "forwarded":
        set_status(db, created, "diteruskan", acknowledged_on=wib_today(), forwarded_to="kpk")
    elif spec.setup == "closed":
        set_status(db, created, "selesai", closed_on=wib_today(), outcome="terbukti")
    elif spec.setup == "archived":
        set_status(
            db,
            created,
            "diarsipkan",
            closed_on=wib_today(),
            archived_on=wib_today(),
            retention_until=wib_today(),
        )
    else:
        set_status(db, created, "verifikasi", acknowledged_on=wib_today())
    if spec.setup == "target_assigned":
        assign_directly(db, created, target)
    if spec.setup == "forward_requested":
        _ask_to_forward(app, db, created)
    return created, att


def _ask_to_forward(app: Flask, db: Session, created: CreatedCase) -> None:
    """A forwarding request by a supervisor holding the case, waiting for a second one."""
    keyring = current_settings(app).keyring
    assert keyring is not None
    requester = second_supervisor(app, db, created)
    details = ForwardDetails("kpk", "R-1/KPK/2026", REASON)
    request_forward(
        db, created.case, created.dek, requester.account, details, audit_key=keyring.audit_hmac_key
    )
    db.commit()


def _forward_request_id(db: Session, code: str) -> str:
    case = case_by_code(db, code)
    assert case is not None
    request = pending_forward(db, case)
    return str(request.id) if request is not None else "0"


def _call(
    app: Flask,
    db: Session,
    spec: Spec,
    member: StaffMember | None,
    code: str,
    att: str,
    target: str,
) -> int:
    client = app.test_client()
    headers: dict[str, str] = {}
    if member is not None and spec.api:
        headers = bearer(db, member)
    elif member is not None:
        client.set_cookie("sipadu_staff", staff_token(db, member))
    path = spec.path.format(code=code, att=att, target=target)
    fields = {"target": target}
    if spec.setup == "forward_requested":
        fields["forward_request"] = _forward_request_id(db, code)
    body = {k: (v.format(**fields) if isinstance(v, str) else v) for k, v in spec.body.items()}
    for name, value in body.items():
        if isinstance(value, bytes):  # a file part, fresh for every call
            body[name] = (io.BytesIO(value), "surat.txt")
    kwargs: dict[str, Any] = {"headers": headers}
    if spec.method != "GET":
        kwargs["json" if spec.api else "data"] = body
    response = client.open(path, method=spec.method, **kwargs)
    return response.status_code


@pytest.mark.parametrize("spec", SPECS, ids=[spec.endpoint for spec in SPECS])
def test_access_matrix(app: Flask, db: Session, spec: Spec) -> None:
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF has its own test; this one is about roles
    make_staff(app, db, "supervisor")  # someone always holds every case
    members = {role: _member(app, db, role) for role in ROLES}
    target = make_staff(app, db, "investigator")
    db.commit()
    failures = []
    for role in ROLES:
        member = members[role]
        for state in STATES:
            created, att = _prepare(app, db, spec, target)
            _relate(db, created, member, role, state)
            got = _call(app, db, spec, member, created.case.code, att, target.account.username)
            if got not in expected(spec, role, state):
                failures.append(f"{role}/{state}: got {got}, want {expected(spec, role, state)}")
    assert not failures, "\n".join(failures)


def test_every_casework_endpoint_is_in_the_matrix(app: Flask) -> None:
    mine = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(("casework.", "api.casework_api."))
    }
    assert mine == {spec.endpoint for spec in SPECS}
    for rule in app.url_map.iter_rules():
        spec = next((s for s in SPECS if s.endpoint == rule.endpoint), None)
        if spec is not None:
            assert spec.method in (rule.methods or set())


def test_unknown_case_code_answers_like_a_forbidden_case(app: Flask, db: Session) -> None:
    supervisor = make_staff(app, db, "supervisor")
    db.commit()
    client = app.test_client()
    client.set_cookie("sipadu_staff", staff_token(db, supervisor))
    assert client.get(f"{W}/SPD-XXXXXX").status_code == 403
    response = app.test_client().get(f"{A}/SPD-XXXXXX", headers=bearer(db, supervisor))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_api_rejects_a_forged_token(app: Flask, db: Session) -> None:
    response = app.test_client().get(A, headers={"Authorization": "Bearer forged.token"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert "Set-Cookie" not in response.headers
