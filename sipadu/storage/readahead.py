"""Reading a large blob start to end with the next windows asked for ahead of time.

A download reads its blob sequentially. Linux's own read-ahead waits for each window to be
used before it starts the next; asking for :data:`PREFETCH_AHEAD` bytes past the reader's
position (``POSIX_FADV_WILLNEED``, from a helper thread: ``advice``) keeps the disk busy
while the request decrypts and sends what it already has. Blobs no larger than that are
left to the kernel's read-ahead alone and start no thread.
"""

from __future__ import annotations

import contextlib
import io
import os
from typing import Any

from sipadu.storage.advice import BackgroundAdvice

PREFETCH_WINDOW = 8 * 1024 * 1024
PREFETCH_AHEAD = 16 * 1024 * 1024
_SEQUENTIAL = getattr(os, "POSIX_FADV_SEQUENTIAL", None)
_WILLNEED = getattr(os, "POSIX_FADV_WILLNEED", None)


class PrefetchingFile(io.FileIO):
    """A read-only file that keeps the range ahead of its position asked for."""

    def __init__(self, fd: int) -> None:
        super().__init__(fd, "rb", closefd=True)
        if _SEQUENTIAL is not None:
            with contextlib.suppress(OSError):
                os.posix_fadvise(fd, 0, 0, _SEQUENTIAL)  # a larger read-ahead window
        large = os.fstat(fd).st_size > PREFETCH_AHEAD and _WILLNEED is not None
        self._advice = BackgroundAdvice(fd) if large else None
        self._position = 0
        self._asked = 0

    def _prefetch(self) -> None:
        if self._advice is None or _WILLNEED is None:
            return
        while self._asked < self._position + PREFETCH_AHEAD:
            self._advice.advise(self._asked, PREFETCH_WINDOW, _WILLNEED)
            self._asked += PREFETCH_WINDOW

    # The buffered reader over this file calls only readinto and readall.
    def readinto(self, buffer: Any) -> int | None:
        self._prefetch()
        count = super().readinto(buffer)
        if count:
            self._position += count
        return count

    def readall(self) -> bytes:
        data = super().readall()  # all at once: nothing left to prefetch
        self._position += len(data)
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self._position = self._asked = super().seek(offset, whence)
        return self._position

    def close(self) -> None:
        if self._advice is not None:
            self._advice.close()  # before the descriptor can be closed and reused
        super().close()


def open_prefetching(fd: int) -> io.BufferedReader:
    """A buffered reader over ``fd`` (which it owns and closes) that prefetches ahead."""
    return io.BufferedReader(PrefetchingFile(fd))
