"""Ctrl-C during a restore stops it at the next safe point, never in the middle of a step.

A ``KeyboardInterrupt`` lands wherever the main thread happens to be: between deleting a
blob and writing it back, inside a database driver call (whose connection it leaves unusable
for the roll-back), in a ``finally`` block or a thread where Python only prints "Exception
ignored". :func:`deferred_interrupts` replaces that for the block it guards: SIGINT and
SIGTERM are noted, and the work raises ``KeyboardInterrupt`` itself at a :func:`stop_point`,
where what it wrote so far can be undone. Outside such a block :func:`stop_point` does
nothing and Ctrl-C works as usual.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_NOTICE = "Stopping at the next safe point; the instance will be put back as it was.\n"


class _State:
    active = False
    requested = False
    held = 0  # stop points inside a held() block do not stop (the roll-back itself)


def _note(_signum: int, _frame: FrameType | None) -> None:
    if not _State.requested:
        sys.stderr.write(_NOTICE)
    _State.requested = True


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Note SIGINT and SIGTERM in the block instead of raising where they land. Only the
    main thread may install handlers; elsewhere the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, _note) for number in _SIGNALS}
    _State.active, _State.requested = True, False
    try:
        yield
    finally:
        _State.active = False
        for number, handler in previous.items():
            signal.signal(number, handler)


def interrupt_requested() -> bool:
    """Whether SIGINT or SIGTERM came during the current (or the last) deferred block."""
    return _State.requested


def stop_point() -> None:
    """Raise ``KeyboardInterrupt`` here if an interrupt was noted (and not held)."""
    if _State.active and _State.requested and not _State.held:
        raise KeyboardInterrupt


@contextmanager
def held() -> Iterator[None]:
    """Stop points in the block never stop: what runs here must finish (a roll-back)."""
    _State.held += 1
    try:
        yield
    finally:
        _State.held -= 1


def ignore_interrupts() -> None:
    """The work is done and only its report is left to print: a late Ctrl-C must not end
    the process with a failure code after a success it cannot undo."""
    if threading.current_thread() is threading.main_thread():
        for number in _SIGNALS:
            signal.signal(number, signal.SIG_IGN)
