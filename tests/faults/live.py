"""A real ``sipadu serve`` for fault tests: ``sipadu init``, a supervisor, gunicorn on loopback.

The instance lives in a folder the test owns; the server is stopped by its own process id
(its process group only if SIGTERM is not enough).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.helpers import SIPADU, run_sipadu

STARTUP_SECONDS = 60
SUPERVISOR_PASSWORD = "Pohon-kelapa-tumbuh-di-pantai-77\n"


@dataclass(frozen=True)
class Server:
    """A running ``sipadu serve`` and its instance."""

    url: str
    port: int
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    root: Path

    @property
    def blobs(self) -> Path:
        return self.root / "instance" / "blobs"

    @property
    def log(self) -> Path:
        """Everything the server (gunicorn and its workers) wrote."""
        return self.root / "server.log"


def free_port() -> int:
    """A loopback TCP port free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(
    url: str, headers: dict[str, str] | None = None, timeout: float = 10
) -> tuple[int, bytes]:
    """(status, body) of a GET, HTTP errors included."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())


def wait_until_up(server_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Return once the home page answers 200; fail if the server exits or never answers."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"sipadu serve exited:\n{log.read_text()}"
        try:
            if http_get(server_url + "/")[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"sipadu serve did not answer:\n{log.read_text()}")


def instance_env(root: Path, port: int, database_url: str) -> dict[str, str]:
    """The environment of a test instance in ``root`` (no inherited ``SIPADU_*``)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SIPADU_")}
    env.update(
        {
            "SIPADU_INSTANCE_DIR": str(root / "instance"),
            "SIPADU_KEYS_DIR": str(root / "keys"),
            "SIPADU_DATABASE_URL": database_url,
            "SIPADU_BASE_URL": f"http://127.0.0.1:{port}",
            "SIPADU_RATE_LIMITS_ENABLED": "false",
        }
    )
    return env


def _initialise(env: dict[str, str]) -> None:
    initialised = run_sipadu(env, "init")
    assert initialised.returncode == 0, initialised.stderr
    created = run_sipadu(
        env,
        "account",
        "create",
        "--username",
        "verifikator",
        "--role",
        "supervisor",
        "--password-stdin",
        "--json",
        input=SUPERVISOR_PASSWORD,
    )
    assert created.returncode == 0, created.stderr


@contextmanager
def serving(
    root: Path, database_url: str, workers: int = 1, extra_env: dict[str, str] | None = None
) -> Iterator[Server]:
    """``sipadu init``, a supervisor, then ``sipadu serve --workers N`` on 127.0.0.1."""
    port = free_port()
    env = instance_env(root, port, database_url)
    env.update(extra_env or {})
    _initialise(env)
    log = root / "server.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [SIPADU, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, log)
        yield Server(url, port, process, env, root)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
