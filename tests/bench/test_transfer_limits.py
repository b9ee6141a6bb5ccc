"""The machine-limit baselines of the upload bench: they move real bytes and clean up.

No rate is asserted against a number (the machine decides those); what is checked is that
each baseline did the work it claims and that the ceiling model is consistent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench import transfer_limits
from bench.transfer_limits import TransferLimitError, TransferLimits
from sipadu.storage.filesystem import FilesystemBlobStore

KIB = 1024
SIZE = 3 * transfer_limits.PIECE + 5 * KIB  # not a whole number of pieces


def test_measure_moves_every_byte_and_leaves_nothing_behind(tmp_path: Path) -> None:
    limits = transfer_limits.measure(SIZE, folder=tmp_path)
    rates = (limits.store_write_mib_s, limits.loopback_store_mib_s, limits.cold_read_mib_s)
    assert all(rate > 0 for rate in rates)
    assert list(tmp_path.iterdir()) == []  # its temporary folder and blobs are gone


def test_store_write_commits_a_blob_of_the_whole_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes: list[int] = []
    real_unlink = Path.unlink

    def record(path: Path, *args: object, **kwargs: object) -> None:
        sizes.append(path.stat().st_size)
        real_unlink(path)

    monkeypatch.setattr(Path, "unlink", record)
    transfer_limits.store_write_mib_s(tmp_path, SIZE)
    assert sizes == [SIZE]  # committed whole (a blob, not a temp file), then removed


def test_loopback_counts_what_arrived(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A sender that stops short must not pass as a full transfer.
    monkeypatch.setattr(
        transfer_limits,
        "_SENDER",
        transfer_limits._SENDER.replace("size -= piece", "size -= 2 * piece"),
    )
    with pytest.raises(TransferLimitError, match="received"):
        transfer_limits.loopback_store_mib_s(tmp_path, SIZE)


def test_cold_read_reads_the_blob_it_wrote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[int] = []
    real_open = FilesystemBlobStore.open

    def spy(store: FilesystemBlobStore, blob_id: str):  # type: ignore[no-untyped-def]
        blob = real_open(store, blob_id)
        opened.append(os.fstat(blob.fileno()).st_size)
        return blob

    monkeypatch.setattr(FilesystemBlobStore, "open", spy)
    assert transfer_limits.cold_read_mib_s(tmp_path, SIZE) > 0
    assert opened == [SIZE]


def test_upload_ceiling_is_below_every_cost_it_is_made_of() -> None:
    limits = TransferLimits(
        store_write_mib_s=900.0, loopback_store_mib_s=800.0, cold_read_mib_s=700.0
    )
    size = 1024 * 1024 * 1024
    ceiling = limits.upload_ceiling_mib_s(size, raw_mib_s=4000.0, key_check_s=0.25)
    # 1024 MiB: 1.28 s received and stored + 0.256 s encrypted + 0.25 s key check.
    assert ceiling == pytest.approx(1024 / (1.28 + 0.256 + 0.25))
    assert ceiling < min(800.0, 4000.0)
    # A slower key check or slower AES can only lower it.
    assert limits.upload_ceiling_mib_s(size, 4000.0, 0.5) < ceiling
    assert limits.upload_ceiling_mib_s(size, 2000.0, 0.25) < ceiling
