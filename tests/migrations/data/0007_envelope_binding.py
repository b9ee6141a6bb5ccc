"""Data checks for 0007_envelope_binding (envelope v2).

Content sealed with version 1 before the upgrade still opens through the service's read path
afterwards; the rows get no record id until their case is next written to; going down keeps
every row."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import Connection, text

from sipadu.cases.attachments import _view as attachment_view
from sipadu.cases.content import _message_view, _timeline_view, read_report
from sipadu.cases.models import Attachment, Case, CaseMessage, TimelineEntry
from sipadu.crypto import envelope

DEK = bytes(range(32))
CODE = "SPD-MIGR10"
MESSAGES = {"reporter": "PESAN-LAMA-PELAPOR", "staff": "PESAN-LAMA-PETUGAS"}


def _v1(kind: bytes, document: dict[str, object]) -> bytes:
    return envelope.seal(DEK, json.dumps(document).encode(), case_id=CODE, kind=kind)


def before_upgrade(connection: Connection) -> None:
    connection.execute(
        text(
            "INSERT INTO cases (id, code, category, status, received_on, objection_used,"
            " report_sealed, reporter_key_record, updated_at) VALUES (901, :code, 'kkn',"
            " 'diterima', '2026-11-01', :false, :report, :record, '2026-11-01 00:00:00')"
        ),
        {
            "code": CODE,
            "false": False,
            "record": b"\x01" * 119,
            "report": _v1(envelope.KIND_REPORT, {"category": "kkn", "what": "LAPORAN-LAMA"}),
        },
    )
    for number, (author, body) in enumerate(MESSAGES.items(), start=901):
        connection.execute(
            text(
                "INSERT INTO case_messages (id, case_id, author_kind, staff_id, internal,"
                " body_sealed, created_on) VALUES (:id, 901, :author, NULL, :false, :body,"
                " '2026-11-02')"
            ),
            {
                "id": number,
                "author": author,
                "false": False,
                "body": _v1(envelope.KIND_MESSAGE, {"body": body, "sent_at": "2026-11-02"}),
            },
        )
    connection.execute(
        text(
            "INSERT INTO timeline_entries (id, case_id, kind, status, text_sealed, created_on)"
            " VALUES (901, 901, 'objection', NULL, :text, '2026-11-03')"
        ),
        {"text": _v1(b"timeline", {"timeline": "KEBERATAN-LAMA"})},
    )
    connection.execute(
        text(
            "INSERT INTO attachments (id, case_id, blob_id, file_key_sealed, meta_sealed,"
            " uploaded_by, created_on) VALUES (901, 901, :blob, :key, :meta, 'reporter',"
            " '2026-11-02')"
        ),
        {
            "blob": "ab" * 16,
            "key": envelope.seal(DEK, b"k" * 32, case_id=CODE, kind=envelope.KIND_FILE_KEY),
            "meta": _v1(
                b"attachment-meta",
                {"filename": "lama.pdf", "content_type": "", "size": 3, "cleaning": {}},
            ),
        },
    )


def _case(connection: Connection) -> Case:
    report = connection.execute(text("SELECT report_sealed FROM cases WHERE id = 901")).one()
    return Case(id=901, code=CODE, report_sealed=bytes(report[0]))


def after_upgrade(connection: Connection) -> None:
    # Transient rows built from plain SQL: the read path is the service's, the columns those
    # of this revision (later revisions may add others the models already know).
    case = _case(connection)
    assert read_report(case, DEK)["what"] == "LAPORAN-LAMA"
    rows = connection.execute(
        text(
            "SELECT id, author_kind, internal, body_sealed, record_id FROM case_messages"
            " WHERE case_id = 901 ORDER BY id"
        )
    ).all()
    assert [row.record_id for row in rows] == [None, None]
    views = [
        _message_view(
            case,
            DEK,
            CaseMessage(
                id=row.id,
                author_kind=row.author_kind,
                staff_id=None,
                internal=bool(row.internal),
                body_sealed=bytes(row.body_sealed),
                record_id=None,
                created_on=date(2026, 11, 2),
            ),
        )
        for row in rows
    ]
    assert [(v.verified, v.author_kind, v.body) for v in views] == [
        (True, author, body) for author, body in MESSAGES.items()
    ]
    entry = connection.execute(
        text("SELECT text_sealed FROM timeline_entries WHERE id = 901")
    ).one()
    timeline = _timeline_view(
        case,
        DEK,
        TimelineEntry(
            kind="objection",
            status=None,
            text_sealed=bytes(entry[0]),
            record_id=None,
            created_on=date(2026, 11, 3),
        ),
    )
    assert (timeline.verified, timeline.text) == (True, "KEBERATAN-LAMA")
    meta = connection.execute(text("SELECT meta_sealed FROM attachments WHERE id = 901")).one()
    file = attachment_view(
        case,
        DEK,
        Attachment(
            id=901,
            blob_id="ab" * 16,
            uploaded_by="reporter",
            meta_sealed=bytes(meta[0]),
            record_id=None,
        ),
    )
    assert (file.verified, file.filename) == (True, "lama.pdf")


def before_downgrade(connection: Connection) -> None:
    connection.execute(
        text("UPDATE case_messages SET record_id = :rid WHERE id = 901"),
        {"rid": envelope.new_record_id()},
    )


def after_downgrade(connection: Connection) -> None:
    columns = connection.execute(text("SELECT * FROM case_messages WHERE case_id = 901"))
    assert "record_id" not in list(columns.keys())
    assert len(columns.all()) == 2
    assert _case(connection).report_sealed[0] == 1
