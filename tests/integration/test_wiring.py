"""The parts built separately work together: notifications, admin settings, privacy of
reporter-driven times."""

from __future__ import annotations

import io
from datetime import UTC, date

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.admin.service import InstanceSettings, save_instance_settings
from sipadu.app_context import current_settings
from sipadu.cases.deadlines import DeadlinePolicy
from sipadu.casework.case_conditions import inbox_policy
from sipadu.casework.service import retention_days
from sipadu.days import WIB
from sipadu.notify.models import PendingNotification
from sipadu.reporting.service import send_reply, submit_report
from tests.support.factories import make_staff

REPORT = {"category": "pungli", "what": "Pungutan di loket pelayanan."}


def _audit_key(app: Flask) -> bytes:
    keyring = current_settings(app).keyring
    assert keyring is not None
    return keyring.audit_hmac_key


def test_submission_and_reply_notify_without_exact_times(app: Flask, db: Session) -> None:
    supervisor = make_staff(app, db, "supervisor")
    submission = submit_report(db, dict(REPORT), None, [], current_settings(app))
    db.commit()
    case = submission.created.case
    queued = db.scalars(select(PendingNotification)).all()
    assert [(n.staff_id, n.kind) for n in queued] == [(supervisor.account.id, "new_case")]
    send_reply(db, case, submission.created.dek, "Tambahan informasi.", _audit_key(app))
    db.commit()
    kinds = sorted(n.kind for n in db.scalars(select(PendingNotification)))
    assert kinds == ["new_case", "reporter_reply"]
    # No exact time of the reporter's act: the case is touched at the Jakarta day's midnight,
    # the notification queue keeps UTC days (its digests are sent by UTC day).
    touched = case.updated_at.replace(tzinfo=case.updated_at.tzinfo or UTC).astimezone(WIB)
    assert (touched.hour, touched.minute, touched.second) == (0, 0, 0)
    for moment in (n.created_at for n in db.scalars(select(PendingNotification))):
        assert (moment.hour, moment.minute, moment.second) == (0, 0, 0)


def test_admin_settings_drive_deadlines_retention_and_uploads(app: Flask, db: Session) -> None:
    assert retention_days(db) == 365
    policy, holidays = inbox_policy(db)
    # Out of the box the national calendar counts (Independence Day), nothing regional.
    assert date(2026, 8, 17) in holidays and date(2026, 11, 10) not in holidays
    saved = InstanceSettings(
        deadlines=DeadlinePolicy(acknowledge_working_days=5),
        holidays={date(2026, 11, 10): "Libur daerah"},
        retention_days=400,
        max_file_mib=1,
        max_files=1,
    )
    save_instance_settings(db, saved, audit_key=_audit_key(app), actor="staff:1")
    db.commit()
    policy, holidays = inbox_policy(db)
    assert policy.acknowledge_working_days == 5 and date(2026, 11, 10) in holidays
    assert retention_days(db) == 400
    assert policy != DeadlinePolicy()

    from flask import Blueprint

    from sipadu.uploads.multipart import accepts_uploads, encrypted_uploads
    from sipadu.web.auth import public

    probe = Blueprint("limitprobe", __name__)

    @probe.post("/limitprobe")
    @public
    @accepts_uploads
    def upload() -> str:
        return ",".join(item.refusal or "ok" for item in encrypted_uploads())

    app.register_blueprint(probe)
    app.config["WTF_CSRF_ENABLED"] = False
    response = app.test_client().post(
        "/limitprobe",
        data={
            "f": [
                (io.BytesIO(b"a" * (1024 * 1024 + 1)), "besar.bin"),
                (io.BytesIO(b"b"), "dua.txt"),
            ]
        },
        content_type="multipart/form-data",
    )
    assert response.text == "too_large,too_many"
