"""Fixtures for the crypto tests: cheap Argon2 parameters and small helpers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sipadu.crypto import stream
from sipadu.crypto.params import Argon2Params


@pytest.fixture(scope="session")
def fast_params() -> Argon2Params:
    """Argon2id at the minimum cost: tests exercise logic, not hardness."""
    return Argon2Params(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(scope="session")
def other_params() -> Argon2Params:
    """A second cheap parameter set, to test rehash / rewrap detection."""
    return Argon2Params(time_cost=2, memory_cost=16, parallelism=1)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """Shrink the stream chunk size so exhaustive tamper tests stay fast.

    Only the tests use this; the on-disk format always uses 64 KiB.
    """
    size = 64
    monkeypatch.setattr(stream, "CHUNK_SIZE", size)
    monkeypatch.setattr(stream, "RECORD_SIZE", size + 16)
    monkeypatch.setattr(stream, "_ZERO_CHUNK", bytes(size))
    yield size
