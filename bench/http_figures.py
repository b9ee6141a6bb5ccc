"""Figures 1, 2 and 6 of docs/performance.md's table: reports through ``sipadu serve``, as
ratios to one Argon2id derivation measured in the same run."""

from __future__ import annotations

import os
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import crypto_bench, http_bench
from bench.live_instance import LiveInstance
from bench.report import Figure
from sipadu.crypto.params import DEFAULT_ARGON2, Argon2Params

LATENCY_TARGET = 1.25
THROUGHPUT_TARGET = 0.8
FLOOD_P95_TARGET = 3.0
FLOOD_RATE = 50.0
MIB = 1024 * 1024


@dataclass(frozen=True)
class HttpSizes:
    """How much the HTTP benchmarks send."""

    latency_reports: int
    throughput_seconds: float
    flood_reports: int
    argon2_runs: int


FULL_HTTP = HttpSizes(latency_reports=40, throughput_seconds=60.0, flood_reports=40, argon2_runs=7)
QUICK_HTTP = HttpSizes(latency_reports=15, throughput_seconds=15.0, flood_reports=15, argon2_runs=3)


def http_figures(sizes: HttpSizes, argon2: Argon2Params = DEFAULT_ARGON2) -> list[Figure]:
    """Start an instance with one sync worker per core and run the three benchmarks."""
    cores = os.cpu_count() or 1
    before = crypto_bench.argon2_time(sizes.argon2_runs, argon2).runs
    with (
        tempfile.TemporaryDirectory(prefix="sipadu-bench-") as folder,
        LiveInstance(Path(folder), max_file_bytes=MIB, workers=cores) as instance,
    ):
        workers = instance.worker_pids()
        http_bench.sequential_latencies(instance.port, 3)  # warm-up, not counted
        latencies = http_bench.sequential_latencies(instance.port, sizes.latency_reports)
        load = http_bench.throughput(instance.port, 4 * cores, sizes.throughput_seconds)
        flood = http_bench.under_flood(instance.port, workers, sizes.flood_reports, FLOOD_RATE)
        log = instance.server_log()
    runs = before + crypto_bench.argon2_time(sizes.argon2_runs, argon2).runs
    argon2_seconds = statistics.median(runs)
    where = (
        f"`sipadu serve` (gunicorn, {cores} sync workers = cores) on 127.0.0.1, SQLite "
        f"instance; Argon2id t={argon2.time_cost}, m={argon2.memory_cost} KiB, "
        f"p={argon2.parallelism}: median {argon2_seconds:.3f} s of {len(runs)} runs in "
        f"this process, half before and half after the HTTP benchmarks"
    )
    clean_log = "Traceback" not in log
    return [
        Figure(
            "http_argon2id_seconds",
            "Argon2id derivation (HTTP baseline)",
            argon2_seconds,
            "s",
            "baseline",
            None,
            where + ".",
        ),
        *_latency(latencies, argon2_seconds),
        *_throughput(load, cores, argon2_seconds, clean_log),
        *_flood(flood, argon2),
    ]


def _latency(latencies: list[float], argon2_seconds: float) -> list[Figure]:
    median = statistics.median(latencies)
    ratio = median / argon2_seconds
    return [
        Figure(
            "submission_latency_ratio",
            "Submission latency / Argon2id (1 client)",
            ratio,
            "x",
            f"<= {LATENCY_TARGET}",
            ratio <= LATENCY_TARGET,
            f"Median of {len(latencies)} JSON reports (POST /api/v1/reports) sent one after the "
            f"other, end to end over loopback: {median * 1000:.0f} ms (min "
            f"{min(latencies) * 1000:.0f}, p95 {http_bench.p95(latencies) * 1000:.0f} ms).",
        )
    ]


def _throughput(
    load: http_bench.Throughput, cores: int, argon2_seconds: float, clean_log: bool
) -> list[Figure]:
    ideal = cores / argon2_seconds
    ratio = load.per_second / ideal
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(load.statuses.items(), key=str))
    return [
        Figure(
            "submission_throughput_ratio",
            f"Submission throughput / (cores / Argon2id), {4 * cores} clients",
            ratio,
            "x",
            f">= {THROUGHPUT_TARGET}, zero errors",
            ratio >= THROUGHPUT_TARGET and load.errors == 0 and clean_log,
            f"{load.accepted} reports in {load.seconds:.1f} s = {load.per_second:.2f}/s against "
            f"{ideal:.2f}/s ({cores} cores / {argon2_seconds:.3f} s); answers {statuses}; "
            f"{'no' if clean_log else 'A'} traceback in the server log.",
        )
    ]


def _flood(result: http_bench.FloodResult, argon2: Argon2Params) -> list[Figure]:
    quiet, flooded = http_bench.p95(result.quiet), http_bench.p95(result.flooded)
    ratio = flooded / quiet
    flood = result.flood
    answers = ", ".join(f"{status}: {n}" for status, n in sorted(flood.statuses.items(), key=str))
    bound_mib = argon2.memory_cost / 1024 + 64
    above = result.above_idle_kib / 1024
    refused = sum(result.refused.values())
    return [
        Figure(
            "flood_submission_p95_ratio",
            f"Submission p95 under {FLOOD_RATE:g} wrong keys/s / p95 without",
            ratio,
            "x",
            f"<= {FLOOD_P95_TARGET:g}, no report refused",
            ratio <= FLOOD_P95_TARGET and refused == 0,
            f"{len(result.flooded)} reports one after the other during the flood: p95 "
            f"{flooded * 1000:.0f} ms (median {statistics.median(result.flooded) * 1000:.0f}"
            f"); without: p95 {quiet * 1000:.0f} ms (median "
            f"{statistics.median(result.quiet) * 1000:.0f}); reports refused: {refused}. "
            f"Flood: random well-formed keys of unknown cases at "
            f"{flood.sent_per_second:.1f}/s answered ({flood.skipped} ticks skipped with "
            f"every sender waiting), answers {answers}. Rate limits off, as if every "
            f"guess came from a different address.",
        ),
        Figure(
            "flood_worker_memory_mib",
            "Worker memory above idle during the flood",
            above,
            "MiB",
            f"< {bound_mib:g} MiB",
            above < bound_mib,
            f"Largest rise of any worker's resident memory (sampled every 20 ms) over its "
            f"idle size; bound: one Argon2id derivation ({argon2.memory_cost // 1024} MiB) "
            f"plus 64 MiB per worker. Idle {[k // 1024 for k in result.idle_kib]} MiB, "
            f"peak {[k // 1024 for k in result.peak_kib]} MiB.",
        ),
    ]
