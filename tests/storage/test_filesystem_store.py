from __future__ import annotations

import os
import stat
import time
from pathlib import Path
from typing import Any

import pytest

from sipadu.storage import (
    BlobNotFoundError,
    BlobStore,
    BlobStoreError,
    BlobTooLargeError,
    FilesystemBlobStore,
    InvalidBlobIdError,
)


def put(store: BlobStore, data: bytes) -> str:
    writer = store.open_writer()
    writer.write(data)
    return writer.commit()


def listing(store: FilesystemBlobStore) -> list[str]:
    return sorted(os.listdir(store.root))


def test_write_commit_read(store: FilesystemBlobStore) -> None:
    blob_id = put(store, b"ciphertext bytes")
    assert len(blob_id) == 32 and int(blob_id, 16) >= 0
    assert store.exists(blob_id)
    assert store.size(blob_id) == 16
    with store.open(blob_id) as handle:
        assert handle.read() == b"ciphertext bytes"
    assert listing(store) == [blob_id]


def test_files_are_private(store: FilesystemBlobStore) -> None:
    blob_id = put(store, b"x")
    assert stat.S_IMODE(os.stat(store.root / blob_id).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(store.root).st_mode) == 0o700


def test_ids_are_random_and_unique(store: FilesystemBlobStore) -> None:
    ids = {put(store, b"same") for _ in range(50)}
    assert len(ids) == 50


def test_nothing_visible_before_commit(store: FilesystemBlobStore) -> None:
    writer = store.open_writer()
    writer.write(b"half")
    names = listing(store)
    assert len(names) == 1 and names[0].startswith("tmp-") and names[0].endswith(".partial")
    blob_id = writer.commit()
    assert listing(store) == [blob_id]


def test_abort_leaves_nothing(store: FilesystemBlobStore) -> None:
    writer = store.open_writer()
    writer.write(b"x" * 100_000)
    writer.abort()
    writer.abort()
    assert listing(store) == []
    with pytest.raises(BlobStoreError):
        writer.write(b"more")
    with pytest.raises(BlobStoreError):
        writer.commit()


def test_context_manager_aborts_on_error(store: FilesystemBlobStore) -> None:
    with pytest.raises(RuntimeError), store.open_writer() as writer:
        writer.write(b"partial")
        raise RuntimeError("upload interrupted")
    assert listing(store) == []


def test_context_manager_without_commit_aborts(store: FilesystemBlobStore) -> None:
    with store.open_writer() as writer:
        writer.write(b"forgotten")
    assert listing(store) == []


def test_commit_inside_context_manager_keeps_blob(store: FilesystemBlobStore) -> None:
    with store.open_writer() as writer:
        writer.write(b"kept")
        blob_id = writer.commit()
    assert listing(store) == [blob_id]
    writer.abort()  # no-op after commit
    assert store.exists(blob_id)


def test_size_limit(store: FilesystemBlobStore) -> None:
    writer = store.open_writer(max_size=10)
    writer.write(b"12345")
    writer.write(b"67890")
    with pytest.raises(BlobTooLargeError):
        writer.write(b"1")
    writer.abort()
    assert listing(store) == []


@pytest.mark.parametrize(
    "bad",
    [
        "../etc/passwd",
        "..",
        "/etc/passwd",
        "a" * 31,
        "a" * 33,
        "A" * 32,
        "g" * 32,
        "0" * 31 + "/",
        "0" * 31 + "\x00",
        "tmp-" + "0" * 28,
        "",
        "./" + "0" * 30,
        b"0" * 32,
        None,
        32,
    ],
)
def test_invalid_ids_are_rejected(store: FilesystemBlobStore, bad: Any) -> None:
    for operation in (store.open, store.delete, store.exists, store.size):
        with pytest.raises(InvalidBlobIdError):
            operation(bad)


def test_missing_blobs(store: FilesystemBlobStore) -> None:
    missing = "0" * 32
    assert not store.exists(missing)
    with pytest.raises(BlobNotFoundError):
        store.open(missing)
    with pytest.raises(BlobNotFoundError):
        store.size(missing)
    with pytest.raises(BlobNotFoundError):
        store.delete(missing)


def test_symlinks_are_not_followed(store: FilesystemBlobStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"not a blob")
    link_id = "f" * 32
    os.symlink(outside, store.root / link_id)
    assert not store.exists(link_id)
    with pytest.raises(OSError):
        store.open(link_id)
    with pytest.raises(OSError):
        store.delete(link_id)
    assert outside.read_bytes() == b"not a blob"


def test_delete_overwrites_before_unlinking(
    store: FilesystemBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = os.urandom(200_000)
    blob_id = put(store, data)
    path = store.root / blob_id
    seen: list[bytes] = []
    real_unlink = os.unlink

    def spying_unlink(target: str | os.PathLike[str], *args: object, **kw: object) -> None:
        if Path(target) == path:
            seen.append(path.read_bytes())
        real_unlink(target)

    monkeypatch.setattr(os, "unlink", spying_unlink)
    store.delete(blob_id)
    assert seen == [bytes(len(data))]
    assert not store.exists(blob_id)
    assert listing(store) == []


def test_committed_blob_keeps_exact_bytes(store: FilesystemBlobStore) -> None:
    data = os.urandom(3 * 65536 + 17)
    writer = store.open_writer()
    for i in range(0, len(data), 1000):
        writer.write(memoryview(data)[i : i + 1000])
    blob_id = writer.commit()
    with store.open(blob_id) as handle:
        assert handle.read() == data


def _age(path: Path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_sweep_respects_known_ids_and_age(store: FilesystemBlobStore) -> None:
    known_old = put(store, b"referenced")
    orphan_old = put(store, b"orphan")
    orphan_new = put(store, b"just committed, row not yet written")
    _age(store.root / known_old, 7200)
    _age(store.root / orphan_old, 7200)
    removed = store.sweep_orphans({known_old}, older_than_seconds=3600)
    assert removed == [orphan_old]
    assert store.exists(known_old) and store.exists(orphan_new)
    assert not store.exists(orphan_old)


def test_sweep_removes_stale_temp_files_only(store: FilesystemBlobStore) -> None:
    stale = store.open_writer()
    stale.write(b"abandoned by a crashed worker")
    (stale_name,) = listing(store)
    _age(store.root / stale_name, 7200)
    fresh = store.open_writer()
    fresh.write(b"upload in progress")
    (fresh_name,) = set(listing(store)) - {stale_name}
    removed = store.sweep_orphans(set(), older_than_seconds=3600)
    assert removed == [stale_name]
    assert listing(store) == [fresh_name]
    blob_id = fresh.commit()
    assert listing(store) == [blob_id]


def test_sweep_leaves_foreign_files_alone(store: FilesystemBlobStore) -> None:
    foreign = store.root / "README"
    foreign.write_text("operator notes")
    sub = store.root / ("a" * 32 + "-dir")
    sub.mkdir()
    _age(foreign, 10**6)
    assert store.sweep_orphans(set(), older_than_seconds=0) == []
    assert foreign.exists() and sub.exists()


def test_sweep_with_explicit_clock(store: FilesystemBlobStore) -> None:
    blob_id = put(store, b"x")
    assert store.sweep_orphans([], 3600, now=time.time()) == []
    assert store.sweep_orphans([], 3600, now=time.time() + 3601) == [blob_id]


def test_root_is_created(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path / "a" / "b")
    assert store.root.is_dir()
    assert isinstance(store, BlobStore)


def test_committed_blob_shows_only_its_day_and_is_not_swept_as_old(
    store: FilesystemBlobStore,
) -> None:
    blob_id = put(store, b"committed moments ago, its row not yet written")
    midnight = int(time.time()) // 86400 * 86400
    stored = (store.root / blob_id).stat()
    assert (stored.st_mtime_ns, stored.st_atime_ns) == (midnight * 10**9, midnight * 10**9)
    # Its modification time may be almost a day old; the sweep still sees a fresh blob.
    assert store.sweep_orphans(set(), older_than_seconds=60) == []
    assert store.exists(blob_id)


def test_a_read_only_folder_fails_the_check_naming_the_setting(
    store: FilesystemBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.check()
    monkeypatch.setattr(os, "access", lambda *_args: False)
    with pytest.raises(BlobStoreError, match="SIPADU_BLOB_DIR"):
        store.check()
