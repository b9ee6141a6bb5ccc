"""Hostile files cost a worker a bounded amount of memory and time (bounds: ``hostile.py``).

Each file is cleaned in a fresh process (forked by the module's measuring process,
``tests.media.measure``) that reports its CPU time and peak memory; time is judged against
normal files of the same kind cleaned in the same run, never against a wall-clock figure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.media import hostile
from tests.media.measure import Measure, measuring

ROOT = Path(__file__).resolve().parents[2]
SMALL = 64 * 1024

pytestmark = pytest.mark.slow


class Costs:
    """What cleaning files costs, measured in the module's measuring process; the figures of
    the normal files are measured once per kind and size and kept for every shape."""

    def __init__(self, measure: Measure) -> None:
        self.measure = measure
        self._normal: dict[tuple[str, int], tuple[float, int]] = {}

    def normal_cpu(self, kind: str, size: int) -> tuple[float, int]:
        """CPU seconds to clean a normal file of this kind and about this size (best of
        two), and that file's exact size."""
        if (kind, size) not in self._normal:
            data = hostile.NORMAL[kind](size)
            runs = [self.measure(data) for _ in range(2)]
            assert all(run["outcome"] == "cleaned" for run in runs), runs
            self._normal[kind, size] = min(float(str(run["cpu"])) for run in runs), len(data)
        return self._normal[kind, size]

    def bound_for(self, kind: str, size: int) -> float:
        """CPU seconds a hostile file of this kind and size may take (see ``hostile.py``)."""
        fixed, _ = self.normal_cpu(kind, SMALL)
        per_size = 0.0
        if size > SMALL:
            cpu, normal_size = self.normal_cpu(kind, size)
            per_size = cpu * size / normal_size
        return hostile.TIME_FACTOR * (fixed + per_size)


@pytest.fixture(scope="module")
def costs() -> Iterator[Costs]:
    with measuring(ROOT) as measure:
        yield Costs(measure)


@pytest.mark.parametrize("name", list(hostile.SHAPES))
def test_hostile_file_is_refused_or_cleaned_within_bounds(name: str, costs: Costs) -> None:
    kind, build = hostile.SHAPES[name]
    data = build()
    bound = costs.bound_for(kind, len(data))
    result = costs.measure(data)
    if float(str(result["cpu"])) > bound:
        result = costs.measure(data)  # once more: the normal files had two tries too
    assert result["outcome"] in ("refused", "cleaned"), result
    if result["outcome"] == "refused":
        assert result["message"], result
    held = len(data) * 3 if kind in ("pdf", "webp") else 0
    assert int(str(result["growth"])) <= hostile.WORKER_GROWTH_LIMIT + held, result
    assert int(str(result["child_rss"])) <= hostile.SANDBOX_RSS_LIMIT, result
    assert float(str(result["cpu"])) <= bound, result
