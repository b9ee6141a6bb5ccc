"""Watching a server process from outside: its children, resident memory, and when it idles
(Linux ``/proc``), for the benchmarks' memory figures."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path


class ProcessProbeError(RuntimeError):
    """A process could not be read or did not settle."""


def status_kib(pid: int, field: str) -> int:
    """A ``kB`` field of ``/proc/<pid>/status`` (VmRSS, VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise ProcessProbeError(f"{field} missing for process {pid}")


def rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` now, KiB."""
    return status_kib(pid, "VmRSS")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # Field 4 (after the parenthesised command name) is the parent pid.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


class MemorySampler(threading.Thread):
    """Reads the worker's VmRSS every 20 ms and keeps the highest value."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self._halt = pid, 0, threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak_kib = max(self.peak_kib, rss_kib(self.pid))
            self._halt.wait(0.02)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def _reset_hwm(pid: int) -> bool:
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+).
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _state_and_cpu(pid: int) -> tuple[str, int]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return fields[0], int(fields[11]) + int(fields[12])  # state, utime + stime (ticks)


def wait_until_idle(pid: int, timeout: float = 60.0) -> None:
    """Return once ``pid`` sleeps and has used no CPU for 100 ms (it waits for input)."""
    end = time.monotonic() + timeout
    quiet, last = 0, _state_and_cpu(pid)[1]
    while time.monotonic() < end and quiet < 5:
        time.sleep(0.02)
        state, cpu = _state_and_cpu(pid)
        quiet = quiet + 1 if state == "S" and cpu == last else 0
        last = cpu
    if quiet < 5:
        raise ProcessProbeError(f"process {pid} did not become idle")


@contextmanager
def worker_memory_probe(pid: int) -> Iterator[MemorySampler]:
    """Track ``pid``'s peak resident memory while the block runs (``.peak_kib`` after)."""
    hwm_reset = _reset_hwm(pid)
    sampler = MemorySampler(pid)
    sampler.start()
    try:
        yield sampler
    finally:
        sampler.stop()
        if hwm_reset:
            sampler.peak_kib = max(sampler.peak_kib, status_kib(pid, "VmHWM"))


class IdleThenMemoryProbe:
    """Called between a request's headers and its body: waits until the worker has done
    what it does before reading the body (for an upload, the case-key check, whose Argon2id
    memory is not the upload's) and sits waiting, then starts watching its memory."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kib = 0
        self._probe: AbstractContextManager[MemorySampler] | None = None
        self._sampler: MemorySampler | None = None

    def __call__(self) -> None:
        wait_until_idle(self.pid)
        self._probe = worker_memory_probe(self.pid)
        self._sampler = self._probe.__enter__()

    def finish(self) -> None:
        """Stop watching; ``peak_kib`` holds the highest resident memory seen."""
        if self._probe is not None and self._sampler is not None:
            self._probe.__exit__(None, None, None)
            self.peak_kib = self._sampler.peak_kib
