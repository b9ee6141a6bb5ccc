"""Fixtures for the operations tests: an app with an escrow key, a second empty database."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.cases.attachments import store_attachment
from sipadu.cases.content import add_message
from sipadu.cases.models import Attachment, Case
from sipadu.cases.statuses import Status
from sipadu.crypto.escrow import generate_escrow_keypair
from sipadu.db import db_session, make_engine
from sipadu.keyring import make_test_keyring
from sipadu.ops.backup import create_backup
from sipadu.ops.restore import restore_backup, target_is_empty
from sipadu.storage.base import BlobStore
from sipadu.storage.filesystem import FilesystemBlobStore
from sipadu.storage.s3 import S3BlobStore
from sipadu.uploads.multipart import EncryptedUpload
from tests.conftest import build_app, make_settings, postgres_schema
from tests.support.factories import StaffMember, make_case, make_staff
from tests.support.instance import Database
from tests.support.seaweedfs import SeaweedFS


@dataclass(frozen=True)
class Escrow:
    """A raw escrow key pair (no passphrase file: in-process tests need none)."""

    private: bytes = field(repr=False)
    public: bytes


@pytest.fixture
def escrow() -> Escrow:
    private, public = generate_escrow_keypair()
    return Escrow(private, public)


@pytest.fixture
def blob_kind() -> str:
    """The blob store of ``ops_app``; a test parametrizes it to run on both kinds."""
    return "file"


def store_settings(kind: str, request: pytest.FixtureRequest) -> dict[str, object]:
    """Settings for a store of ``kind``: the instance folder's, or a new bucket on the
    test SeaweedFS."""
    if kind == "file":
        return {}
    seaweedfs: SeaweedFS = request.getfixturevalue("seaweedfs")
    return {"blob_store": "s3", "s3": seaweedfs.settings(seaweedfs.new_bucket())}


@pytest.fixture
def ops_app(
    tmp_path: Path,
    database: Database,
    escrow: Escrow,
    blob_kind: str,
    request: pytest.FixtureRequest,
) -> Iterator[Flask]:
    """A migrated app on each backend whose cases are wrapped for ``escrow`` too, its blobs
    in a store of ``blob_kind``."""
    settings = make_settings(
        tmp_path,
        database,
        keyring=make_test_keyring(escrow_public=escrow.public),
        **store_settings(blob_kind, request),
    )
    application = build_app(settings)
    yield application
    application.extensions["sipadu.engine"].dispose()


@pytest.fixture
def ops_db(ops_app: Flask) -> Iterator[Session]:
    with ops_app.app_context():
        yield db_session()


@pytest.fixture
def target_database(database: Database, tmp_path: Path) -> Iterator[Database]:
    """A second empty database on the same backend (the restore target)."""
    if database.backend == "sqlite":
        yield Database("sqlite", f"sqlite:///{tmp_path / 'target.sqlite3'}")
        return
    yield from postgres_schema(database.url)


def blob_store(app: Flask) -> BlobStore:
    store: BlobStore = app.extensions["sipadu.blobs"]
    return store


def replace_blob_bytes(store: BlobStore, blob_id: str, data: bytes) -> None:
    """Tamper with a stored blob behind the store's back (as an attacker with disk or bucket
    access could)."""
    if isinstance(store, S3BlobStore):
        store.client.put_object(Bucket=store.bucket, Key=blob_id, Body=data)
    else:
        assert isinstance(store, FilesystemBlobStore)
        (store.root / blob_id).write_bytes(data)


def add_attachment(app: Flask, db: Session, case: Case, dek: bytes, data: bytes) -> Attachment:
    """Stream ``data`` into the blob store the way an upload does, and add its row."""
    upload = EncryptedUpload(
        blob_store(app).open_writer(), "bukti.pdf", "application/pdf", 10_000_000, None
    )
    upload.write(data)
    upload.finish()
    return store_attachment(db, case, dek, upload, uploaded_by="reporter")


@dataclass
class Filed:
    """A case with content, and what it takes to read it."""

    code: str
    dek: bytes = field(repr=False)
    files: dict[str, bytes] = field(default_factory=dict)


def file_case(
    app: Flask,
    db: Session,
    what: str,
    *,
    files: int = 1,
    archived_on: date | None = None,
    retention_until: date | None = None,
) -> Filed:
    """A case with a message from each side and ``files`` attachments."""
    created = make_case(app, db, {"category": "kkn", "what": what})
    case = created.case
    add_message(db, case, created.dek, f"pesan pelapor {what}", author_kind="reporter")
    add_message(db, case, created.dek, "catatan internal", author_kind="staff", internal=True)
    filed = Filed(case.code, created.dek)
    for index in range(files):
        data = f"{what}-{index}-".encode() * (1000 + 7000 * index)
        row = add_attachment(app, db, case, created.dek, data)
        filed.files[row.blob_id] = data
    if archived_on is not None:
        case.status, case.archived_on, case.retention_until = (
            Status.DIARSIPKAN,
            archived_on,
            retention_until,
        )
    db.commit()
    return filed


def supervisor(app: Flask, db: Session, username: str = "verifikator-satu") -> StaffMember:
    member = make_staff(app, db, "supervisor", username=username)
    db.commit()
    return member


def backup_bytes(app: Flask, escrow: Escrow, key_files: dict[str, bytes] | None = None) -> bytes:
    """A backup of ``app`` (its audit key, unless ``key_files`` says otherwise), in memory."""
    settings = current_settings(app)
    assert settings.keyring is not None
    keys = (
        key_files
        if key_files is not None
        else {"audit_hmac.key": settings.keyring.audit_hmac_key.hex().encode() + b"\n"}
    )
    sink = io.BytesIO()
    create_backup(
        sink,
        engine=app.extensions["sipadu.engine"],
        store=blob_store(app),
        escrow_public=escrow.public,
        key_files=keys,
    )
    return sink.getvalue()


def restore_bytes(
    data: bytes,
    private: bytes,
    target: Database,
    root: Path,
    replace: bool = False,
    store: BlobStore | None = None,
) -> tuple[Engine, object]:
    """Restore ``data`` into ``target`` with keys and blobs under ``root``; the engine and
    the report."""
    engine = make_engine(target.url, target.schema)
    report = restore_backup(
        io.BytesIO(data),
        private,
        engine=engine,
        store=store or FilesystemBlobStore(root / "blobs"),
        keys_dir=root / "keys",
        staging_root=root,
        replace=replace,
    )
    return engine, report


def assert_target_untouched(target: Database, root: Path) -> None:
    """The restore target of ``restore_bytes`` is as it was before (empty): no tables, no
    blobs, no audit key."""
    engine = make_engine(target.url, target.schema)
    try:
        assert target_is_empty(engine, FilesystemBlobStore(root / "blobs"))
        assert not (root / "keys" / "audit_hmac.key").exists()
        assert inspect(engine).get_table_names() == []  # not even Alembic's version table
    finally:
        engine.dispose()
