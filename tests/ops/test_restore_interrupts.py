"""Ctrl-C (SIGINT) or SIGTERM during a restore stops it only where it can be undone.

A signal used to raise wherever the restore happened to be: between deleting a blob and
writing it back (an outside operator lost an attachment that way with ``--replace``), inside
a database call, or before the roll-back could start. Here real signals are sent to the
process in the middle of a step, and the step must finish before the restore stops.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import BinaryIO, cast

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from sipadu.ops.interrupts import deferred_interrupts, held, interrupt_requested, stop_point
from sipadu.ops.restore import RestoreInterruptedError
from sipadu.storage.base import BlobStore
from sipadu.storage.filesystem import FilesystemBlobStore
from tests.ops.conftest import (
    Escrow,
    assert_target_untouched,
    backup_bytes,
    file_case,
    restore_bytes,
    supervisor,
)
from tests.support.instance import Database


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_in_the_block_waits_for_a_stop_point(number: signal.Signals) -> None:
    before = signal.getsignal(number)
    with deferred_interrupts():
        os.kill(os.getpid(), number)  # handled before the next line runs
        assert interrupt_requested()
        with held():
            stop_point()  # a roll-back is never stopped
        with pytest.raises(KeyboardInterrupt):
            stop_point()
    assert signal.getsignal(number) is before
    stop_point()  # outside a block nothing stops


class _SignalDuring:
    """A store that sends the process SIGINT in the middle of its ``method``'s n-th call,
    then carries the call out."""

    def __init__(self, inner: BlobStore, method: str, call: int = 1) -> None:
        self.inner, self.method, self.call = inner, method, call
        self.calls: dict[str, int] = {}
        self.deleted: list[str] = []

    def _count(self, method: str) -> None:
        self.calls[method] = self.calls.get(method, 0) + 1
        if method == self.method and self.calls[method] == self.call:
            os.kill(os.getpid(), signal.SIGINT)

    def import_blob(self, blob_id: str, source: BinaryIO) -> None:
        self._count("import_blob")
        self.inner.import_blob(blob_id, source)

    def delete(self, blob_id: str) -> None:
        self._count("delete")
        self.deleted.append(blob_id)
        self.inner.delete(blob_id)

    def open(self, blob_id: str) -> BinaryIO:
        self._count("open")
        return self.inner.open(blob_id)

    def blob_ids(self) -> object:
        self._count("blob_ids")
        return self.inner.blob_ids()

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


@pytest.mark.parametrize(("method", "call"), [("blob_ids", 1), ("import_blob", 2)])
def test_ctrl_c_in_the_middle_of_a_step_rolls_back_after_it(
    ops_app: Flask,
    ops_db: Session,
    escrow: Escrow,
    target_database: Database,
    tmp_path: Path,
    method: str,
    call: int,
) -> None:
    supervisor(ops_app, ops_db)
    file_case(ops_app, ops_db, "dihentikan-di-tengah", files=3)
    data = backup_bytes(ops_app, escrow)
    root = tmp_path / "restored"
    store = _SignalDuring(FilesystemBlobStore(root / "blobs"), method, call)
    with deferred_interrupts(), pytest.raises(RestoreInterruptedError):
        restore_bytes(data, escrow.private, target_database, root, store=cast(BlobStore, store))
    assert_target_untouched(target_database, root)


def test_ctrl_c_while_replacing_with_the_same_backup_loses_no_file(
    ops_app: Flask, ops_db: Session, escrow: Escrow, target_database: Database, tmp_path: Path
) -> None:
    """The second restore of one backup with --replace: the files it holds are the target's
    own already (a blob is never rewritten), so none is deleted and written again, and a
    Ctrl-C after the last stop point lets the restore finish."""
    supervisor(ops_app, ops_db)
    filed = file_case(ops_app, ops_db, "dipulihkan-dua-kali", files=3)
    data = backup_bytes(ops_app, escrow)
    root = tmp_path / "restored"
    restore_bytes(data, escrow.private, target_database, root)[0].dispose()
    store = _SignalDuring(FilesystemBlobStore(root / "blobs"), "open", call=1)
    with deferred_interrupts():
        engine, report = restore_bytes(
            data, escrow.private, target_database, root, True, cast(BlobStore, store)
        )
    engine.dispose()
    assert interrupt_requested() and store.calls.get("open")
    assert report.chain.ok  # type: ignore[attr-defined]
    assert store.deleted == []
    blobs = FilesystemBlobStore(root / "blobs")
    assert sorted(blobs.blob_ids()) == sorted(filed.files)
    for blob_id in filed.files:
        with blobs.open(blob_id) as stored:
            assert stored.read()  # present and readable
