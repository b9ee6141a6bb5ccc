"""Page-cache advice for a blob file, given from a helper thread.

Two kinds of advice keep large blobs moving (``make bench``):

* writing: telling the kernel a written range is no longer needed
  (``POSIX_FADV_DONTNEED``) makes it start writing that range back, and drop the pages of
  the range before, written by then; otherwise a large blob is written far faster than the
  flusher starts on its own, and the writer is throttled once too much of it is dirty;
* reading: asking for the next windows (``POSIX_FADV_WILLNEED``) keeps the disk busy while
  the request decrypts and sends what it already has.

The kernel does the submission work inside the call: on the request's thread it cost about a
fifth of a large upload. Here a helper thread makes the calls instead, on another core,
while the request goes on (the call releases the GIL). Advice is only a hint: errors are
ignored, and durability still comes from the writer's fsync at commit, which also reports
any error of the background writeback. ``close()`` waits for the helper, so it never
touches a descriptor after its file is closed.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading


class BackgroundAdvice:
    """Advice on ranges of one open file, given in order by a helper thread."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._ranges: queue.SimpleQueue[tuple[int, int, int] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def advise(self, offset: int, length: int, advice: int) -> None:
        """Queue ``posix_fadvise(fd, offset, length, advice)``; returns at once."""
        if self._thread is None:
            # Started on first use: small blobs never need it and never pay for a thread.
            self._thread = threading.Thread(target=self._run, name="sipadu-fadvise", daemon=True)
            self._thread.start()
        self._ranges.put((offset, length, advice))

    def _run(self) -> None:
        while (item := self._ranges.get()) is not None:
            with contextlib.suppress(OSError, AttributeError):
                os.posix_fadvise(self._fd, *item)

    def close(self) -> None:
        """Wait until all advice queued is given; the helper then ends. Idempotent."""
        if self._thread is not None:
            self._ranges.put(None)
            self._thread.join()
            self._thread = None
