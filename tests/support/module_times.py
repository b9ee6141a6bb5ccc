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
LISTED_FROM_SECONDS = 5.0  # modules faster than this are not worth a line

# Seconds of setup, call and teardown of every test of the module (one run on 2 cores).
RECORDED_SECONDS: dict[str, float] = {}


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
