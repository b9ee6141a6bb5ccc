"""`sipadu storage create-bucket`: the blob bucket made through the S3 API with an identity
allowed to create buckets, on a real SeaweedFS (the `weed shell` route depends on reaching
the master's and filer's gRPC ports, which the firewall keeps to the storage host)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from tests.support.cli import run_sipadu
from tests.support.seaweedfs import SeaweedFS


def test_create_bucket_makes_the_bucket_once(seaweedfs: SeaweedFS, tmp_path: Path) -> None:
    bucket = f"sipadu-made-{secrets.token_hex(4)}"
    admin = seaweedfs.write_credentials(tmp_path / "admin-s3.conf")
    env = {
        "PATH": os.environ["PATH"],
        "TMPDIR": str(tmp_path),
        "SIPADU_S3_BUCKET": bucket,
        "SIPADU_S3_ENDPOINT_URL": seaweedfs.endpoint_url,
    }
    first = run_sipadu(env, "storage", "create-bucket", "--credentials-file", str(admin))
    assert (first.returncode, first.stdout) == (0, f"Created bucket {bucket}.\n"), first.stderr
    seaweedfs.shared_client.head_bucket(Bucket=bucket)
    again = run_sipadu(env, "storage", "create-bucket", "--credentials-file", str(admin))
    assert (again.returncode, again.stdout) == (0, f"Already there: bucket {bucket}.\n")
    assert seaweedfs.credentials.secret_access_key not in again.stdout + again.stderr


def test_create_bucket_names_the_refusal_only(seaweedfs: SeaweedFS, tmp_path: Path) -> None:
    admin = seaweedfs.write_credentials(tmp_path / "admin-s3.conf")
    env = {"PATH": os.environ["PATH"], "TMPDIR": str(tmp_path)}
    refused = run_sipadu(
        env,
        "storage",
        "create-bucket",
        "--credentials-file",
        str(admin),
        "--bucket",
        "sipadu-blobs",
        "--endpoint-url",
        "http://127.0.0.1:1",
    )
    assert refused.returncode == 1
    assert "bucket creation failed" in refused.stderr
    assert seaweedfs.credentials.secret_access_key not in refused.stderr
