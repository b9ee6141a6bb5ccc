"""How long each slow test module took, so the longest are handed out first.

Under pytest-xdist (``--dist loadfile``) a module is handed to whichever process is free, in
collection order. A long module handed out last keeps one process busy while the other idles
(the tail of the run). ``tests/conftest.py`` therefore sorts modules by the seconds recorded
here, longest first (the largest-first rule of scheduling); a module not listed counts as
``UNLISTED_SLOW_SECONDS`` when it holds a ``slow`` or ``e2e`` test, else as nothing.

The figures only order the run; a stale one costs time, never a result. To refresh them, run
the suite with ``PYTEST_ARGS="--durations=0"`` into a file and give it to
``python -m tests.support.module_times FILE``, which prints the table below.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

UNLISTED_SLOW_SECONDS = 30.0
LISTED_FROM_SECONDS = 10.0  # modules faster than this are not worth a line

# Seconds of setup, call and teardown of the module's tests: the 200 slowest phases of one run
# on 2 cores under a load average of about 9 (so only their order means much), 10 s or more.
# Modules made cheaper since were scaled by their measured change of CPU time; test_cli.py
# (35 CPU s alone, 45 s of wall time) by its CPU time against test_backup_cli.py's (47 s).
RECORDED_SECONDS: dict[str, float] = {
    "tests/load/test_live_load.py": 223,
    "tests/ops/test_backup.py": 187,
    "tests/escrow/test_escrow.py": 158,
    "tests/ops/test_backup_cli.py": 143,
    "tests/test_metrics_live.py": 109,
    "tests/test_cli.py": 100,
    "tests/e2e/test_staff_pages_checks.py": 95,
    "tests/media/test_hostile.py": 90,
    "tests/staff/test_cli_account.py": 82,
    "tests/faults/test_postgres_restart.py": 82,
    "tests/bench/test_bench_report.py": 77,
    "tests/fuzz/test_forms.py": 75,
    "tests/ops/test_escrow_scenarios.py": 68,
    "tests/fuzz/test_api_schema.py": 65,
    "tests/media/test_sandbox.py": 64,
    "tests/test_logging_privacy.py": 61,
    "tests/ops/test_retention.py": 60,
    "tests/migrations/test_migrations.py": 60,
    "tests/e2e/test_full_journey.py": 53,
    "tests/media/test_streaming.py": 53,
    "tests/confidential/test_export.py": 51,
    "tests/e2e/test_reporter_pages_checks.py": 45,
    "tests/staff/test_argon2_outside_transaction.py": 42,
    "tests/storage/test_s3_cli.py": 42,
    "tests/web/test_host_check.py": 38,
    "tests/ops/test_gc.py": 36,
    "tests/audit/test_concurrency.py": 35,
    "tests/e2e/test_reporter_journey.py": 34,
    "tests/test_slow_clients.py": 33,
    "tests/web/test_no_raw_keys.py": 33,
    "tests/escrow/test_escrow_approve.py": 32,
    "tests/nodes/test_two_nodes.py": 31,
    "tests/test_packaging.py": 31,
    "tests/migrations/test_template.py": 26,
    "tests/faults/test_worker_kill.py": 24,
    "tests/casework/test_intake.py": 24,
    "tests/e2e/test_landing.py": 22,
    "tests/ops/test_audit_export.py": 20,
    "tests/web/test_ratelimit_workers.py": 19,
    "tests/bench/test_http_bench.py": 19,
    "tests/bench/test_inbox_bench.py": 19,
    "tests/test_effective_settings.py": 18,
    "tests/e2e/test_harness.py": 16,
    "tests/web/test_ratelimit_redis_down_live.py": 16,
    "tests/casework/test_access_matrix.py": 15,
    "tests/e2e/test_staff_signin.py": 14,
    "tests/cases/test_holidays.py": 13,
    "tests/channels/test_outbox.py": 12,
    "tests/reporting/test_case_page_for_reporter.py": 11,
    "tests/confidential/test_identity_notices.py": 11,
    "tests/reporting/test_security.py": 10,
    "tests/web/test_user_errors.py": 10,
}


def module_seconds(module: str, *, slow: bool) -> float:
    """The seconds to order ``module`` by (a path like ``tests/load/test_live_load.py``)."""
    default = UNLISTED_SLOW_SECONDS if slow else 0.0
    return RECORDED_SECONDS.get(module, default)


_DURATION = re.compile(r"^([\d.]+)s (?:setup|call|teardown)\s+(\S+?)::")


def seconds_per_module(durations: str) -> dict[str, float]:
    """Sum pytest's ``--durations`` lines per module, longest first."""
    totals: dict[str, float] = defaultdict(float)
    for line in durations.splitlines():
        match = _DURATION.match(line.strip())
        if match:
            totals[match.group(2)] += float(match.group(1))
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def main(path: str) -> None:
    """Print the table for ``RECORDED_SECONDS`` from a pytest output with durations."""
    totals = seconds_per_module(Path(path).read_text(encoding="utf-8"))
    print("RECORDED_SECONDS: dict[str, float] = {")
    for module, seconds in totals.items():
        if seconds >= LISTED_FROM_SECONDS:
            print(f'    "{module}": {seconds:.0f},')
    print("}")


if __name__ == "__main__":
    main(sys.argv[1])
