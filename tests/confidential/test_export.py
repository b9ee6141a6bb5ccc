"""Export with four eyes: a supervisor other than the requester approves; the package opens
with age (pyrage) and holds the PDF and the files; the chain alone verifies a copy, and one
flipped byte fails it."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pyrage
import pytest
from flask import Flask
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.audit.models import AuditEvent
from sipadu.cases.kinds import GrantReason
from sipadu.cases.service import CreatedCase, grant_case
from sipadu.confidential import export as exports
from sipadu.confidential import package
from sipadu.confidential.export_content import export_content
from sipadu.confidential.models import ApprovalRequest, ApprovalState, RequestReason
from tests.casework.conftest import add_attachment, web_client
from tests.support.factories import StaffMember, make_case, make_staff
from tests.support.forms import submit
from tests.support.redaction import publish_suggestions

MARKER = "PENANDA-EKSPOR-5521"


@dataclass
class Scene:
    created: CreatedCase
    supervisor: StaffMember
    second: StaffMember
    investigator: StaffMember
    key: bytes


@pytest.fixture
def scene(app: Flask, db: Session) -> Scene:
    supervisor, second = make_staff(app, db, "supervisor"), make_staff(app, db, "supervisor")
    investigator = make_staff(app, db, "investigator")
    created = make_case(app, db, {"category": "pungli", "what": MARKER})
    grant_case(
        db,
        created.case,
        created.dek,
        investigator.account,
        reason=GrantReason.ASSIGNMENT,
        granted_by=None,
    )
    db.commit()
    add_attachment(app, db, created, b"%PDF-1.4 bukti transfer")
    keyring = current_settings(app).keyring
    assert keyring is not None
    return Scene(created, supervisor, second, investigator, keyring.audit_hmac_key)


def _ask(db: Session, s: Scene, who: StaffMember) -> ApprovalRequest:
    return exports.request_export(
        db, s.created.case, who.account, RequestReason.TO_KPK, audit_key=s.key
    )


def test_nobody_approves_their_own_export_and_only_supervisors_approve(
    app: Flask, db: Session, scene: Scene
) -> None:
    request = _ask(db, scene, scene.supervisor)
    custodian = make_staff(app, db, "custodian")
    for who in (scene.supervisor, scene.investigator, custodian):
        with pytest.raises(exports.ExportNotAllowedError):
            exports.decide_export(db, request.id, who.account, approve=True, audit_key=scene.key)
    exports.decide_export(db, request.id, scene.second.account, approve=True, audit_key=scene.key)
    with pytest.raises(exports.ExportRequestClosedError):
        exports.decide_export(
            db, request.id, scene.second.account, approve=True, audit_key=scene.key
        )


def test_no_export_without_an_approval(app: Flask, db: Session, scene: Scene) -> None:
    store = app.extensions["sipadu.blobs"]
    _ask(db, scene, scene.investigator)
    with pytest.raises(exports.ExportRequestClosedError):
        export_content(db, scene.created.case, scene.investigator.account, scene.created.dek, store)


def _download(
    app: Flask, db: Session, scene: Scene, fill: dict[str, str] | None, view: str = "full"
) -> bytes:
    code = scene.created.case.code
    page = f"/petugas/kasus/{code}"
    worker = web_client(app, db, scene.investigator)
    asked = submit(
        worker, worker.get(page), "export-request", fill={"reason": "to_kpk", "view": view}
    )
    assert asked.status_code == 303
    approver = web_client(app, db, scene.supervisor)
    listing = approver.get("/petugas/ekspor")
    request_id = db.query(ApprovalRequest.id).filter_by(action="export_case").scalar()
    decided = submit(approver, listing, f"decide-export-{request_id}", button="decision.approve")
    assert decided.status_code == 303
    if fill is not None:
        answer = submit(worker, worker.get(page), "export-recipient", fill=fill)
    else:
        shown = submit(worker, worker.get(page), "export-passphrase")
        assert shown.status_code == 200
        answer = submit(worker, shown, "export-download")
    assert answer.status_code == 200, answer.get_data(as_text=True)[:400]
    again = worker.get(page).get_data(as_text=True)
    assert 'id="export-recipient"' not in again  # one export per approval
    return answer.get_data()


def _opened_zip(plain: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(plain))
    names = archive.namelist()
    assert names[0].endswith(".pdf") and archive.read(names[0]).startswith(b"%PDF")
    assert archive.read(names[1]) == b"%PDF-1.4 bukti transfer"
    return archive


def test_export_to_a_public_key_opens_with_age_and_verifies(
    app: Flask, db: Session, scene: Scene, tmp_path: Path
) -> None:
    identity = pyrage.x25519.Identity.generate()
    sealed = _download(app, db, scene, {"recipient": str(identity.to_public())})
    _opened_zip(pyrage.decrypt(sealed, [identity]))
    copy = tmp_path / "paket.zip.age"
    copy.write_bytes(sealed)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export", "verify", str(copy)])
    assert result.exit_code == 0, result.output
    assert "VERIFIED" in result.output and scene.created.case.code in result.output
    flipped = bytearray(sealed)
    flipped[len(flipped) // 2] ^= 0x01
    copy.write_bytes(bytes(flipped))
    result = runner.invoke(args=["export", "verify", str(copy)])
    assert result.exit_code == 1 and "NOT VERIFIED" in result.output


def test_the_age_tool_opens_the_package(
    app: Flask, db: Session, scene: Scene, tmp_path: Path
) -> None:
    """The receiving body's side: Debian's ``age`` binary, not our library."""
    tool = shutil.which("age")
    if tool is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the age tool is missing (.ci/run installs Debian's age package)")
        pytest.skip("the age tool is not installed (apt-get install age)")
    identity = pyrage.x25519.Identity.generate()
    sealed = _download(app, db, scene, {"recipient": str(identity.to_public())})
    (tmp_path / "key.txt").write_text(str(identity) + "\n")
    (tmp_path / "paket.zip.age").write_bytes(sealed)
    opened = subprocess.run(
        [tool, "-d", "-i", str(tmp_path / "key.txt"), str(tmp_path / "paket.zip.age")],
        capture_output=True,
        check=True,
        timeout=60,
    )
    _opened_zip(opened.stdout)


def test_export_with_the_passphrase_shown_once(app: Flask, db: Session, scene: Scene) -> None:
    sealed = _download(app, db, scene, None)
    tags = [e.tag for e in db.query(AuditEvent).order_by(AuditEvent.seq)]
    assert tags.count("export:issued") == 1
    event = db.query(AuditEvent).filter_by(tag="export:issued").one()
    assert package.package_digest(sealed) in event.detail
    assert MARKER not in event.detail
    with pytest.raises(pyrage.DecryptError):
        pyrage.passphrase.decrypt(sealed, package.new_passphrase())


def test_a_bad_recipient_key_is_refused_clearly(app: Flask, db: Session, scene: Scene) -> None:
    request = _ask(db, scene, scene.investigator)
    exports.decide_export(
        db, request.id, scene.supervisor.account, approve=True, audit_key=scene.key
    )
    db.commit()
    worker = web_client(app, db, scene.investigator)
    page = f"/petugas/kasus/{scene.created.case.code}"
    typed = "age1bukan-kunci"
    bad = submit(
        worker,
        worker.get(page),
        "export-recipient",
        fill={"recipient": typed},
        follow_redirects=True,
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert 'id="e-recipient-error"' in html and "bukan kunci publik age" in html
    assert f'value="{typed}"' in html and 'aria-invalid="true"' in html  # kept, marked
    assert MARKER in html  # the case page itself, not a bare error page
    # The approval is not used up: the corrected key downloads.
    identity = pyrage.x25519.Identity.generate()
    fixed = submit(worker, bad, "export-recipient", fill={"recipient": str(identity.to_public())})
    assert fixed.status_code == 200 and pyrage.decrypt(fixed.get_data(), [identity])
    # A passphrase the server did not draw (a changed hidden field) is refused clearly too.
    app.config["WTF_CSRF_ENABLED"] = False
    request = _ask(db, scene, scene.investigator)
    exports.decide_export(
        db, request.id, scene.supervisor.account, approve=True, audit_key=scene.key
    )
    db.commit()
    weak = worker.post(f"{page}/ekspor", data={"passphrase": "rahasia"}, follow_redirects=True)
    assert weak.status_code == 422 and "Minta frasa sandi baru" in weak.get_data(as_text=True)
    assert 'aria-invalid="true"' not in weak.get_data(as_text=True)  # not the key's fault


def test_a_redacted_export_removes_identifying_text_and_withholds_files(
    app: Flask, db: Session, scene: Scene
) -> None:
    from sipadu.cases.content import add_message
    from sipadu.confidential.redaction import MARK

    add_message(
        db,
        scene.created.case,
        scene.created.dek,
        "Saya melihat Bapak Joko Santoso, HP 0812-9999-1111.",
        author_kind="reporter",
    )
    db.commit()
    publish_suggestions(
        db,
        scene.created.case,
        scene.created.dek,
        scene.investigator.account,
        scene.second.account,
        scene.key,
    )
    identity = pyrage.x25519.Identity.generate()
    sealed = _download(app, db, scene, {"recipient": str(identity.to_public())}, "redacted")
    archive = zipfile.ZipFile(io.BytesIO(pyrage.decrypt(sealed, [identity])))
    assert [n.endswith(".pdf") for n in archive.namelist()] == [True]  # no files
    event = db.query(AuditEvent).filter_by(tag="export:issued").one()
    assert '"view":"redacted"' in event.detail
    request = db.query(ApprovalRequest).filter_by(action="export_case").one()
    request.used_at, request.state = None, ApprovalState.APPROVED
    db.commit()
    content = export_content(
        db,
        scene.created.case,
        scene.investigator.account,
        scene.created.dek,
        app.extensions["sipadu.blobs"],
    )
    text = "\n".join(p for section in content.sections for p in section.paragraphs)
    assert MARK in text and "Joko" not in text and "9999" not in text
    assert MARKER in text and content.files == []


def test_the_export_form_offers_its_own_reasons(app: Flask, db: Session, scene: Scene) -> None:
    from sipadu.confidential.models import EXPORT_REASONS, IDENTITY_REASONS
    from tests.support.csrf import hidden_fields
    from tests.support.forms import find_form

    page = f"/petugas/kasus/{scene.created.case.code}"
    worker = web_client(app, db, scene.investigator)
    shown = worker.get(page)
    assert find_form(shown, "export-request").choices("reason") == list(EXPORT_REASONS)
    html = shown.get_data(as_text=True)
    assert "Ke KPK" in html and "untuk klarifikasi" in html
    # A forged identity reason (the form no longer offers one) is refused; nothing is asked.
    token = hidden_fields(shown)["csrf_token"]
    for reason in IDENTITY_REASONS:
        forged = worker.post(
            page + "/ekspor/minta", data={"csrf_token": token, "reason": reason, "view": "full"}
        )
        assert forged.status_code in (303, 422), forged.status_code
    assert db.query(ApprovalRequest).count() == 0
    asked = submit(worker, worker.get(page), "export-request", fill={"reason": "to_bpk"})
    assert asked.status_code == 303
    assert db.query(ApprovalRequest.reason).scalar() == RequestReason.TO_BPK


def pdf_text(pdf: bytes) -> str:
    """The text a reader sees in a reportlab PDF: every shown string, page by page."""
    import pikepdf

    shown: list[str] = []
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            for instruction in pikepdf.parse_content_stream(page):
                if not isinstance(instruction, pikepdf.ContentStreamInstruction):
                    continue  # an inline image: no text
                operands, operator = instruction.operands, instruction.operator
                if str(operator) == "Tj":
                    shown.append(bytes(operands[0]).decode("cp1252"))
                elif str(operator) == "TJ":
                    shown.extend(
                        bytes(part).decode("cp1252")
                        for part in operands[0]
                        if isinstance(part, pikepdf.String)
                    )
                elif str(operator) in ("T*", "Td", "TD", "ET"):
                    shown.append("\n")
    return "".join(shown)


def test_the_export_pdf_shows_words_not_keys_and_the_forwarding(
    app: Flask, db: Session, scene: Scene
) -> None:
    from sipadu.cases.content import add_timeline_entry
    from sipadu.cases.forward_reference import seal_forward_reference

    case, dek = scene.created.case, scene.created.dek
    add_timeline_entry(db, case, dek, kind="identity_opened", text="investigator")
    add_timeline_entry(db, case, None, kind="evidence_added")
    case.forwarded_to = "kpk"  # type: ignore[assignment]
    case.forward_reference_sealed = seal_forward_reference(dek, case, "R-77/KPK/2026")
    db.commit()
    identity = pyrage.x25519.Identity.generate()
    sealed = _download(app, db, scene, {"recipient": str(identity.to_public())})
    archive = zipfile.ZipFile(io.BytesIO(pyrage.decrypt(sealed, [identity])))
    text = pdf_text(archive.read(archive.namelist()[0]))
    assert MARKER in text  # the extraction reads the report
    for raw in ("what:", "category:", "pungli\n", "identity_opened", "evidence_added", "diterima"):
        assert raw not in text, raw
    assert "Kategori: Pungutan liar" in text and "Apa yang terjadi" in text
    assert "Diteruskan kepada: " in text and "KPK" in text and "R-77/KPK/2026" in text
    # The recipient must not learn that a named reporter exists: no identity event at all.
    assert "Identitas pelapor" not in text and "pemeriksa" not in text.lower()
    assert text.index("Rahasia - tidak diredaksi") < text.index(MARKER)  # the heading first


def test_the_reported_agency_gets_only_a_redacted_export(
    app: Flask, db: Session, scene: Scene
) -> None:
    """Reporters often work at the agency they report: a full export may not go there."""
    page = f"/petugas/kasus/{scene.created.case.code}"
    worker = web_client(app, db, scene.investigator)
    refused = submit(
        worker,
        worker.get(page),
        "export-request",
        fill={"reason": "agency_clarify", "view": "full"},
        follow_redirects=True,
    )
    assert refused.status_code == 422
    assert "hanya menerima ekspor yang diredaksi" in refused.get_data(as_text=True)
    assert db.query(ApprovalRequest).count() == 0
    asked = submit(
        worker, worker.get(page), "export-request", fill={"reason": "to_kpk", "view": "full"}
    )
    assert asked.status_code == 303
    assert db.query(ApprovalRequest.reason).scalar() == RequestReason.TO_KPK
