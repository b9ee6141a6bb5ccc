"""`sipadu backup create|restore` as an operator runs them, while reports keep arriving."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from sqlalchemy import select

from sipadu import create_app
from sipadu.cases.models import Case
from sipadu.crypto.escrow import generate_escrow_keypair, write_escrow_public
from sipadu.db import db_session, make_engine
from sipadu.settings import settings_from_env
from sipadu.storage.filesystem import FilesystemBlobStore
from tests.conftest import TEST_ARGON2
from tests.ops.conftest import file_case
from tests.support.cli import SIPADU, cli_env, run_sipadu, start_sipadu
from tests.support.escrow_file import write_cheap_escrow_private
from tests.support.factories import make_case, make_staff
from tests.support.instance import Database
from tests.support.seaweedfs import SeaweedFS

PASSPHRASE = "frasa-sandi-cadangan-uji-coba-123"


@dataclass(frozen=True)
class EscrowFile:
    """An escrow key whose private half is a passphrase-sealed file (sealed with cheap
    Argon2: every restore opens it, and restoring is the subject here)."""

    path: Path
    public: bytes = field(repr=False)


@pytest.fixture(scope="module")
def escrow_file(tmp_path_factory: pytest.TempPathFactory) -> EscrowFile:
    private, public = generate_escrow_keypair()
    path = tmp_path_factory.mktemp("offline") / "escrow-private.key"
    write_cheap_escrow_private(path, private, PASSPHRASE)
    return EscrowFile(path, public)


def _instance(root: Path, database: Database, escrow: EscrowFile) -> dict[str, str]:
    (root / "keys").mkdir(mode=0o700, parents=True)
    write_escrow_public(root / "keys" / "escrow.pub", escrow.public)
    return cli_env(root, database, seed_escrow=False)


def _restore(
    env: dict[str, str], backup: Path, escrow: EscrowFile, passphrase: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            SIPADU,
            "backup",
            "restore",
            str(backup),
            "--escrow-key",
            str(escrow.path),
            "--passphrase-stdin",
            "--quiet",
            *extra,
        ],
        input=passphrase + "\n",
        env=env,
        text=True,
        capture_output=True,
        timeout=180,
        check=False,
    )


def _restored_copy(
    env: dict[str, str], tmp_path: Path, escrow: EscrowFile
) -> tuple[Path, dict[str, str], Path]:
    """Back up the instance of ``env`` and restore it into a new SQLite instance: the backup
    file, the target's environment and its instance folder."""
    backup = tmp_path / "b.bak"
    assert run_sipadu(env, "backup", "create", "--out", str(backup), "--quiet").returncode == 0
    target = _instance(tmp_path / "c", Database("sqlite", f"sqlite:///{tmp_path / 'c.db'}"), escrow)
    assert _restore(target, backup, escrow, PASSPHRASE).returncode == 0
    return backup, target, Path(target["SIPADU_INSTANCE_DIR"])


class Submitter(threading.Thread):
    """Files reports in a loop, recording when each one was acknowledged."""

    def __init__(self, env: dict[str, str]) -> None:
        super().__init__(daemon=True)
        settings = replace(settings_from_env(env).with_keyring(), argon2=TEST_ARGON2)
        self.app = create_app(settings)
        self.stop = threading.Event()
        self.acknowledged: list[tuple[str, float]] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.app.app_context():
                db = db_session()
                while not self.stop.is_set():
                    code = make_case(self.app, db, {"category": "pungli", "what": "x"}).case.code
                    self.acknowledged.append((code, time.monotonic()))
                    time.sleep(0.02)  # leave the CPU to the backup being tested
        except BaseException as error:  # surfaced by the test
            self.error = error


@pytest.fixture
def live(tmp_path: Path, database: Database, escrow_file: EscrowFile) -> Iterator[Submitter]:
    env = _instance(tmp_path / "live", database, escrow_file)
    assert run_sipadu(env, "init").returncode == 0
    submitter = Submitter(env)
    with submitter.app.app_context():
        make_staff(submitter.app, db_session(), "supervisor", username="verifikator")
        db_session().commit()
    submitter.start()
    yield submitter
    submitter.stop.set()
    submitter.join(30)
    submitter.app.extensions["sipadu.engine"].dispose()


@pytest.mark.slow
def test_backup_while_reports_arrive_then_restore(
    tmp_path: Path,
    database: Database,
    target_database: Database,
    escrow_file: EscrowFile,
    live: Submitter,
) -> None:
    env = _instance(tmp_path / "live2", database, escrow_file)  # same database, for the CLI
    env.update(
        {
            "SIPADU_INSTANCE_DIR": str(tmp_path / "live" / "instance"),
            "SIPADU_KEYS_DIR": str(tmp_path / "live" / "keys"),
        }
    )
    while len(live.acknowledged) < 3:
        time.sleep(0.05)
    started = time.monotonic()
    backup = tmp_path / "cadangan.sipadu-backup"
    created = run_sipadu(env, "backup", "create", "--out", str(backup), "--quiet")
    finished = time.monotonic()
    live.stop.set()
    live.join(30)
    assert live.error is None, live.error
    assert created.returncode == 0, created.stderr
    assert "SHA-256" in created.stdout and not backup.with_name(backup.name + ".partial").exists()
    before = {code for code, at in live.acknowledged if at < started}
    assert any(started <= at <= finished for _, at in live.acknowledged), "no concurrent writes"

    target_env = _instance(tmp_path / "baru", target_database, escrow_file)
    restored = _restore(target_env, backup, escrow_file, PASSPHRASE)
    assert restored.returncode == 0, restored.stderr
    assert "audit log intact" in restored.stdout
    # The message names the real keys folder of the target instance.
    restored_key = Path(target_env["SIPADU_KEYS_DIR"]) / "audit_hmac.key"
    assert f"Restored key file {restored_key}." in restored.stdout
    engine = make_engine(target_database.url, target_database.schema)
    with engine.connect() as connection:
        codes = set(connection.execute(select(Case.code)).scalars())
    engine.dispose()
    assert before <= codes, f"acknowledged before the backup but missing: {before - codes}"
    again = _restore(target_env, backup, escrow_file, PASSPHRASE)
    assert again.returncode != 0 and "not empty" in again.stderr


@pytest.mark.slow
def test_corrupted_backup_file_is_refused_by_the_cli(
    tmp_path: Path,
    sqlite_database: Database,
    escrow_file: EscrowFile,
) -> None:
    env = _instance(tmp_path / "a", sqlite_database, escrow_file)
    assert run_sipadu(env, "init").returncode == 0
    backup = tmp_path / "b.bak"
    assert run_sipadu(env, "backup", "create", "--out", str(backup), "--quiet").returncode == 0
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0x40
    backup.write_bytes(bytes(data))
    target = _instance(
        tmp_path / "c", Database("sqlite", f"sqlite:///{tmp_path / 'c.db'}"), escrow_file
    )
    wrong = _restore(target, backup, escrow_file, "bukan-frasa-sandi-yang-benar")
    assert wrong.returncode != 0 and "does not unlock this escrow key file" in wrong.stderr
    assert "WrongPassphraseError" not in wrong.stderr
    assert "Traceback" not in wrong.stderr
    result = _restore(target, backup, escrow_file, PASSPHRASE)
    assert result.returncode != 0
    assert "restore refused: the backup is damaged in" in result.stderr
    assert "member " in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_restore_killed_half_way_is_refused_until_rerun_with_replace(
    tmp_path: Path, sqlite_database: Database, escrow_file: EscrowFile
) -> None:
    """A SIGKILL leaves the restore's mark behind (here left as a kill would leave it):
    init, serve and db current refuse; a plain rerun says to replace; --replace finishes."""
    env = _instance(tmp_path / "a", sqlite_database, escrow_file)
    assert run_sipadu(env, "init").returncode == 0
    backup, target, instance = _restored_copy(env, tmp_path, escrow_file)
    assert not (instance / "RESTORE-UNFINISHED").exists()
    # What a kill leaves: rows and key files, the mark, a half-written blob.
    (instance / "RESTORE-UNFINISHED").write_text("sipadu backup restore started\n")
    partial = instance / "blobs" / f"tmp-{'0' * 32}.partial"
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(b"half")
    staging = instance / "restore-4242-0badcafe"  # the backup's audit key in the clear
    staging.mkdir()
    (staging / "keys__audit_hmac.key").write_text("00" * 32 + "\n")

    for command in (("init",), ("serve", "--bind", "127.0.0.1:1"), ("db", "current")):
        refused = run_sipadu(target, *command, timeout=60)
        assert refused.returncode != 0, command
        assert "did not finish" in refused.stderr and "--replace" in refused.stderr, command
        assert "Instance ready" not in refused.stdout and "Traceback" not in refused.stderr
    plain = _restore(target, backup, escrow_file, PASSPHRASE)
    assert plain.returncode != 0 and "did not finish; pass --replace" in plain.stderr
    replaced = _restore(target, backup, escrow_file, PASSPHRASE, "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert "audit log intact" in replaced.stdout
    assert not partial.exists() and not (instance / "RESTORE-UNFINISHED").exists()
    assert not staging.exists() and f"Removed {staging.name}" in replaced.stdout
    assert run_sipadu(target, "init").returncode == 0


@pytest.mark.slow
def test_replace_aborts_the_unfinished_uploads_of_a_killed_restore_on_s3(
    tmp_path: Path, sqlite_database: Database, escrow_file: EscrowFile, seaweedfs: SeaweedFS
) -> None:
    """On S3 a blob half-written by a killed restore is an unfinished multipart upload: its
    parts are stored (and billed) until aborted, and --replace must abort it."""
    env = _instance(tmp_path / "a", sqlite_database, escrow_file)
    assert run_sipadu(env, "init").returncode == 0
    backup = tmp_path / "b.bak"
    assert run_sipadu(env, "backup", "create", "--out", str(backup), "--quiet").returncode == 0
    bucket = seaweedfs.new_bucket()
    credentials = seaweedfs.write_credentials(tmp_path / "s3.credentials")
    target = {
        **_instance(
            tmp_path / "c", Database("sqlite", f"sqlite:///{tmp_path / 'c.db'}"), escrow_file
        ),
        **seaweedfs.instance_env(bucket, credentials),
    }
    assert _restore(target, backup, escrow_file, PASSPHRASE).returncode == 0
    instance = Path(target["SIPADU_INSTANCE_DIR"])
    (instance / "RESTORE-UNFINISHED").write_text("sipadu backup restore started\n")
    client = seaweedfs.shared_client
    upload = client.create_multipart_upload(Bucket=bucket, Key="cd" * 16)
    client.upload_part(
        Bucket=bucket, Key="cd" * 16, UploadId=upload["UploadId"], PartNumber=1, Body=b"half"
    )
    replaced = _restore(target, backup, escrow_file, PASSPHRASE, "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert f"Removed {'cd' * 16}.partial" in replaced.stdout
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert not (instance / "RESTORE-UNFINISHED").exists()


_QUIET = ("--passphrase-stdin", "--quiet", "--replace")


def _restore_started(instance: Path, process: subprocess.Popen[str]) -> bool:
    """Wait until the restore made its staging folder (it then defers Ctrl-C)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if list(instance.glob("restore-*")):
            return True
        time.sleep(0.01)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.4, 1.2])
def test_ctrl_c_at_any_moment_of_a_replace_leaves_a_whole_instance(
    tmp_path: Path, sqlite_database: Database, escrow_file: EscrowFile, delay: float
) -> None:
    """What the outside operator did: restore one backup, then again with --replace, and press
    Ctrl-C somewhere in the second. Whether it stops or finishes, the instance holds every file
    and row, carries no unfinished mark, and the operator sees no traceback."""
    env = _instance(tmp_path / "a", sqlite_database, escrow_file)
    assert run_sipadu(env, "init").returncode == 0
    app = create_app(replace(settings_from_env(env).with_keyring(), argon2=TEST_ARGON2))
    with app.app_context():
        make_staff(app, db_session(), "supervisor", username="verifikator")
        filed = file_case(app, db_session(), "tekan-ctrl-c", files=4)
    app.extensions["sipadu.engine"].dispose()
    backup, target, instance = _restored_copy(env, tmp_path, escrow_file)

    typed = tmp_path / "passphrase"
    typed.write_text(PASSPHRASE + "\n")
    process = start_sipadu(
        target,
        "backup",
        "restore",
        str(backup),
        "--escrow-key",
        str(escrow_file.path),
        *_QUIET,
        stdin=typed,
    )
    if _restore_started(instance, process):
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=180)
    assert "Traceback" not in stderr and "Aborted" not in stderr
    # Finished (a later signal is ignored: it must not turn the success into a failure
    # code), or stopped and rolled back.
    if "audit log intact" in stdout:
        assert process.returncode == 0
    else:
        assert process.returncode == 1 and "interrupted (Ctrl-C or SIGTERM)" in stderr, stderr
    assert not (instance / "RESTORE-UNFINISHED").exists()
    blobs = FilesystemBlobStore(instance / "blobs")
    assert sorted(blobs.blob_ids()) == sorted(filed.files)
    verified = run_sipadu(target, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
