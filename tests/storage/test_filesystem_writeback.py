"""A large blob asks the kernel to write back as it goes (and, read, for the next windows),
from a helper thread, and still commits and reads back whole."""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

import pytest

from sipadu.storage.filesystem import WRITEBACK_WINDOW, FilesystemBlobStore
from sipadu.storage.readahead import PREFETCH_AHEAD, PREFETCH_WINDOW


def test_large_blob_starts_writeback_per_window_and_reads_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[int, int, int]] = []
    threads: set[int] = set()
    real = os.posix_fadvise

    def recording(fd: int, offset: int, length: int, advice: int) -> None:
        calls.append((offset, length, advice))
        threads.add(threading.get_ident())
        real(fd, offset, length, advice)

    monkeypatch.setattr(os, "posix_fadvise", recording)
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
        (0, WRITEBACK_WINDOW),
        (0, 2 * WRITEBACK_WINDOW),
        (WRITEBACK_WINDOW, 2 * WRITEBACK_WINDOW),
    ]
    # Given by the helper (the request's thread goes on), and all given before commit ended.
    assert threading.get_ident() not in threads
    assert not [t for t in threading.enumerate() if t.name == "sipadu-fadvise"]
    with store.open(blob_id) as blob:
        assert all(blob.read(len(piece)) == piece for _ in range(pieces))
        assert blob.read() == b""


def test_writeback_advice_failing_does_not_fail_the_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refusing(*_args: object) -> None:
        raise OSError("not supported here")

    monkeypatch.setattr(os, "posix_fadvise", refusing)
    store = FilesystemBlobStore(tmp_path)
    with store.open_writer() as writer:
        writer.write(bytes(WRITEBACK_WINDOW + 1))
        blob_id = writer.commit()
    assert store.size(blob_id) == WRITEBACK_WINDOW + 1


def _recording_advice(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, int]]:
    calls: list[tuple[int, int, int]] = []
    real = os.posix_fadvise

    def recording(fd: int, offset: int, length: int, advice: int) -> None:
        calls.append((offset, length, advice))
        real(fd, offset, length, advice)

    monkeypatch.setattr(os, "posix_fadvise", recording)
    return calls


def test_large_blob_is_prefetched_ahead_of_the_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FilesystemBlobStore(tmp_path)
    data = secrets.token_bytes(PREFETCH_AHEAD + 3 * PREFETCH_WINDOW + 5)
    with store.open_writer() as writer:
        writer.write(data)
        blob_id = writer.commit()
    calls = _recording_advice(monkeypatch)
    with store.open(blob_id) as blob:
        pieces = iter(lambda: blob.read(1024 * 1024), b"")
        assert b"".join(pieces) == data  # read as a download reads: piece by piece
    # Every window once, in order, up to the end (closing waited for the helper).
    willneed = [(o, n) for o, n, a in calls if a == os.POSIX_FADV_WILLNEED]
    assert willneed == [
        (o, PREFETCH_WINDOW) for o in range(0, willneed[-1][0] + 1, PREFETCH_WINDOW)
    ]
    assert willneed[-1][0] >= len(data) - PREFETCH_WINDOW  # ahead to the very end
    assert not [t for t in threading.enumerate() if t.name == "sipadu-fadvise"]


def test_small_blob_reads_without_a_helper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = FilesystemBlobStore(tmp_path)
    with store.open_writer() as writer:
        writer.write(b"kecil" * 1000)
        blob_id = writer.commit()
    calls = _recording_advice(monkeypatch)
    with store.open(blob_id) as blob:
        assert not [t for t in threading.enumerate() if t.name == "sipadu-fadvise"]
        blob.seek(5)
        assert blob.read(5) == b"kecil"
        blob.seek(0)
        assert blob.read() == b"kecil" * 1000
    assert [c[2] for c in calls] == [os.POSIX_FADV_SEQUENTIAL]
