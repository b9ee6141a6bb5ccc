"""A download's two halves on two cores: reading and decrypting in a helper thread.

Each byte of a download passes two system calls that copy it and release the GIL: it is
read from the blob and, decrypted, sent to the client. Done one after the other on the
request's thread they add up; with the reading in a helper thread they overlap
(``make bench``). The helper only ever waits for the disk, never for the client, so
stopping it is always quick. Order and errors are kept: pieces arrive in the order
produced, and an exception of the helper is raised on the request's thread after every
piece before it and none after.

Uploads do not use it: the same split (receiving on one thread, encrypting and storing on
the other) was measured slower, the client's sending already keeping the second core busy.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
_POLL_SECONDS = 0.05


def joined(pieces: Iterator[bytes], size: int) -> Iterator[bytes]:
    """``pieces`` joined into pieces of at least ``size`` bytes (the last may be shorter):
    fewer, larger writes to a socket. An error of ``pieces`` drops what was not yet joined."""
    held: list[bytes] = []
    count = 0
    for piece in pieces:
        held.append(piece)
        count += len(piece)
        if count >= size:
            yield b"".join(held)
            held, count = [], 0
    if held:
        yield b"".join(held)


def run_ahead(source: Iterator[T], depth: int) -> Generator[T, None, None]:
    """Yield what ``source`` yields, produced by a helper thread up to ``depth`` items ahead.

    ``source`` must wait for nothing but local files. Closing this generator early stops the
    helper and closes ``source`` (its ``finally`` blocks run) before the close returns.
    """
    items: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(entry: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                items.put(entry, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in source:
                if not offer(("item", item)):
                    break
            else:
                offer(("end", None))
        except Exception as error:  # raised again on the consumer's thread
            offer(("error", error))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    helper = threading.Thread(target=produce, name="sipadu-read-ahead", daemon=True)
    helper.start()
    try:
        while True:
            kind, value = _next_entry(items, helper)
            if kind == "item":
                yield value
            elif kind == "end":
                return
            else:
                raise value
    finally:
        stop.set()
        helper.join()


def _next_entry(items: queue.Queue[tuple[str, Any]], helper: threading.Thread) -> tuple[str, Any]:
    """The helper's next entry; an error, not a hang, if it died without a word (it only
    forwards ``Exception``s)."""
    while True:
        try:
            return items.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            # Alive first, then empty: a helper that ended after queueing is seen queued.
            if not helper.is_alive() and items.empty():
                raise RuntimeError("read-ahead helper stopped unexpectedly") from None
