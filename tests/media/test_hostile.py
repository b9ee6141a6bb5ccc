"""Hostile files cost a worker a bounded amount of memory and time (bounds: ``hostile.py``).

Each file is cleaned in a fresh process (``tests.media.measure``) that reports its CPU time
and peak memory; time is judged against normal files of the same kind cleaned in the same
run, never against a wall-clock figure.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.media import hostile

ROOT = Path(__file__).resolve().parents[2]
SMALL = 64 * 1024

pytestmark = pytest.mark.slow


def measure(data: bytes) -> dict[str, object]:
    """Clean ``data`` in a fresh process; its JSON report."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.media.measure"],
        input=data,
        capture_output=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    result: dict[str, object] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return result


@functools.cache
def normal_cpu(kind: str, size: int) -> tuple[float, int]:
    """CPU seconds to clean a normal file of this kind and about this size (best of two),
    and that file's exact size."""
    data = hostile.NORMAL[kind](size)
    runs = [measure(data) for _ in range(2)]
    assert all(run["outcome"] == "cleaned" for run in runs), runs
    return min(float(str(run["cpu"])) for run in runs), len(data)


@pytest.mark.parametrize("name", list(hostile.SHAPES))
def test_hostile_file_is_refused_or_cleaned_within_bounds(name: str) -> None:
    kind, build = hostile.SHAPES[name]
    data = build()
    result = measure(data)
    if float(str(result["cpu"])) > bound_for(kind, len(data)):
        result = measure(data)  # once more: the normal files had two tries too
    assert result["outcome"] in ("refused", "cleaned"), result
    if result["outcome"] == "refused":
        assert result["message"], result
    held = len(data) * 3 if kind in ("pdf", "webp") else 0
    assert int(str(result["growth"])) <= hostile.WORKER_GROWTH_LIMIT + held, result
    assert int(str(result["child_rss"])) <= hostile.SANDBOX_RSS_LIMIT, result
    assert float(str(result["cpu"])) <= bound_for(kind, len(data)), result


def bound_for(kind: str, size: int) -> float:
    """CPU seconds a hostile file of this kind and size may take (see ``hostile.py``)."""
    fixed, _ = normal_cpu(kind, SMALL)
    per_size = 0.0
    if size > SMALL:
        cpu, normal_size = normal_cpu(kind, size)
        per_size = cpu * size / normal_size
    return hostile.TIME_FACTOR * (fixed + per_size)
