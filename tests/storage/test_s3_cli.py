"""The `sipadu` command on the S3 store, as an operator runs it: a bucket that cannot be
used stops the start naming the settings; the storage commands work on the bucket."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import cli_env, run_sipadu
from tests.support.instance import Database
from tests.support.seaweedfs import SeaweedFS


def _env(tmp_path: Path, database: Database, seaweedfs: SeaweedFS, bucket: str) -> dict[str, str]:
    credentials = seaweedfs.write_credentials(tmp_path / "s3.credentials")
    return {**cli_env(tmp_path, database), **seaweedfs.instance_env(bucket, credentials)}


def test_a_missing_bucket_stops_the_start_by_name(
    tmp_path: Path, sqlite_database: Database, seaweedfs: SeaweedFS
) -> None:
    env = _env(tmp_path, sqlite_database, seaweedfs, "no-such-bucket-here")
    refused = run_sipadu(env, "init")
    assert refused.returncode == 2
    assert "SIPADU_S3_BUCKET" in refused.stderr and "bucket check failed" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert seaweedfs.credentials.secret_access_key not in refused.stderr + refused.stdout
    assert seaweedfs.credentials.access_key_id not in refused.stderr + refused.stdout


def test_storage_commands_work_on_the_bucket(
    tmp_path: Path, sqlite_database: Database, seaweedfs: SeaweedFS
) -> None:
    bucket = seaweedfs.new_bucket()
    env = _env(tmp_path, sqlite_database, seaweedfs, bucket)
    assert run_sipadu(env, "init").returncode == 0
    seaweedfs.shared_client.put_object(Bucket=bucket, Key="ab" * 16, Body=b"\x01" * 10)
    swept = run_sipadu(env, "storage", "gc", "--min-age", "0")
    assert swept.returncode == 0, swept.stderr
    assert f"removed orphan blob {'ab' * 16}" in swept.stdout
    assert seaweedfs.shared_client.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
    assert not (tmp_path / "instance" / "blobs").exists()  # nothing went to a folder


def test_db_current_checks_the_bucket_as_init_does(
    tmp_path: Path, sqlite_database: Database, seaweedfs: SeaweedFS
) -> None:
    bucket = seaweedfs.new_bucket()
    env = _env(tmp_path, sqlite_database, seaweedfs, bucket)
    assert run_sipadu(env, "init").returncode == 0
    current = run_sipadu(env, "db", "current")
    assert current.returncode == 0 and "blob store: usable" in current.stdout, current.stderr
    gone = run_sipadu({**env, "SIPADU_S3_BUCKET": "no-such-bucket-here"}, "db", "current")
    assert gone.returncode == 2
    assert "SIPADU_S3_BUCKET" in gone.stderr and "bucket check failed" in gone.stderr
    assert "Traceback" not in gone.stderr
