"""run_ahead and joined: order, errors at the right place, early stops that clean up."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from sipadu.storage.pipeline import joined, run_ahead


class _BrokenError(Exception):
    pass


def _alive() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "sipadu-read-ahead"]


def test_run_ahead_keeps_order_and_runs_on_another_thread() -> None:
    producers: set[int] = set()

    def numbers() -> Iterator[int]:
        for number in range(500):
            producers.add(threading.get_ident())
            yield number

    assert list(run_ahead(numbers(), depth=3)) == list(range(500))
    assert producers and threading.get_ident() not in producers
    assert _alive() == []


def test_error_comes_after_everything_before_it_and_nothing_after() -> None:
    def failing() -> Iterator[bytes]:
        yield b"a"
        yield b"b"
        raise _BrokenError("record 3 is forged")

    received = []
    with pytest.raises(_BrokenError, match="forged"):
        for piece in run_ahead(failing(), depth=8):
            received.append(piece)
    assert received == [b"a", b"b"]
    assert _alive() == []


def test_producer_stays_at_most_depth_ahead() -> None:
    produced = []

    def counting() -> Iterator[int]:
        for number in range(100):
            produced.append(number)
            yield number

    items = run_ahead(counting(), depth=2)
    assert next(items) == 0
    time.sleep(0.2)  # give the helper every chance to run ahead
    # Taken: 1; queued: 2; one more produced and waiting to be queued.
    assert len(produced) <= 1 + 2 + 1
    items.close()
    assert _alive() == []


def test_closing_early_closes_the_source_before_returning() -> None:
    closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            number = 0
            while True:
                yield number
                number += 1
        finally:
            closed.set()

    items = run_ahead(endless(), depth=4)
    assert [next(items) for _ in range(3)] == [0, 1, 2]
    items.close()
    assert closed.is_set()  # the file it read is closed by now
    assert _alive() == []


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_helper_dying_silently_is_an_error_not_a_hang() -> None:
    def dying() -> Iterator[int]:
        yield 1
        raise KeyboardInterrupt  # not an Exception: the helper cannot forward it

    items = run_ahead(dying(), depth=2)
    assert next(items) == 1
    with pytest.raises(RuntimeError, match="stopped unexpectedly"):
        next(items)
    assert _alive() == []


def test_joined_makes_large_pieces_and_keeps_every_byte() -> None:
    pieces = [bytes([n]) * 300 for n in range(10)]
    out = list(joined(iter(pieces), 1000))
    assert b"".join(out) == b"".join(pieces)
    assert [len(p) for p in out] == [1200, 1200, 600]
    assert list(joined(iter([]), 1000)) == []


def test_joined_passes_an_error_on_without_the_unjoined_rest() -> None:
    def failing() -> Iterator[bytes]:
        yield b"x" * 600
        yield b"y" * 600
        yield b"z" * 10
        raise _BrokenError()

    out = joined(failing(), 1000)
    assert next(out) == b"x" * 600 + b"y" * 600
    with pytest.raises(_BrokenError):
        next(out)
