"""The case page and the case API: decrypted content for its reader, streamed downloads,
messages and internal notes, audit events, and nothing for admins, auditors or forgers."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from sipadu.cases.content import add_message, list_messages
from sipadu.crypto.errors import DecryptionError
from tests.casework.conftest import (
    Team,
    add_attachment,
    assign_directly,
    bearer,
    detail_of,
    events,
    web_client,
)
from tests.support.forms import submit

W, A = "/petugas/kasus", "/api/v1/staff/cases"


def test_supervisor_reads_the_decrypted_report_and_the_view_is_audited(
    app: Flask, db: Session, team: Team
) -> None:
    code = team.created.case.code
    page = web_client(app, db, team.supervisor).get(f"{W}/{code}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Kepala seksi menerima hadiah" in text
    assert "submitted_at" not in text  # the exact time stays sealed
    viewed = events(db, "case:viewed", code)
    assert [(e.actor, e.outcome) for e in viewed] == [
        (f"staff:{team.supervisor.account.id}", "success")
    ]
    assert "hadiah" not in viewed[0].detail


def test_admin_and_auditor_get_403_and_a_denied_audit_event(
    app: Flask, db: Session, team: Team
) -> None:
    code = team.created.case.code
    for member in (team.admin, team.auditor):
        page = web_client(app, db, member).get(f"{W}/{code}")
        assert page.status_code == 403
        assert "hadiah" not in page.get_data(as_text=True)
        api = app.test_client().get(f"{A}/{code}", headers=bearer(db, member))
        assert api.status_code == 403
        assert api.get_json()["error"]["code"] == "forbidden"
    denied = [(e.actor, e.outcome) for e in events(db, "case:viewed", code)]
    assert (
        denied
        == [(f"staff:{team.admin.account.id}", "denied")] * 2
        + [(f"staff:{team.auditor.account.id}", "denied")] * 2
    )


def test_admin_holds_no_key_for_any_case(app: Flask, db: Session, team: Team) -> None:
    from sipadu.cases.service import CaseAccessError, unlock_case_for_staff

    try:
        unlock_case_for_staff(db, team.created.case, team.admin.account.id, team.admin.private_key)
    except CaseAccessError:
        pass
    else:
        raise AssertionError("an admin unlocked a case")


def test_attachment_streams_exact_bytes_as_a_download(app: Flask, db: Session, team: Team) -> None:
    data = bytes(range(256)) * 1000 + b"<script>alert(1)</script>"
    att = add_attachment(app, db, team.created, data, filename="bukti rapat ü.html")
    code = team.created.case.code
    client = web_client(app, db, team.supervisor)
    assert "bukti rapat ü.html" in client.get(f"{W}/{code}").get_data(as_text=True)
    for response in (
        client.get(f"{W}/{code}/lampiran/{att}"),
        app.test_client().get(f"{A}/{code}/attachments/{att}", headers=bearer(db, team.supervisor)),
    ):
        assert response.status_code == 200
        assert response.is_streamed
        assert response.get_data() == data
        assert response.mimetype == "application/octet-stream"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert f"filename*=UTF-8''{quote('bukti rapat ü.html', safe='')}" in disposition
        assert 'filename="bukti_rapat_.html"' in disposition
    downloads = events(db, "attachment:downloaded", code)
    assert len(downloads) == 2 and detail_of(downloads[0]) == {"attachment": att}


def test_attachment_of_another_case_is_not_served(app: Flask, db: Session, team: Team) -> None:
    from tests.support.factories import make_case

    other = make_case(app, db)
    att = add_attachment(app, db, other, b"rahasia")
    client = web_client(app, db, team.supervisor)
    response = client.get(f"{W}/{team.created.case.code}/lampiran/{att}")
    assert response.status_code == 404
    assert b"rahasia" not in response.get_data()


def test_messages_and_internal_notes(app: Flask, db: Session, team: Team) -> None:
    code = team.created.case.code
    client = web_client(app, db, team.supervisor)
    sent = submit(
        client,
        client.get(f"{W}/{code}"),
        "message-form",
        fill={"body": "Mohon kirim bukti transfer."},
        button="Kirim ke pelapor",
    )
    assert sent.status_code == 303
    api = app.test_client().post(
        f"{A}/{code}/messages",
        headers=bearer(db, team.supervisor),
        json={"body": "Catatan: saksi kunci.", "internal": True},
    )
    assert api.status_code == 201
    case = team.created.case
    db.refresh(case)
    reporter_view = list_messages(db, case, team.created.dek, include_internal=False)
    assert [m.body for m in reporter_view] == ["Mohon kirim bukti transfer."]
    assert all(m.author_kind == "staff" for m in reporter_view)
    assert case.last_feedback_on is not None
    staff_view = app.test_client().get(f"{A}/{code}", headers=bearer(db, team.supervisor))
    bodies = [(m["body"], m["internal"], m["author"]) for m in staff_view.get_json()["messages"]]
    assert bodies == [
        ("Mohon kirim bukti transfer.", False, team.supervisor.account.username),
        ("Catatan: saksi kunci.", True, team.supervisor.account.username),
    ]
    assert len(events(db, "message:sent", code)) == 1
    assert len(events(db, "note:added", code)) == 1


def test_reporter_message_shown_and_empty_message_refused(
    app: Flask, db: Session, team: Team
) -> None:
    code = team.created.case.code
    add_message(
        db, team.created.case, team.created.dek, "Ini bukti tambahan.", author_kind="reporter"
    )
    db.commit()
    client = web_client(app, db, team.supervisor)
    assert "Ini bukti tambahan." in client.get(f"{W}/{code}").get_data(as_text=True)
    empty = submit(
        client,
        client.get(f"{W}/{code}"),
        "message-form",
        fill={"body": "   "},
        button="Kirim ke pelapor",
        follow_redirects=True,
    )
    assert empty.status_code == 422
    too_long = app.test_client().post(
        f"{A}/{code}/messages",
        headers=bearer(db, team.supervisor),
        json={"body": "x" * 20_001, "internal": False},
    )
    assert too_long.status_code == 422
    assert too_long.get_json()["error"]["code"] == "invalid"
    not_json = app.test_client().post(
        f"{A}/{code}/messages", headers=bearer(db, team.supervisor), data="body"
    )
    assert not_json.status_code == 415  # not sent as application/json
    not_object = app.test_client().post(
        f"{A}/{code}/messages", headers=bearer(db, team.supervisor), json=["body"]
    )
    assert not_object.status_code == 400


def test_posts_without_csrf_token_are_refused(app: Flask, db: Session, team: Team) -> None:
    code = team.created.case.code
    client = web_client(app, db, team.supervisor)
    for path, data in (
        (f"{W}/{code}/pesan", {"body": "x"}),
        (f"{W}/{code}/status", {"status": "verifikasi"}),
        (f"{W}/{code}/konflik", {}),
    ):
        assert client.post(path, data=data).status_code == 400
    db.refresh(team.created.case)
    assert team.created.case.status == "diterima"


def test_investigator_assignment_gives_access_and_unassignment_removes_the_key(
    app: Flask, db: Session, team: Team
) -> None:
    from sipadu.cases.service import CaseAccessError, grant_for, unlock_case_for_staff
    from sipadu.crypto.grants import unwrap_grant

    code, case = team.created.case.code, team.created.case
    investigator = web_client(app, db, team.investigator)
    assert investigator.get(f"{W}/{code}").status_code == 403
    boss = web_client(app, db, team.supervisor)
    assigned = submit(
        boss,
        boss.get(f"{W}/{code}"),
        f"{W}/{code}/penugasan",
        fill={"username": team.investigator.account.username},
    )
    assert assigned.status_code == 303
    assert investigator.get(f"{W}/{code}").status_code == 200
    grant = grant_for(db, case, team.investigator.account.id)
    assert grant is not None and grant.granted_by == team.supervisor.account.id
    old_wrapped = grant.wrapped_dek
    assert (
        unwrap_grant(old_wrapped, team.investigator.private_key, case_id=code) == team.created.dek
    )
    name = team.investigator.account.username
    confirm = boss.get(f"{W}/{code}/penugasan/{name}/hapus")  # linked from the case page
    assert confirm.status_code == 200 and investigator.get(f"{W}/{code}").status_code == 200
    removed = submit(boss, confirm, f"{W}/{code}/penugasan/{name}/hapus")
    assert removed.status_code == 303
    assert investigator.get(f"{W}/{code}").status_code == 403
    assert grant_for(db, case, team.investigator.account.id) is None
    # Their own key opens nothing on the server any more: the grant row is gone.
    with pytest.raises(CaseAccessError):
        unlock_case_for_staff(db, case, team.investigator.account.id, team.investigator.private_key)
    with pytest.raises(DecryptionError):  # and the old copy was theirs alone
        unwrap_grant(old_wrapped, team.admin.private_key, case_id=code)
    created = events(db, "grant:created", code)
    revoked = events(db, "grant:revoked", code)
    assert detail_of(created[0]) == {
        "grantee": team.investigator.account.id,
        "reason": "assignment",
    }
    assert detail_of(revoked[0]) == {"grantee": team.investigator.account.id}


def test_inbox_of_an_investigator_lists_only_assigned_cases(
    app: Flask, db: Session, team: Team
) -> None:
    from tests.support.factories import make_case

    other = make_case(app, db)
    assign_directly(db, other, team.investigator)
    listing = app.test_client().get(A, headers=bearer(db, team.investigator)).get_json()
    assert [row["code"] for row in listing["cases"]] == [other.case.code]
    assert listing["cases"][0]["assigned_to_me"] is True
    page = web_client(app, db, team.investigator).get(W).get_data(as_text=True)
    assert other.case.code in page and team.created.case.code not in page
