"""The HTTP benchmarks' plumbing against a real ``sipadu serve``, with tiny counts.

The figures themselves are never asserted (the machines are shared); what is checked is
that the bench measures what it says: reports really accepted, guesses really refused as
the product intends (401 or a 503 busy answer, never an error), nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import http_bench
from bench.live_instance import LiveInstance

pytestmark = pytest.mark.slow


def test_p95_is_the_inclusive_95th_percentile() -> None:
    assert http_bench.p95([3.0, 1.0, 2.0]) == 3.0  # fewer than 20: the largest
    values = [float(n) for n in range(1, 101)]
    assert http_bench.p95(values) == pytest.approx(95.05)


def test_latency_throughput_and_flood_against_a_live_server(tmp_path: Path) -> None:
    with LiveInstance(tmp_path, max_file_bytes=1024 * 1024, workers=2) as instance:
        workers = instance.worker_pids()
        times = http_bench.sequential_latencies(instance.port, 2)
        load = http_bench.throughput(instance.port, clients=3, seconds=2.0)
        flooded = http_bench.under_flood(instance.port, workers, submissions=3, rate=10.0)
        log = instance.server_log()
    assert len(times) == 2 and all(t > 0 for t in times)
    assert load.accepted >= 1 and load.errors == 0
    assert len(flooded.quiet) == len(flooded.flooded) == 3 and not flooded.refused
    answers = flooded.flood.statuses
    assert sum(answers.values()) >= 10
    assert set(answers) <= {401, 503}, answers
    assert len(flooded.peak_kib) == 2 and flooded.above_idle_kib >= 0
    assert "Traceback" not in log
