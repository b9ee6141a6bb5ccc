"""A large blob asks the kernel to write back as it goes, and still commits whole."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

from sipadu.storage import filesystem
from sipadu.storage.filesystem import WRITEBACK_WINDOW, FilesystemBlobStore


def test_large_blob_starts_writeback_per_window_and_reads_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[int, int, int]] = []
    real = os.posix_fadvise

    def recording(fd: int, offset: int, length: int, advice: int) -> None:
        calls.append((offset, length, advice))
        real(fd, offset, length, advice)

    monkeypatch.setattr(filesystem.os, "posix_fadvise", recording)
    store = FilesystemBlobStore(tmp_path)
    piece = secrets.token_bytes(1024 * 1024)
    pieces = 3 * WRITEBACK_WINDOW // len(piece) + 1
    with store.open_writer() as writer:
        for _ in range(pieces):
            writer.write(piece)
        blob_id = writer.commit()
    written = [c for c in calls if c[2] == os.POSIX_FADV_DONTNEED]
    # One call per full window; each covers the window before it too (dropped by then).
    assert [(offset, length) for offset, length, _ in written] == [
        (0, WRITEBACK_WINDOW), (0, 2 * WRITEBACK_WINDOW),
        (WRITEBACK_WINDOW, 2 * WRITEBACK_WINDOW)]
    with store.open(blob_id) as blob:
        assert all(blob.read(len(piece)) == piece for _ in range(pieces))
        assert blob.read() == b""


def test_writeback_advice_failing_does_not_fail_the_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refusing(*_args: object) -> None:
        raise OSError("not supported here")

    monkeypatch.setattr(filesystem.os, "posix_fadvise", refusing)
    store = FilesystemBlobStore(tmp_path)
    with store.open_writer() as writer:
        writer.write(bytes(WRITEBACK_WINDOW + 1))
        blob_id = writer.commit()
    assert store.size(blob_id) == WRITEBACK_WINDOW + 1
