"""`sipadu storage gc`: old orphans go, young ones and referenced blobs stay, bad rows are named."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from sipadu.crypto import stream
from sipadu.db import make_engine
from sipadu.ops.gc import sweep_storage, valid_padded_size
from tests.ops.conftest import blob_store, file_case, replace_blob_bytes, supervisor
from tests.support.cli import cli_env, run_sipadu
from tests.support.instance import Database


def _orphan(app: Flask) -> str:
    store = blob_store(app)
    with store.open_writer() as writer:
        writer.write(b"\x01" + bytes(100))
        return writer.commit()


@pytest.mark.parametrize("blob_kind", ["file", "s3"])
def test_gc_removes_only_old_orphans_and_reports_bad_rows(
    ops_app: Flask,
    ops_db: Session,
) -> None:
    supervisor(ops_app, ops_db)
    good = file_case(ops_app, ops_db, "utuh", files=1)
    damaged = file_case(ops_app, ops_db, "terpotong", files=2)
    store = blob_store(ops_app)
    orphan = _orphan(ops_app)
    missing_id, truncated_id = sorted(damaged.files)
    store.delete(missing_id)
    with store.open(truncated_id) as blob:
        head = blob.read(stream.HEADER_SIZE + stream.RECORD_SIZE - 5)
    replace_blob_bytes(store, truncated_id, head)

    # A young orphan may be a blob whose row is not committed yet: it stays.
    assert sweep_storage(ops_db, store).removed == []
    report = sweep_storage(ops_db, store, now=time.time() + 7200)
    assert report.removed == [orphan] and not store.exists(orphan)
    assert all(store.exists(b) for b in good.files)
    assert report.checked == 3
    problems = {p.blob_id: p for p in report.problems}
    assert set(problems) == {missing_id, truncated_id}
    assert problems[missing_id].problem == "missing"
    assert "size" in problems[truncated_id].problem
    assert {p.case_code for p in report.problems} == {damaged.code}


def test_valid_padded_sizes() -> None:
    header, record = stream.HEADER_SIZE, stream.RECORD_SIZE
    assert valid_padded_size(header + record)
    assert not valid_padded_size(header)
    assert not valid_padded_size(header + record + 1)
    assert all(valid_padded_size(header + n * record) for n in range(1, 64))
    big = stream.padded_record_count(65)
    assert big > 65 and valid_padded_size(header + big * record)
    assert not valid_padded_size(header + 65 * record)


def test_gc_cli_exit_code(tmp_path: Path, sqlite_database: Database) -> None:
    env = cli_env(tmp_path, sqlite_database)
    assert run_sipadu(env, "init").returncode == 0
    blobs = tmp_path / "instance" / "blobs"
    blobs.mkdir(exist_ok=True)
    orphan = blobs / ("ab" * 16)
    orphan.write_bytes(b"\x01" * 10)
    os.utime(orphan, (time.time() - 7200, time.time() - 7200))
    result = run_sipadu(env, "storage", "gc")
    assert result.returncode == 0, result.stderr
    assert f"removed orphan blob {orphan.name}" in result.stdout and not orphan.exists()
    engine = make_engine(sqlite_database.url)
    with engine.begin() as connection:  # a row whose blob vanished
        connection.execute(
            text(
                "INSERT INTO cases (code, category, status, received_on, objection_used, "
                "report_sealed, reporter_key_record, updated_at) VALUES ('SPD-HILANG', 'kkn', "
                "'diterima', '2026-01-01', 0, x'00', x'00', '2026-01-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO attachments (case_id, blob_id, file_key_sealed, meta_sealed, "
                "uploaded_by, created_on) VALUES (1, :b, x'00', x'00', 'reporter', '2026-01-01')"
            ),
            {"b": "cd" * 16},
        )
    engine.dispose()
    failed = run_sipadu(env, "storage", "gc")
    assert failed.returncode == 1
    assert f"PROBLEM case SPD-HILANG attachment 1 blob {'cd' * 16}: missing" in failed.stderr
