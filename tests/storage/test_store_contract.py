"""What every blob store promises, checked on the filesystem store and on S3 (SeaweedFS)."""

from __future__ import annotations

import io
import os
import time
from typing import Any

import pytest

from sipadu.storage import (
    BlobExistsError,
    BlobNotFoundError,
    BlobStore,
    BlobStoreError,
    BlobTooLargeError,
    InvalidBlobIdError,
)


def put(store: BlobStore, data: bytes) -> str:
    writer = store.open_writer()
    writer.write(data)
    return writer.commit()


def read(store: BlobStore, blob_id: str) -> bytes:
    with store.open(blob_id) as handle:
        return handle.read()


def test_write_commit_read_list_delete(any_store: BlobStore) -> None:
    blob_id = put(any_store, b"ciphertext bytes")
    assert len(blob_id) == 32 and int(blob_id, 16) >= 0
    assert any_store.exists(blob_id) and any_store.size(blob_id) == 16
    assert read(any_store, blob_id) == b"ciphertext bytes"
    assert list(any_store.blob_ids()) == [blob_id]
    any_store.delete(blob_id)
    assert not any_store.exists(blob_id) and list(any_store.blob_ids()) == []
    with pytest.raises(BlobNotFoundError):
        any_store.open(blob_id)


def test_empty_and_multi_part_blobs_keep_exact_bytes(any_store: BlobStore) -> None:
    # Over 8 MiB: the S3 store sends it as a multipart upload with a short last part.
    data = os.urandom(8 * 1024 * 1024 + 65536 + 17)
    writer = any_store.open_writer()
    for start in range(0, len(data), 1_000_000):
        writer.write(memoryview(data)[start : start + 1_000_000])
    large = writer.commit()
    empty = put(any_store, b"")
    assert read(any_store, large) == data and any_store.size(large) == len(data)
    assert read(any_store, empty) == b"" and any_store.size(empty) == 0


def test_nothing_visible_before_commit_and_abort_leaves_nothing(any_store: BlobStore) -> None:
    writer = any_store.open_writer()
    writer.write(os.urandom(9 * 1024 * 1024))  # past one part: an upload has begun
    assert list(any_store.blob_ids()) == []
    writer.abort()
    writer.abort()
    assert list(any_store.blob_ids()) == []
    with pytest.raises(BlobStoreError):
        writer.write(b"more")
    with pytest.raises(BlobStoreError):
        writer.commit()
    # Nothing left to sweep either: no partial file, no unfinished upload.
    assert any_store.sweep_orphans(set(), older_than_seconds=0) == []


def test_context_manager_aborts_unless_committed(any_store: BlobStore) -> None:
    with pytest.raises(RuntimeError), any_store.open_writer() as writer:
        writer.write(b"partial")
        raise RuntimeError("upload interrupted")
    with any_store.open_writer() as forgotten:
        forgotten.write(b"never committed")
    with any_store.open_writer() as kept:
        kept.write(b"kept")
        blob_id = kept.commit()
    kept.abort()  # a no-op after commit
    assert list(any_store.blob_ids()) == [blob_id]


def test_size_limit(any_store: BlobStore) -> None:
    writer = any_store.open_writer(max_size=10)
    writer.write(b"12345")
    writer.write(b"67890")
    with pytest.raises(BlobTooLargeError):
        writer.write(b"1")
    writer.abort()
    assert list(any_store.blob_ids()) == []


@pytest.mark.parametrize(
    "bad", ["../etc/passwd", "/" + "0" * 31, "A" * 32, "0" * 31 + "\x00", "", b"0" * 32, None]
)
def test_invalid_ids_are_rejected(any_store: BlobStore, bad: Any) -> None:
    for operation in (any_store.open, any_store.delete, any_store.exists, any_store.size):
        with pytest.raises(InvalidBlobIdError):
            operation(bad)
    with pytest.raises(InvalidBlobIdError):
        any_store.import_blob(bad, io.BytesIO(b"x"))


def test_missing_blobs(any_store: BlobStore) -> None:
    missing = "0" * 32
    assert not any_store.exists(missing)
    for operation in (any_store.open, any_store.size, any_store.delete):
        with pytest.raises(BlobNotFoundError):
            operation(missing)


def test_import_keeps_the_id_and_never_overwrites(any_store: BlobStore) -> None:
    blob_id = "ab" * 16
    assert any_store.import_blob(blob_id, io.BytesIO(b"restored")) == 8
    assert read(any_store, blob_id) == b"restored"
    with pytest.raises(BlobExistsError):
        any_store.import_blob(blob_id, io.BytesIO(b"an impostor"))
    assert read(any_store, blob_id) == b"restored"
    assert list(any_store.blob_ids()) == [blob_id]


def test_sweep_removes_only_unknown_blobs_past_the_age(any_store: BlobStore) -> None:
    known = put(any_store, b"referenced")
    orphan = put(any_store, b"orphan")
    # Just committed: its row may not be written yet, so it is never swept as old.
    assert any_store.sweep_orphans({known}, older_than_seconds=3600) == []
    later = time.time() + 7200
    assert any_store.sweep_orphans({known}, 3600, now=later) == [orphan]
    assert sorted(any_store.blob_ids()) == [known]


def test_a_usable_store_passes_its_check(any_store: BlobStore) -> None:
    any_store.check()
