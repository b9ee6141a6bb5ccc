"""Clean one file in a fresh process and say what it cost: ``python -m tests.media.measure``.

The file comes on standard input; one JSON line comes out: the outcome, the CPU seconds of
this process and of its children (the PDF sandbox) spent cleaning, how much this process's
peak RSS grew while cleaning, and the children's peak RSS. A fresh process per file keeps
the peaks of one file from hiding those of the next. The file is fed in 256 KiB pieces,
as the upload parser feeds it.

Its own address space is capped at :data:`HARNESS_AS_LIMIT`, so a cleaner that runs away
fails the test (with a ``MemoryError``) instead of taking the machine's memory.
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import time

HARNESS_AS_LIMIT = 3 * 1024**3
PIECE = 256 * 1024


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (HARNESS_AS_LIMIT, HARNESS_AS_LIMIT))
    from sipadu.media import MediaCleaningError, make_cleaner

    data = sys.stdin.buffer.read()
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
    print(json.dumps(result))


if __name__ == "__main__":
    main()
