"""Data checks for 0021_read_markers: an existing case gets no reporter markers (its
Inspektorat messages and later timeline entries count as new once) and no officer markers;
after the upgrade every kind of marker is stored; on the way down the markers go and the
case, its messages and its timeline stay."""

from __future__ import annotations

from sqlalchemy import Connection, text

from tests.migrations.data.rows import AT, SEALED, add_case, add_supervisor

_VALUES = {"t": True, "f": False, "blob": SEALED, "at": AT}


def before_upgrade(connection: Connection) -> None:
    add_supervisor(connection, 210, "verifikator21")
    add_case(connection, 211, "SPD-READ211")
    connection.execute(
        text(
            "INSERT INTO case_messages (id, case_id, author_kind, staff_id, internal,"
            " body_sealed, created_on) VALUES (212, 211, 'staff', 210, :f, :blob, '2026-11-01')"
        ),
        _VALUES,
    )
    connection.execute(
        text(
            "INSERT INTO timeline_entries (id, case_id, kind, status, created_on)"
            " VALUES (213, 211, 'status', 'verifikasi', '2026-11-01')"
        )
    )


def after_upgrade(connection: Connection) -> None:
    markers = connection.execute(
        text("SELECT reporter_seen_message, reporter_seen_entry FROM cases WHERE id = 211")
    )
    assert tuple(markers.one()) == (None, None)
    assert connection.execute(text("SELECT COUNT(*) FROM case_reads")).scalar() == 0
    connection.execute(
        text(
            "UPDATE cases SET reporter_seen_message = 212, reporter_seen_entry = 213 WHERE id = 211"
        )
    )
    connection.execute(
        text("INSERT INTO case_reads (case_id, staff_id, seen_message) VALUES (211, 210, 212)")
    )


def before_downgrade(connection: Connection) -> None:
    row = connection.execute(text("SELECT staff_id, seen_message FROM case_reads")).one()
    assert tuple(row) == (210, 212)
    markers = connection.execute(
        text("SELECT reporter_seen_message, reporter_seen_entry FROM cases WHERE id = 211")
    )
    assert tuple(markers.one()) == (212, 213)


def after_downgrade(connection: Connection) -> None:
    assert connection.execute(text("SELECT code FROM cases WHERE id = 211")).scalar() == (
        "SPD-READ211"
    )
    messages = connection.execute(text("SELECT id FROM case_messages WHERE case_id = 211"))
    assert messages.scalars().all() == [212]
    entries = connection.execute(text("SELECT id FROM timeline_entries WHERE case_id = 211"))
    assert entries.scalars().all() == [213]
