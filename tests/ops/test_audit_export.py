"""`sipadu audit export` and `verify --anchor`: an anchored head catches a rewritten history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from sipadu.audit.service import (
    canonical_row,
    chain_hash,
    chain_head,
    check_anchor,
    export_rows,
    record_event,
    sign,
)
from sipadu.db import make_engine
from tests.support.cli import cli_env, run_sipadu
from tests.support.instance import Database


def _rewrite_history(database: Database, key: bytes) -> None:
    """What an insider holding the database AND the audit key could do: edit row 1 and
    re-sign every row after it, so the plain walk passes."""
    engine = make_engine(database.url, database.schema)
    with Session(engine) as db:
        prev = GENESIS_HASH
        rows = db.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        for row in rows:
            if row.seq == 1:
                row.detail = '{"forged":true}'
            row.prev_hash = prev
            row.hash = chain_hash(
                prev,
                canonical_row(
                    row.seq,
                    row.occurred_at,
                    row.tag,
                    row.actor,
                    row.case_code,
                    row.outcome,
                    row.detail,
                ),
            )
            row.hmac = sign(key, row.hash)
            prev = row.hash
        head = db.get(AuditHead, 1)
        assert head is not None
        head.hash, head.hmac = prev, sign(key, f"head|{len(rows)}|{prev}")
        db.commit()
    engine.dispose()


@pytest.mark.slow
def test_export_anchor_and_rewritten_history(tmp_path: Path, sqlite_database: Database) -> None:
    env = cli_env(tmp_path, sqlite_database)
    assert run_sipadu(env, "init").returncode == 0
    out = tmp_path / "audit.jsonl"
    exported = run_sipadu(env, "audit", "export", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["seq"] for row in rows] == [1] and rows[0]["tag"] == "system:initialised"
    head = exported.stderr.strip().splitlines()[-1]
    assert head == f"HEAD 1:{rows[0]['hash']}"
    anchor = head.removeprefix("HEAD ")
    good = run_sipadu(env, "audit", "verify", "--anchor", anchor)
    assert good.returncode == 0 and "Anchor found" in good.stdout, good.stderr

    key = bytes.fromhex((tmp_path / "keys" / "audit_hmac.key").read_text().strip())
    _rewrite_history(sqlite_database, key)
    caught = run_sipadu(env, "audit", "verify", "--anchor", anchor)
    assert caught.returncode == 1 and "no row carries the anchored hash" in caught.stderr


def test_anchor_checks(app: Flask, db: Session) -> None:
    keyring = current_settings(app).keyring
    assert keyring is not None
    for _ in range(3):
        record_event(db, keyring.audit_hmac_key, "system:checked", actor="cli")
    db.commit()
    rows = list(export_rows(db))
    assert [row["seq"] for row in rows] == [1, 2, 3]
    assert chain_head(db) == (3, rows[-1]["hash"])
    second = str(rows[1]["hash"])
    assert check_anchor(db, second) is None
    assert check_anchor(db, f"2:{second.upper()}") is None
    assert "not at row 3" in (check_anchor(db, f"3:{second}") or "")
    assert "64-character" in (check_anchor(db, "kepala") or "")
    assert "no row" in (check_anchor(db, "f" * 64) or "")
    # Truncation before the anchor: the row (and every later one) is gone.
    db.execute(delete(AuditEvent).where(AuditEvent.seq >= 2))
    db.commit()
    assert "no row" in (check_anchor(db, second) or "")
