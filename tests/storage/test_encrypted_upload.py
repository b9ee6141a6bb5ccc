"""An attachment streamed through the encryptor into the blob store leaves
its plaintext nowhere on disk, not even while the upload is in progress."""

from __future__ import annotations

import os
import secrets
import stat
import time
from pathlib import Path

import pytest

from sipadu.crypto import stream
from sipadu.crypto.errors import DecryptionError
from sipadu.storage import BlobTooLargeError, FilesystemBlobStore

# Random per run, so no unrelated file (a shell history, this source) can
# contain it and produce a false alarm.
MARKER = b"SIPADU-PLAINTEXT-MARKER-" + secrets.token_hex(16).encode()


def files_containing(folder: Path, needle: bytes, since: float) -> list[Path]:
    """Files under ``folder`` modified since ``since`` that contain ``needle``.

    os.walk ignores errors, because other processes create and delete files
    in the system temp directory while we walk it.
    """
    hits = []
    for directory, _, names in os.walk(folder):
        for name in names:
            path = Path(directory) / name
            try:
                info = path.lstat()
                # Regular files only: reading a FIFO or socket would block.
                fresh = stat.S_ISREG(info.st_mode) and info.st_mtime >= since
                if fresh and needle in path.read_bytes():
                    hits.append(path)
            except OSError:
                continue  # vanished, or another user's file
    return hits


def test_marker_never_reaches_disk(
    store: FilesystemBlobStore, tmp_path: Path, private_temp_folder: Path
) -> None:
    start = time.time() - 1
    payload = (MARKER + b" evidence " * 1000) * 40
    file_key = stream.new_file_key()
    writer = store.open_writer()
    encryptor = stream.StreamEncryptor(writer, file_key)
    for i in range(0, len(payload), 7919):
        encryptor.write(payload[i : i + 7919])
        # Mid-upload: only the temp file exists, and it is ciphertext.
    assert files_containing(store.root, MARKER, start) == []
    encryptor.close()
    blob_id = writer.commit()
    for folder in (store.root, tmp_path, private_temp_folder):
        assert files_containing(folder, MARKER, start) == []
    with store.open(blob_id) as handle:
        assert b"".join(stream.decrypt_stream(handle, file_key)) == payload


def test_interrupted_upload_leaves_nothing(store: FilesystemBlobStore) -> None:
    file_key = stream.new_file_key()
    with (
        pytest.raises(ConnectionError),
        store.open_writer() as writer,
        stream.StreamEncryptor(writer, file_key) as encryptor,
    ):
        encryptor.write(MARKER * 10_000)
        raise ConnectionError("client disconnected")
    assert os.listdir(store.root) == []


def test_size_limit_applies_to_ciphertext(store: FilesystemBlobStore) -> None:
    writer = store.open_writer(max_size=3 * stream.RECORD_SIZE)
    encryptor = stream.StreamEncryptor(writer, stream.new_file_key(), pad=False)
    # Records reach the writer a batch at a time: the limit bites at the first batch (here
    # the final one, at close) and the blob never grows past it.
    with pytest.raises(BlobTooLargeError):
        encryptor.write(bytes(5 * stream.CHUNK_SIZE))
        encryptor.close()
    encryptor.abandon()
    writer.abort()
    assert os.listdir(store.root) == []


def test_swapped_blobs_do_not_decrypt(store: FilesystemBlobStore) -> None:
    keys, ids = [], []
    for content in (b"first file", b"second file"):
        key = stream.new_file_key()
        writer = store.open_writer()
        with stream.StreamEncryptor(writer, key) as encryptor:
            encryptor.write(content)
        keys.append(key)
        ids.append(writer.commit())
    with store.open(ids[1]) as handle, pytest.raises(DecryptionError):
        stream.decrypt_to_bytes(handle, keys[0])
