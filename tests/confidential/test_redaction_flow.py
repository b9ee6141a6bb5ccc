"""Redaction by hand through the pages, published with four eyes, carried by a redacted
export: every form posted as its page sends it, the PDF's text read back, and no marked
text in the audit log, the logs or any stored row outside the sealed marks."""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass

import pyrage
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.audit.models import AuditEvent
from sipadu.cases.content import add_message
from sipadu.cases.kinds import GrantReason
from sipadu.cases.service import CreatedCase, grant_case
from sipadu.confidential.models import (
    ApprovalRequest,
    ApprovalState,
    CaseRedaction,
    RedactionState,
)
from sipadu.confidential.redaction import suggest_spans
from sipadu.confidential.redaction_form import option_value
from sipadu.confidential.redaction_texts import text_key
from tests.casework.conftest import web_client
from tests.support.factories import StaffMember, make_case, make_staff
from tests.support.forms import submit
from tests.support.pdf_text import pdf_text

WHAT = (
    "Bapak Joko Santoso menerima uang Rp 1.500.000 di Kantor Kelurahan Sukamaju, HP 0812-9999-1111."
)
MESSAGE = "Saksi lain: Ibu Rina, e-mail rina.saksi@contoh.id, NIK 3174012345678901."
# What the worker removes: suggestions kept and a phrase typed by hand.
GONE = ("Joko", "Santoso", "9999", "Sukamaju", "rina.saksi", "3174012345678901")


@dataclass
class Scene:
    created: CreatedCase
    supervisor: StaffMember
    second: StaffMember
    investigator: StaffMember
    key: bytes

    @property
    def page(self) -> str:
        return f"/petugas/kasus/{self.created.case.code}/redaksi"


@pytest.fixture
def scene(app: Flask, db: Session) -> Scene:
    supervisor, second = make_staff(app, db, "supervisor"), make_staff(app, db, "supervisor")
    investigator = make_staff(app, db, "investigator")
    created = make_case(app, db, {"category": "pungli", "what": WHAT, "who": "Kepala Seksi"})
    grant_case(
        db,
        created.case,
        created.dek,
        investigator.account,
        reason=GrantReason.ASSIGNMENT,
        granted_by=None,
    )
    add_message(db, created.case, created.dek, MESSAGE, author_kind="reporter")
    db.commit()
    keyring = current_settings(app).keyring
    assert keyring is not None
    return Scene(created, supervisor, second, investigator, keyring.audit_hmac_key)


def _rina_box() -> tuple[str, str]:
    """The checkbox of the name suggested in the message (the worker unticks it)."""
    span = next(s for s in suggest_spans(MESSAGE) if MESSAGE[s.start : s.end] == "Rina")
    return ("mark", option_value(text_key(MESSAGE), span))


def _mark_and_ask(client: FlaskClient, scene: Scene) -> None:
    page = client.get(scene.page)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Joko Santoso" in html and "checked" in html
    answer = submit(
        client,
        page,
        "redaction-form",
        fill={"phrases": "sukamaju"},  # any case: the text says "Sukamaju"
        tick={_rina_box(): False},
        button="action.publish",
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)[:300]


def _approve(app: Flask, db: Session, scene: Scene, approver: StaffMember) -> None:
    client = web_client(app, db, approver)
    listing = client.get("/petugas/redaksi").get_data(as_text=True)
    assert scene.created.case.code in listing and scene.page in listing
    page = client.get(scene.page)
    preview = page.get_data(as_text=True).split('id="redaction-decision"')[1].split("</section>")[0]
    assert "[DIHAPUS]" in preview and "Joko" not in preview and "Rina" in preview
    decided = submit(client, page, "decide-redaction", button="decision.approve")
    assert decided.status_code == 303


def _redacted_pdf(app: Flask, db: Session, scene: Scene) -> str:
    worker = web_client(app, db, scene.investigator)
    case_page = f"/petugas/kasus/{scene.created.case.code}"
    fill = {"reason": "agency_clarify", "view": "redacted"}
    asked = submit(worker, worker.get(case_page), "export-request", fill=fill)
    assert asked.status_code == 303
    approver = web_client(app, db, scene.supervisor)
    request_id = db.scalar(
        select(ApprovalRequest.id).where(ApprovalRequest.action == "export_case")
    )
    submit(
        approver,
        approver.get("/petugas/ekspor"),
        f"decide-export-{request_id}",
        button="decision.approve",
    )
    panel = worker.get(case_page).get_data(as_text=True).split('id="export-approved"')[1]
    panel = panel.split("</p>")[0]
    assert "tanpa lampiran" in panel and "beserta lampiran" not in panel  # none are sent
    identity = pyrage.x25519.Identity.generate()
    recipient = {"recipient": str(identity.to_public())}
    answer = submit(worker, worker.get(case_page), "export-recipient", fill=recipient)
    assert answer.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(pyrage.decrypt(answer.get_data(), [identity])))
    (name,) = archive.namelist()  # no files in a redacted export
    return pdf_text(archive.read(name))


def test_marking_by_hand_publishing_and_the_redacted_pdf(
    app: Flask, db: Session, scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _mark_and_ask(web_client(app, db, scene.investigator), scene)
    db.expire_all()
    draft = db.scalars(select(CaseRedaction)).one()
    assert draft.state == RedactionState.DRAFT and b"Sukamaju" not in draft.marks_sealed
    _approve(app, db, scene, scene.supervisor)
    db.expire_all()
    assert db.scalars(select(CaseRedaction)).one().state == RedactionState.PUBLISHED
    # Arrived after the publication: nobody reviewed it, so it is withheld whole.
    add_message(
        db, scene.created.case, scene.created.dek, "Pak Budiman datang.", author_kind="reporter"
    )
    db.commit()

    shown = _redacted_pdf(app, db, scene)
    assert "Ekspor yang diredaksi" in shown and "tersunting" not in shown  # the pages' word
    assert "Rahasia - tidak diredaksi" not in shown
    for gone in (*GONE, "Budiman"):
        assert gone not in shown, gone
    for kept in ("Rina", "1.500.000", "Kepala Seksi", "[DIHAPUS]"):
        assert kept in shown, kept

    details = " ".join(e.detail or "" for e in db.scalars(select(AuditEvent)))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for gone in (*GONE, "Rina"):
        assert gone not in details and gone not in logged, gone
    tags = [e.tag for e in db.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    assert {"redaction:marked", "redaction:requested", "redaction:published"} <= set(tags)


def test_nothing_marked_stays_outside_the_sealed_marks(
    app: Flask, db: Session, scene: Scene
) -> None:
    _mark_and_ask(web_client(app, db, scene.investigator), scene)
    db.expire_all()
    for table in ("case_redactions", "approval_requests", "audit_events"):
        rows = db.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608 - fixed names
        dumped = repr(rows)
        assert "Sukamaju" not in dumped and "sukamaju" not in dumped, table


def test_the_requester_never_decides_and_another_supervisor_must_hold_the_case(
    app: Flask, db: Session, scene: Scene
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False  # the forged posts below are built by hand
    own = web_client(app, db, scene.supervisor)
    _mark_and_ask(own, scene)
    request_id = db.scalar(select(ApprovalRequest.id))
    page = own.get(scene.page).get_data(as_text=True)
    assert 'id="decide-redaction"' not in page
    forged = own.post(
        scene.page + "/keputusan", data={"decision.approve": "", "request": str(request_id)}
    )
    assert forged.status_code == 303
    worker = web_client(app, db, scene.investigator)  # holds the case, wrong role
    assert 'id="decide-redaction"' not in worker.get(scene.page).get_data(as_text=True)
    worker.post(scene.page + "/keputusan", data={"decision.approve": "", "request": "1"})
    db.expire_all()
    assert db.get(ApprovalRequest, request_id).state == ApprovalState.PENDING  # type: ignore[union-attr]
    assert db.scalars(select(CaseRedaction)).one().state == RedactionState.DRAFT


def test_a_refused_post_keeps_what_was_typed_and_saves_nothing(
    app: Flask, db: Session, scene: Scene
) -> None:
    worker = web_client(app, db, scene.investigator)
    page = worker.get(scene.page)
    save = "action.save"
    missing = submit(
        worker, page, "redaction-form", fill={"phrases": "Kecamatan Antah"}, button=save
    )
    html = missing.get_data(as_text=True)
    assert missing.status_code == 422 and "Kecamatan Antah" in html and "tidak ada" in html
    short = submit(worker, page, "redaction-form", fill={"phrases": "a"}, button=save)
    assert short.status_code == 422
    app.config["WTF_CSRF_ENABLED"] = False
    forged = worker.post(
        scene.page, data={"text": text_key(WHAT), "mark": f"{text_key(WHAT)}:0:99999"}
    )
    assert forged.status_code == 422 and "Traceback" not in forged.get_data(as_text=True)
    assert worker.post(scene.page, data={"mark": "x"}).status_code == 422
    assert db.scalar(select(CaseRedaction.id)) is None


def test_saving_again_withdraws_the_waiting_request(app: Flask, db: Session, scene: Scene) -> None:
    worker = web_client(app, db, scene.investigator)
    _mark_and_ask(worker, scene)
    saved = submit(worker, worker.get(scene.page), "redaction-form", button="action.save")
    assert saved.status_code == 303
    db.expire_all()
    assert db.scalars(select(ApprovalRequest.state)).one() == ApprovalState.WITHDRAWN
    approver = web_client(app, db, scene.supervisor)
    assert 'id="decide-redaction"' not in approver.get(scene.page).get_data(as_text=True)


def test_a_redacted_export_is_refused_clearly_without_a_published_redaction(
    app: Flask, db: Session, scene: Scene
) -> None:
    worker = web_client(app, db, scene.investigator)
    case_page = f"/petugas/kasus/{scene.created.case.code}"
    fill = {"reason": "agency_clarify", "view": "redacted"}
    refused = submit(
        worker, worker.get(case_page), "export-request", fill=fill, follow_redirects=True
    )
    assert refused.status_code == 422
    assert "belum memilikinya" in refused.get_data(as_text=True)
    assert db.scalar(select(ApprovalRequest.id)) is None


def test_altered_marks_refuse_an_approved_redacted_export_at_download(
    app: Flask, db: Session, scene: Scene
) -> None:
    from sipadu.confidential import export as exports
    from sipadu.confidential.models import ExportView, RequestReason
    from tests.support.redaction import publish_suggestions

    case, dek = scene.created.case, scene.created.dek
    publish_suggestions(db, case, dek, scene.investigator.account, scene.second.account, scene.key)
    request = exports.request_export(
        db,
        case,
        scene.investigator.account,
        RequestReason.LEGAL,
        audit_key=scene.key,
        view=ExportView.REDACTED,
    )
    exports.decide_export(
        db, request.id, scene.supervisor.account, approve=True, audit_key=scene.key
    )
    published = db.scalars(select(CaseRedaction)).one()
    published.record_id = bytes(16)  # the sealed marks no longer open under their row
    db.commit()
    worker = web_client(app, db, scene.investigator)
    page = worker.get(f"/petugas/kasus/{case.code}")
    identity = pyrage.x25519.Identity.generate()
    answer = submit(worker, page, "export-recipient", fill={"recipient": str(identity.to_public())})
    assert answer.status_code == 409 and "belum memilikinya" in answer.get_data(as_text=True)
    assert not [e for e in db.scalars(select(AuditEvent)) if e.tag == "export:issued"]


def test_involved_names_and_landlines_are_suggested_and_stay_suggested_after_saving(
    app: Flask, db: Session
) -> None:
    make_staff(app, db, "supervisor")
    investigator = make_staff(app, db, "investigator")
    created = make_case(
        app,
        db,
        {
            "category": "pungli",
            "what": "Kantor dapat dihubungi di 021-555-0199 setiap hari kerja.",
            "who": "Joko Santoso (Kepala Seksi), Rina Wati (bendahara)",
        },
    )
    grant_case(
        db,
        created.case,
        created.dek,
        investigator.account,
        reason=GrantReason.ASSIGNMENT,
        granted_by=None,
    )
    db.commit()
    client = web_client(app, db, investigator)
    page = f"/petugas/kasus/{created.case.code}/redaksi"
    first = client.get(page)
    html = first.get_data(as_text=True)
    for suggested in ("“Joko Santoso”", "“Rina Wati”", "“021-555-0199”"):
        assert suggested in html, suggested
    assert "“Kepala Seksi”" not in html  # a role, not a name
    saved = submit(client, first, "redaction-form", button="action.save")
    assert saved.status_code == 303
    again = client.get(page).get_data(as_text=True)
    assert "ditandai manual" not in again  # nothing was typed by hand
    assert "(nama)" in again and "(nomor telepon)" in again
