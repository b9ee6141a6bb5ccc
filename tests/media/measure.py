"""Clean files, each in a fresh process, and say what each cost: ``python -m tests.media.measure``.

Files come on standard input, each as an 8-byte big-endian length and then its bytes; for
each, one JSON line comes out: the outcome, the CPU seconds spent cleaning by the process
and its children (the PDF sandbox), how much the process's peak RSS grew while cleaning,
and the children's peak RSS. Each file is fed in 256 KiB pieces, as the upload parser feeds
it.

Every file is cleaned in a process of its own, forked for it, so the peaks of one file never
hide those of the next: a forked child starts with its own CPU counters at zero, its peak RSS
at what it holds at the fork, and no children of its own. Importing the cleaners (the whole
app, about a second of CPU) happens once, before the first fork, as it happened before the
cleaning started when every file had a fresh interpreter.

The address space is capped at :data:`HARNESS_AS_LIMIT`, so a cleaner that runs away fails
the test (with a ``MemoryError``) instead of taking the machine's memory.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import resource
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

HARNESS_AS_LIMIT = 3 * 1024**3
PIECE = 256 * 1024
LENGTH_BYTES = 8


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def clean_and_measure(data: bytes) -> dict[str, object]:
    """Clean ``data`` in this process; what it cost (run in a freshly forked child)."""
    from sipadu.media import MediaCleaningError, make_cleaner

    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu_self, cpu_children = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    result: dict[str, object] = {}
    try:
        cleaner = make_cleaner("upload", None)
        size = 0
        for start in range(0, len(data), PIECE):
            size += len(cleaner.feed(data[start : start + PIECE]))
        size += len(cleaner.finish())
        result.update(outcome="cleaned", status=cleaner.report.status.value, size=size)
    except MediaCleaningError as error:
        result.update(outcome="refused", reason=error.reason, message=str(error.message))
    except BaseException as error:  # the test reports what escaped
        result.update(outcome="crashed", error=type(error).__name__)
    result.update(
        wall=time.perf_counter() - wall,
        cpu=_cpu(resource.RUSAGE_SELF) - cpu_self + _cpu(resource.RUSAGE_CHILDREN) - cpu_children,
        growth=(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * 1024,
        child_rss=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
    )
    return result


def measure_in_child(data: bytes) -> dict[str, object]:
    """Fork, clean ``data`` in the child and return its report (or how the child died)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the loop, never runs the parent's exit code
        os.close(read_end)
        try:
            os.write(write_end, json.dumps(clean_and_measure(data)).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        said = pipe.read()
    _, status = os.waitpid(pid, 0)
    if not said:
        return {"outcome": "died", "wait_status": status}
    result: dict[str, object] = json.loads(said)
    return result


def _read_exactly(stream: BinaryIO, count: int) -> bytes | None:
    data = stream.read(count)
    return data if len(data) == count else None


def main() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (HARNESS_AS_LIMIT, HARNESS_AS_LIMIT))
    import sipadu.media  # noqa: F401  (the import every fresh interpreter paid before cleaning)

    while (head := _read_exactly(sys.stdin.buffer, LENGTH_BYTES)) is not None:
        data = _read_exactly(sys.stdin.buffer, int.from_bytes(head, "big"))
        if data is None:
            break
        sys.stdout.write(json.dumps(measure_in_child(data)) + "\n")
        sys.stdout.flush()
        del data


Measure = Callable[[bytes], dict[str, object]]


@contextlib.contextmanager
def measuring(cwd: Path, timeout: float = 600) -> Iterator[Measure]:
    """Start the measuring process; the function given cleans a file in a child of it and
    returns its report."""
    with (
        tempfile.TemporaryFile() as errors,
        subprocess.Popen(
            [sys.executable, "-m", "tests.media.measure"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            cwd=cwd,
        ) as process,
    ):
        stdin, stdout = process.stdin, process.stdout
        assert stdin is not None and stdout is not None

        def measure(data: bytes) -> dict[str, object]:
            stdin.write(len(data).to_bytes(LENGTH_BYTES, "big") + data)
            stdin.flush()
            ready, _, _ = select.select([stdout], [], [], timeout)
            line = stdout.readline() if ready else b""
            if not line:
                errors.seek(0)
                said = errors.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"the measuring process stopped answering: {said}")
            result: dict[str, object] = json.loads(line)
            return result

        try:
            yield measure
        finally:
            stdin.close()  # the process ends at the end of its input
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
