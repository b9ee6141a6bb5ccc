"""`make bench` with tiny sizes: every figure is measured and lands in both reports.

No timing is asserted here (the suite must pass on any machine); `make bench` itself
judges the targets.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from bench.__main__ import Sizes, audit_figures, crypto_figures, inbox_figures, run
from bench.report import Report, machine_info
from tests.conftest import TEST_ARGON2

KIB = 1024
TINY = Sizes(
    stream=256 * KIB, upload=300 * KIB, argon2_runs=2, rounds=2, audit_rows=300, inbox_cases=40
)
CRYPTO_KEYS = {
    "raw_aesgcm_mib_s",
    "stream_encrypt_mib_s",
    "stream_encrypt_ratio",
    "stream_decrypt_mib_s",
    "stream_decrypt_ratio",
    "raw_aesgcm_decrypt_mib_s",
    "argon2id_seconds",
}
UPLOAD_KEYS = {
    "upload_raw_aesgcm_mib_s",
    "upload_mib_s",
    "upload_ratio",
    "upload_multipart_mib_s",
    "store_write_mib_s",
    "loopback_store_mib_s",
    "upload_ceiling_ratio",
    "download_mib_s",
    "download_ratio",
    "download_cached_mib_s",
    "download_cached_ratio",
    "cold_read_mib_s",
    "upload_peak_above_idle_mib",
}
AUDIT_KEYS = {"audit_verify_rows_s"}
INBOX_KEYS = {
    "inbox_sqlite_p95_ms_first",
    "inbox_sqlite_p95_ms_overdue",
    "inbox_sqlite_p95_ms_status",
}
TARGETED = {
    "stream_encrypt_ratio",
    "stream_decrypt_ratio",
    "argon2id_seconds",
    "upload_peak_above_idle_mib",
    "upload_ratio",
    "download_ratio",
    "download_cached_ratio",
    "audit_verify_rows_s",
    *INBOX_KEYS,
}
FIGURE_FIELDS = {"key", "name", "value", "unit", "target", "passed", "detail", "verdict"}
MACHINE_FIELDS = {
    "cpu_model",
    "cores",
    "python",
    "implementation",
    "system",
    "cryptography",
    "argon2_cffi",
}


def _check_report(folder: Path, keys: set[str]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    markdown = (folder / "report.md").read_text(encoding="utf-8")
    assert set(data["machine"]) == MACHINE_FIELDS
    assert all(data["machine"][field] not in (None, "") for field in MACHINE_FIELDS)
    assert data["generated"] in markdown and data["machine"]["cpu_model"] in markdown
    figures = {figure["key"]: figure for figure in data["figures"]}
    assert set(figures) == keys
    for key, figure in figures.items():
        assert set(figure) == FIGURE_FIELDS
        assert math.isfinite(figure["value"]) and figure["value"] >= 0, key
        # Targeted figures get PASS or FAIL, baselines INFO; both reports say the same.
        expected = {"PASS", "FAIL"} if key in TARGETED else {"INFO"}
        assert figure["verdict"] in expected, key
        assert f"| {figure['name']} |" in markdown
        assert f"| {figure['verdict']} |" in markdown
    assert data["all_targets_met"] == all(f["passed"] is not False for f in figures.values())
    return data


def test_crypto_figures_fill_the_report(tmp_path: Path) -> None:
    report = Report(machine_info(), {"quick": True})
    for figure in crypto_figures(TINY, TEST_ARGON2):
        report.add(figure)
    report.write(tmp_path)
    data = _check_report(tmp_path, CRYPTO_KEYS)
    argon2 = next(f for f in data["figures"] if f["key"] == "argon2id_seconds")
    assert "t=1, m=8 KiB" in argon2["detail"]


@pytest.mark.slow
def test_full_run_through_a_real_server_writes_every_figure(tmp_path: Path) -> None:
    """Starts `sipadu serve` on 127.0.0.1, uploads a generated 300 KiB file through the
    reporter API twice (body and multipart) and downloads it as a supervisor."""
    # The HTTP group (minutes of real Argon2id) has its own test in test_http_bench.py.
    report = run(
        TINY,
        tmp_path / "out",
        quick=True,
        argon2=TEST_ARGON2,
        groups=("crypto", "upload", "audit", "inbox"),
    )
    data = _check_report(tmp_path / "out", CRYPTO_KEYS | UPLOAD_KEYS | AUDIT_KEYS | INBOX_KEYS)
    assert data == report.as_dict()
    upload = next(f for f in report.figures if f.key == "upload_peak_above_idle_mib")
    assert "127.0.0.1" in upload.detail and "Idle" in upload.detail


def test_audit_figure_seeds_a_valid_chain_and_reports_it(tmp_path: Path) -> None:
    """300 bulk-seeded rows verify (the seeding matches what record_event writes)."""
    report = Report(machine_info(), {"quick": True})
    for figure in audit_figures(300):
        report.add(figure)
    report.write(tmp_path)
    data = _check_report(tmp_path, AUDIT_KEYS)
    assert "300 chained" in data["figures"][0]["detail"]
    assert "Chain verified" in data["figures"][0]["detail"]


def test_seeded_chain_continues_with_record_event(tmp_path: Path) -> None:
    """The bench's bulk rows are real chain rows: the service appends to them and the whole
    chain verifies, and an edit among them is still caught."""
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from bench.audit_bench import seed_chain
    from sipadu.audit.models import AuditEvent
    from sipadu.audit.service import record_event, verify_chain
    from sipadu.db import make_engine

    key, url = b"k" * 32, f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    seed_chain(url, key, 50)
    engine = make_engine(url)
    with Session(engine) as session:
        record_event(session, key, "case:viewed", actor="staff:3", case_code="SPD-ABCDEF")
        session.commit()
        assert verify_chain(session, key).rows_checked == 51
        session.execute(update(AuditEvent).where(AuditEvent.seq == 20).values(actor="cli"))
        assert verify_chain(session, key).first_bad_seq == 20
    engine.dispose()


def test_inbox_figures_seed_pages_and_report(tmp_path: Path) -> None:
    """40 cases filed through the services: every page answers, three figures reported."""
    report = Report(machine_info(), {"quick": True})
    for figure in inbox_figures(40, requests=2, cache_root=tmp_path / "cache"):
        report.add(figure)
    report.write(tmp_path)
    data = _check_report(tmp_path, INBOX_KEYS)
    figures = {figure["key"]: figure for figure in data["figures"]}
    assert "25 rows, total 40." in figures["inbox_sqlite_p95_ms_first"]["detail"]
    for figure in figures.values():
        assert "reporting service" in figure["detail"]
        assert "gunicorn" in figure["detail"]
