"""Backup and restore in-process on each backend: byte-identical round trip, refusals."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pytest
from flask import Flask
from sqlalchemy import Engine, MetaData, select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.cases.attachments import open_attachment
from sipadu.cases.content import list_messages, read_report
from sipadu.cases.models import Attachment
from sipadu.cases.record_ids import attachment_public_id
from sipadu.cases.service import case_by_code, unlock_case_for_staff
from sipadu.crypto.escrow import generate_escrow_keypair
from sipadu.crypto.staff import unlock_private_key, verify_password
from sipadu.db import make_engine
from sipadu.ops import restore as restore_module
from sipadu.ops.container import BackupFormatError, BackupKeyError
from sipadu.ops.restore import (
    BackupCorruptError,
    RestoreError,
    RestoreInterruptedError,
    RestoreNotUndoneError,
    _check_manifest,
    target_is_empty,
)
from sipadu.ops.restore_undo import RestoreUndo
from sipadu.storage.base import BlobStore, BlobStoreUnavailableError
from sipadu.storage.filesystem import FilesystemBlobStore
from tests.ops.conftest import Escrow, assert_target_untouched, blob_store, file_case, supervisor
from tests.ops.conftest import backup_bytes as _backup
from tests.ops.conftest import restore_bytes as _restore
from tests.support.instance import Database
from tests.support.seaweedfs import SeaweedFS


def _same(value: object) -> object:
    # SQLite hands back naive UTC timestamps, PostgreSQL aware ones: compare the instants.
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _dump(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(_same(v) for v in row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in meta.sorted_tables
            if table.name != "alembic_version"
        }


def test_round_trip_restores_everything_byte_for_byte(
    ops_app: Flask,
    ops_db: Session,
    escrow: Escrow,
    target_database: Database,
    tmp_path: Path,
) -> None:
    member = supervisor(ops_app, ops_db)
    cases = [file_case(ops_app, ops_db, f"laporan-{i}", files=i) for i in range(3)]
    data = _backup(ops_app, escrow)
    assert b"laporan-" not in data and b"SQLite format" not in data

    root = tmp_path / "restored"
    engine, report = _restore(data, escrow.private, target_database, root)
    try:
        assert report.chain is not None and report.chain.ok  # type: ignore[attr-defined]
        assert _dump(engine) == _dump(ops_app.extensions["sipadu.engine"])
        store = FilesystemBlobStore(root / "blobs")
        for filed in cases:
            for blob_id in filed.files:
                with store.open(blob_id) as copy, blob_store(ops_app).open(blob_id) as original:
                    assert copy.read() == original.read()
        # The supervisor logs in on the restored instance and reads every case.
        with Session(engine) as db:
            account = db.scalar(select(StaffAccount).where(StaffAccount.id == member.account.id))
            assert account is not None
            assert verify_password(account.password_hash, member.password)
            private = unlock_private_key(
                account.wrapped_private_key, member.password, account_id=account.id
            )
            for filed in cases:
                case = case_by_code(db, filed.code)
                assert case is not None
                dek = unlock_case_for_staff(db, case, account.id, private)
                assert str(read_report(case, dek)["what"]).startswith("laporan-")
                assert len(list_messages(db, case, dek, include_internal=True)) == 2
                for row in db.scalars(select(Attachment).where(Attachment.case_id == case.id)):
                    _, chunks = open_attachment(
                        db, case, dek, attachment_public_id(row.record_id, row.blob_id), store
                    )
                    assert b"".join(chunks) == filed.files[row.blob_id]
        # Sequences moved past the restored ids: the restored instance takes new rows.
        with Session(engine) as db:
            account = db.scalar(select(StaffAccount).where(StaffAccount.id == member.account.id))
            assert account is not None
            clone = StaffAccount(
                username="verifikator-baru",
                role="supervisor",
                active=True,
                password_hash="",
                public_key=account.public_key,
                wrapped_private_key=b"",
                failed_logins=0,
                totp_confirmed=False,
                created_at=account.created_at,
                password_changed_at=account.created_at,
            )
            db.add(clone)
            db.commit()
            assert clone.id > account.id
        with pytest.raises(RestoreError, match="not empty"):
            _restore(data, escrow.private, target_database, root)
        engine.dispose()
        engine, report = _restore(data, escrow.private, target_database, root, replace=True)
        assert report.chain.ok  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_corrupted_backup_is_refused_naming_the_member(
    ops_app: Flask,
    ops_db: Session,
    escrow: Escrow,
    target_database: Database,
    tmp_path: Path,
) -> None:
    supervisor(ops_app, ops_db)
    filed = file_case(ops_app, ops_db, "rusak", files=3)
    data = bytearray(_backup(ops_app, escrow))
    data[len(data) * 2 // 3] ^= 0x01
    with pytest.raises(BackupCorruptError, match=r"damaged in (the data after )?member ") as info:
        _restore(bytes(data), escrow.private, target_database, tmp_path / "t")
    assert any(blob_id in str(info.value) for blob_id in filed.files) or "database/" in str(
        info.value
    )
    with pytest.raises(BackupCorruptError, match=r"truncated|damaged"):
        _restore(bytes(data[: len(data) // 2]), escrow.private, target_database, tmp_path / "u")
    assert not (tmp_path / "t" / "blobs").exists() or not any((tmp_path / "t" / "blobs").iterdir())


def test_wrong_key_and_foreign_file_are_refused(
    ops_app: Flask,
    ops_db: Session,
    escrow: Escrow,
    target_database: Database,
    tmp_path: Path,
) -> None:
    supervisor(ops_app, ops_db)
    data = _backup(ops_app, escrow)
    with pytest.raises(BackupKeyError):
        _restore(data, generate_escrow_keypair()[0], target_database, tmp_path / "t")
    with pytest.raises(BackupFormatError):
        _restore(b"PK\x03\x04 not a backup" * 20, escrow.private, target_database, tmp_path / "u")


def test_manifest_mismatch_names_the_member() -> None:
    listed = {"members": {"blobs/" + "a" * 32: {"sha256": "0" * 64}}}
    with pytest.raises(BackupCorruptError, match=r"blobs/a{32} does not match its SHA-256"):
        _check_manifest(listed, {"blobs/" + "a" * 32: "1" * 64})
    with pytest.raises(BackupCorruptError, match="listed in the manifest but missing"):
        _check_manifest(listed, {})
    with pytest.raises(BackupCorruptError, match="not listed"):
        _check_manifest({"members": {}}, {"keys/escrow.pub": "1" * 64})


def test_sqlite_backup_restores_into_postgresql(
    tmp_path: Path,
    sqlite_database: Database,
    postgres_url: str,
    escrow: Escrow,
) -> None:
    from sipadu.keyring import make_test_keyring
    from tests.conftest import build_app, make_settings, postgres_schema

    app = build_app(
        make_settings(
            tmp_path, sqlite_database, keyring=make_test_keyring(escrow_public=escrow.public)
        )
    )
    try:
        with app.app_context():
            from sipadu.db import db_session

            db = db_session()
            supervisor(app, db)
            file_case(app, db, "pindah-ke-postgresql", files=1)
        data = _backup(app, escrow)
        target_gen = postgres_schema(postgres_url)
        target = next(target_gen)
        try:
            engine, report = _restore(data, escrow.private, target, tmp_path / "pg")
            assert report.chain.ok  # type: ignore[attr-defined]
            assert _dump(engine) == _dump(app.extensions["sipadu.engine"])
            engine.dispose()
        finally:
            next(target_gen, None)
    finally:
        app.extensions["sipadu.engine"].dispose()


def _target_store(kind: str, root: Path, request: pytest.FixtureRequest) -> BlobStore:
    if kind == "file":
        return FilesystemBlobStore(root / "blobs")
    seaweedfs: SeaweedFS = request.getfixturevalue("seaweedfs")
    return seaweedfs.store()


@pytest.mark.parametrize(("blob_kind", "target_kind"), [("file", "s3"), ("s3", "file")])
def test_backup_of_one_store_restores_onto_the_other(
    ops_app: Flask,
    ops_db: Session,
    escrow: Escrow,
    target_database: Database,
    tmp_path: Path,
    target_kind: str,
    request: pytest.FixtureRequest,
) -> None:
    supervisor(ops_app, ops_db)
    filed = file_case(ops_app, ops_db, "pindah-penyimpanan", files=2)
    data = _backup(ops_app, escrow)
    target = _target_store(target_kind, tmp_path / "restored", request)
    stray = "9" * 32  # a blob the target already holds: the restore refuses a used target
    target.import_blob(stray, io.BytesIO(b"left from an earlier life"))
    with pytest.raises(RestoreError, match="not empty"):
        _restore(data, escrow.private, target_database, tmp_path / "restored", store=target)

    engine, report = _restore(
        data, escrow.private, target_database, tmp_path / "restored", True, target
    )
    try:
        assert report.chain.ok  # type: ignore[attr-defined]
        assert report.blobs == 2  # type: ignore[attr-defined]
        assert sorted(target.blob_ids()) == sorted(filed.files)  # the stray one is gone
        with Session(engine) as db:
            case = case_by_code(db, filed.code)
            assert case is not None
            for row in db.scalars(select(Attachment).where(Attachment.case_id == case.id)):
                _, chunks = open_attachment(
                    db, case, filed.dek, attachment_public_id(row.record_id, row.blob_id), target
                )
                assert b"".join(chunks) == filed.files[row.blob_id]
    finally:
        engine.dispose()


class _FailingAfter:
    """A store whose ``import_blob`` fails after ``good`` blobs, as a store that stops
    answering half-way through a restore."""

    def __init__(self, store: BlobStore, good: int) -> None:
        self._store, self._good = store, good

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    def import_blob(self, blob_id: str, source: io.BufferedReader) -> int:
        if self._good == 0:
            raise BlobStoreUnavailableError("S3 PutObject failed (injected)")
        self._good -= 1
        return self._store.import_blob(blob_id, source)


@pytest.mark.parametrize("target_kind", ["file", "s3"])
def test_a_restore_that_fails_half_way_leaves_the_target_as_it_was(
    ops_app: Flask,
    ops_db: Session,
    escrow: Escrow,
    target_database: Database,
    tmp_path: Path,
    target_kind: str,
    request: pytest.FixtureRequest,
) -> None:
    supervisor(ops_app, ops_db)
    filed = file_case(ops_app, ops_db, "gagal-di-tengah", files=3)
    data = _backup(ops_app, escrow)
    root = tmp_path / "restored"
    target = _target_store(target_kind, root, request)
    failing = cast(BlobStore, _FailingAfter(target, good=1))
    with pytest.raises(BlobStoreUnavailableError):
        _restore(data, escrow.private, target_database, root, store=failing)
    engine = make_engine(target_database.url, target_database.schema)
    try:
        assert list(target.blob_ids()) == []  # the one blob it had put in is gone again
        assert target_is_empty(engine, target)
        assert not (root / "keys" / "audit_hmac.key").exists()
        assert not list(root.glob("restore-*"))  # nor any staging folder
    finally:
        engine.dispose()
    # The same command, run again once the store answers, needs no --replace.
    engine, report = _restore(data, escrow.private, target_database, root, store=target)
    try:
        assert report.chain.ok  # type: ignore[attr-defined]
        assert sorted(target.blob_ids()) == sorted(filed.files)
    finally:
        engine.dispose()


def test_a_failed_replace_keeps_the_targets_own_data(
    ops_app: Flask,
    ops_db: Session,
    escrow: Escrow,
    target_database: Database,
    tmp_path: Path,
) -> None:
    supervisor(ops_app, ops_db)
    file_case(ops_app, ops_db, "yang-lama", files=1)
    old_backup = _backup(ops_app, escrow)
    root = tmp_path / "restored"
    engine, _report = _restore(old_backup, escrow.private, target_database, root)
    before, blobs_before = _dump(engine), sorted(FilesystemBlobStore(root / "blobs").blob_ids())
    engine.dispose()
    file_case(ops_app, ops_db, "yang-baru", files=2)
    failing = cast(BlobStore, _FailingAfter(FilesystemBlobStore(root / "blobs"), good=1))
    with pytest.raises(BlobStoreUnavailableError):
        _restore(_backup(ops_app, escrow), escrow.private, target_database, root, True, failing)
    engine = make_engine(target_database.url, target_database.schema)
    try:
        assert _dump(engine) == before
        assert sorted(FilesystemBlobStore(root / "blobs").blob_ids()) == blobs_before
    finally:
        engine.dispose()


def _interrupt(*_args: object, **_kwargs: object) -> int:
    raise KeyboardInterrupt


def test_ctrl_c_is_reported_as_an_interruption_once_everything_is_back(
    ops_app: Flask,
    ops_db: Session,
    escrow: Escrow,
    target_database: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The CLI clears the RESTORE-UNFINISHED mark on a RestoreError: after Ctrl-C that is
    right only once the roll-back has put everything back, which this error says."""
    supervisor(ops_app, ops_db)
    file_case(ops_app, ops_db, "dihentikan", files=1)
    data = _backup(ops_app, escrow)
    root = tmp_path / "restored"
    monkeypatch.setattr(restore_module, "_install_blobs", _interrupt)
    with pytest.raises(RestoreInterruptedError):
        _restore(data, escrow.private, target_database, root)
    assert_target_untouched(target_database, root)


def test_ctrl_c_stays_an_interrupt_when_the_roll_back_failed(
    ops_app: Flask,
    ops_db: Session,
    escrow: Escrow,
    target_database: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A half-undone target must keep its mark: neither the interrupt nor a store's error is
    turned into an error the CLI would clear the mark for."""
    supervisor(ops_app, ops_db)
    data = _backup(ops_app, escrow)
    monkeypatch.setattr(restore_module, "_install_blobs", _interrupt)
    monkeypatch.setattr(RestoreUndo, "_put_keys_back", _interrupt_undo)
    with pytest.raises(RestoreNotUndoneError) as raised:
        _restore(data, escrow.private, target_database, tmp_path / "restored")
    assert not isinstance(raised.value, RestoreError)
    assert isinstance(raised.value.__cause__, KeyboardInterrupt)


def _interrupt_undo(_self: object) -> None:
    raise OSError("disk gone (injected)")


def _keys_folder(keys: Path) -> dict[str, bytes] | None:
    """Every file of the keys folder with its bytes (None when there is no folder)."""
    if not keys.exists():
        return None
    return {path.name: path.read_bytes() for path in sorted(keys.iterdir())}


@pytest.mark.parametrize("keys_before", ["none", "own"])
@pytest.mark.parametrize("stopped_in", ["_load_database", "_install_blobs"])
def test_ctrl_c_leaves_the_keys_folder_exactly_as_it_was(
    ops_app: Flask,
    ops_db: Session,
    escrow: Escrow,
    target_database: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    keys_before: str,
    stopped_in: str,
) -> None:
    """An interrupted restore once left a new flask_secret.key and ratelimit.key behind."""
    supervisor(ops_app, ops_db)
    data = _backup(ops_app, escrow)
    root = tmp_path / "restored"
    keys = root / "keys"
    if keys_before == "own":
        keys.mkdir(parents=True, mode=0o750)
        (keys / "flask_secret.key").write_bytes(b"ab" * 32 + b"\n")
        (keys / "flask_secret.key").chmod(0o600)
    before, mode_before = _keys_folder(keys), keys.exists() and keys.stat().st_mode
    monkeypatch.setattr(restore_module, stopped_in, _interrupt)
    with pytest.raises(RestoreInterruptedError):
        _restore(data, escrow.private, target_database, root)
    assert _keys_folder(keys) == before
    assert (keys.exists() and keys.stat().st_mode) == mode_before
