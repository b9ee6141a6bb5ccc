"""One thread per process that runs deadlines: a request body's overdue cut, for one.

A ``threading.Timer`` per request with a body started a thread for every upload, form post
and JSON call, only to cancel it when the answer started. Here every deadline of the process
waits in one heap, watched by one daemon thread (started on first use, and again in a forked
child, which inherits the heap but not the thread). A cancelled deadline drops its action at
once, so nothing it referred to (a request's environ and socket) is kept until its time.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("sipadu.deadlines")


@dataclass(order=True)
class Deadline:
    """An action due at ``due`` (``time.monotonic()``), until cancelled."""

    due: float
    order: int
    action: Callable[[], None] | None = field(compare=False, repr=False)


class DeadlineRunner:
    """Runs each scheduled action at its time, on the process's one deadline thread."""

    def __init__(self) -> None:
        self._ready = threading.Condition()
        self._heap: list[Deadline] = []
        self._cancelled = 0
        self._order = itertools.count()
        self._thread_pid: int | None = None

    def schedule(self, delay: float, action: Callable[[], None]) -> Deadline:
        """Run ``action`` in ``delay`` seconds unless :meth:`cancel` comes first."""
        deadline = Deadline(time.monotonic() + delay, next(self._order), action)
        with self._ready:
            self._start_thread_here()
            heapq.heappush(self._heap, deadline)
            self._ready.notify()
        return deadline

    def cancel(self, deadline: Deadline) -> None:
        """The action will not start (one already running is not stopped)."""
        with self._ready:
            if deadline.action is None:
                return
            deadline.action = None
            self._cancelled += 1
            if self._cancelled * 2 > len(self._heap):  # most entries are dead: drop them
                self._heap = [entry for entry in self._heap if entry.action is not None]
                heapq.heapify(self._heap)
                self._cancelled = 0

    def pending(self) -> int:
        """How many actions are still to run."""
        with self._ready:
            return sum(1 for entry in self._heap if entry.action is not None)

    def _start_thread_here(self) -> None:
        if self._thread_pid == os.getpid():
            return
        self._thread_pid = os.getpid()
        threading.Thread(target=self._run, name="sipadu-deadlines", daemon=True).start()

    def _next_due(self) -> Callable[[], None]:
        with self._ready:
            while True:
                while self._heap and self._heap[0].action is None:
                    heapq.heappop(self._heap)
                    self._cancelled = max(0, self._cancelled - 1)
                if not self._heap:
                    self._ready.wait()
                    continue
                wait = self._heap[0].due - time.monotonic()
                if wait > 0:
                    self._ready.wait(wait)
                    continue
                entry = heapq.heappop(self._heap)
                action, entry.action = entry.action, None
                if action is not None:
                    return action

    def _run(self) -> None:
        while True:
            action = self._next_due()
            try:
                action()
            except Exception:  # one failing action must not stop every later deadline
                log.exception("a deadline action failed")


deadlines = DeadlineRunner()
