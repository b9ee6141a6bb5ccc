"""Reports through `sipadu serve`: one client's latency, many clients' throughput, and both
under a flood of wrong case keys (figures 1, 2 and 6 of docs/performance.md).

Every request goes over loopback to gunicorn with one sync worker per core, as in
production; clients are threads of this process using ``http.client`` with a new connection
per request, as separate people would.
"""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.process_probe import MemorySampler, rss_kib
from sipadu.crypto.casekey import format_case_key, generate_case_key

TIMEOUT_SECONDS = 60.0
REPORT = json.dumps(
    {
        "category": "kkn",
        "what": "Uji beban: pejabat meminta imbalan untuk mempercepat izin usaha.",
        "where": "Kantor kecamatan",
        "when": "Bulan lalu",
    }
).encode()


class HttpBenchError(RuntimeError):
    """A request the bench needed did not succeed."""


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, float]:
    """Send one request on a new connection; its status and seconds to the last byte."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_SECONDS)
    try:
        connection.request(
            method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})}
        )
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - start
    finally:
        connection.close()


def submit(port: int) -> tuple[int, float]:
    """``POST /api/v1/reports`` with a small JSON report."""
    return request(port, "POST", "/api/v1/reports", REPORT)


def sequential_latencies(port: int, count: int, refused: Counter[int] | None = None) -> list[float]:
    """``count`` submissions one after the other; seconds each. A refusal raises, or is
    counted in ``refused`` (and left out of the times) when that is given."""
    times = []
    for _ in range(count):
        status, seconds = submit(port)
        if status == 201:
            times.append(seconds)
        elif refused is None:
            raise HttpBenchError(f"a report was answered {status}")
        else:
            refused[status] += 1
    return times


def p95(values: list[float]) -> float:
    """The 95th percentile (inclusive method; the largest value for fewer than 20)."""
    if len(values) < 20:
        return max(values)
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


@dataclass
class Throughput:
    """Reports acknowledged in a timed window by concurrent clients."""

    accepted: int
    seconds: float
    statuses: Counter[int | str] = field(default_factory=Counter)

    @property
    def per_second(self) -> float:
        return self.accepted / self.seconds

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 201)


def throughput(port: int, clients: int, seconds: float) -> Throughput:
    """``clients`` threads submit back to back for ``seconds``; requests started inside the
    window count, and the window ends when the last of them is answered."""
    start = time.perf_counter()
    deadline = start + seconds
    statuses: Counter[int | str] = Counter()
    lock = threading.Lock()

    def client() -> None:
        while time.perf_counter() < deadline:
            try:
                status: int | str = submit(port)[0]
            except OSError as error:
                status = type(error).__name__
            with lock:
                statuses[status] += 1

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 2 * TIMEOUT_SECONDS)
    return Throughput(statuses[201], time.perf_counter() - start, statuses)


class Flood:
    """Wrong case keys at ``rate`` per second (random unknown codes, well formed, so each
    would cost the server an Argon2id derivation), open loop: a slow answer does not slow
    the flood. Bounded by ``max_seconds``; ``stop()`` ends it sooner."""

    def __init__(self, port: int, rate: float, max_seconds: float, senders: int = 64) -> None:
        self.port, self.rate, self.max_seconds = port, rate, max_seconds
        self.senders = senders
        self.statuses: Counter[int | str] = Counter()
        self.skipped = 0  # ticks when every sender was still waiting for an answer
        self.started = self.ended = 0.0
        self._free = threading.Semaphore(senders)
        self._halt = threading.Event()
        self._lock = threading.Lock()
        self._ticker = threading.Thread(target=self._tick, daemon=True)

    def __enter__(self) -> Flood:
        self.started = time.perf_counter()
        self._ticker.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._halt.set()
        self._ticker.join()
        self.ended = time.perf_counter()
        for _ in range(self.senders):  # wait for the answers still on their way
            self._free.acquire(timeout=TIMEOUT_SECONDS)

    @property
    def sent_per_second(self) -> float:
        return sum(self.statuses.values()) / max(self.ended - self.started, 1e-9)

    def _tick(self) -> None:
        number, end = 0, self.started + self.max_seconds
        while not self._halt.is_set():
            due = self.started + number / self.rate
            if due >= end:
                return
            self._halt.wait(max(0.0, due - time.perf_counter()))
            number += 1
            if self._free.acquire(blocking=False):
                threading.Thread(target=self._guess, daemon=True).start()
            else:
                self.skipped += 1

    def _guess(self) -> None:
        key = format_case_key(generate_case_key())
        try:
            status: int | str = request(
                self.port, "GET", "/api/v1/case", headers={"Authorization": f"CaseKey {key}"}
            )[0]
        except OSError as error:
            status = type(error).__name__
        finally:
            self._free.release()
        with self._lock:
            self.statuses[status] += 1


@dataclass(frozen=True)
class FloodResult:
    """Submission latencies without and with the flood, the flood, worker memory."""

    quiet: list[float]
    flooded: list[float]
    refused: Counter[int]
    flood: Flood
    idle_kib: list[int]
    peak_kib: list[int]

    @property
    def above_idle_kib(self) -> int:
        return max(peak - idle for peak, idle in zip(self.peak_kib, self.idle_kib, strict=True))


def under_flood(port: int, workers: list[int], submissions: int, rate: float = 50.0) -> FloodResult:
    """p95 of ``submissions`` sequential reports, then again while guesses flood in."""
    sequential_latencies(port, 3)  # warm every worker up
    quiet = sequential_latencies(port, submissions)
    idle = [rss_kib(pid) for pid in workers]
    samplers = [MemorySampler(pid) for pid in workers]
    for sampler in samplers:
        sampler.start()
    refused: Counter[int] = Counter()
    try:
        with Flood(port, rate, max_seconds=submissions * 5.0 + 30) as flood:
            time.sleep(2.0)  # let the flood reach its pace first
            flooded = sequential_latencies(port, submissions, refused)
    finally:
        for sampler in samplers:
            sampler.stop()
    return FloodResult(quiet, flooded, refused, flood, idle, [s.peak_kib for s in samplers])
