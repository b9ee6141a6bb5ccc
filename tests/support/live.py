"""A real server on 127.0.0.1: ``sipadu serve`` (gunicorn) unless told another command.

The one live-server helper of the tests and the benchmarks. The server is started in its
own session, so it is stopped by its own process id (SIGTERM; SIGKILL to its own process
group only if that is not enough), and everything it prints goes to ``root/server.log``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tests.support.cli import SIPADU, init_instance, seed_escrow_public
from tests.support.instance import Database, free_port, instance_env

STARTUP_SECONDS = 60.0
STOP_SECONDS = 30.0

Readiness = Literal["http", "port"]


class LiveServerError(RuntimeError):
    """The server did not start, or exited before it answered."""


@dataclass(frozen=True)
class LiveServer:
    """A running server and the instance it serves."""

    url: str  # without a trailing slash, e.g. http://127.0.0.1:40123
    port: int
    env: dict[str, str]  # pass to run_sipadu() to act on the same instance
    root: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def blobs(self) -> Path:
        """The instance's blob folder."""
        return self.root / "instance" / "blobs"

    def log_text(self) -> str:
        """Everything the server wrote so far (gunicorn, access and application log)."""
        return self.log_path.read_text(errors="replace")

    def wait_until_answering(self, ready: Readiness = "http") -> None:
        """Return once the server answers (``http``: its home page gives 200; ``port``: a
        TCP connection is accepted); raise if it exits or stays silent."""
        deadline = time.monotonic() + STARTUP_SECONDS
        probe = _home_page_answers if ready == "http" else port_accepts
        while not probe(self.port):
            if self.process.poll() is not None:
                raise LiveServerError(f"the server exited:\n{self.log_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise LiveServerError(f"the server did not answer:\n{self.log_text()[-3000:]}")
            time.sleep(0.1)

    def stop(self, *, whole_group: bool = False) -> None:
        """Stop the server and wait for it (idempotent). SIGTERM goes to the server process
        (gunicorn's arbiter stops its workers), or with ``whole_group`` to its own process
        group (a development server's reloader child too)."""
        if self.process.poll() is not None:
            return
        if whole_group:
            os.killpg(self.process.pid, signal.SIGTERM)
        else:
            self.process.terminate()
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def http_get(
    url: str, headers: Mapping[str, str] | None = None, timeout: float = 10
) -> tuple[int, bytes]:
    """(status, body) of a GET, HTTP errors included."""
    request = urllib.request.Request(url, headers=dict(headers or {}))  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())


def _home_page_answers(port: int) -> bool:
    try:
        return http_get(f"http://127.0.0.1:{port}/", timeout=5)[0] == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def port_accepts(port: int) -> bool:
    """Whether a TCP connection to 127.0.0.1:``port`` is accepted now."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def serve_command(port: int, workers: int, extra_args: Sequence[str] = ()) -> list[str]:
    """``sipadu serve`` on 127.0.0.1:``port`` with ``workers`` sync workers."""
    bind = f"127.0.0.1:{port}"
    return [SIPADU, "serve", "--bind", bind, "--workers", str(workers), *extra_args]


def start_server(
    env: Mapping[str, str],
    root: Path,
    port: int,
    *,
    command: Sequence[str] | None = None,
    workers: int = 2,
    cwd: Path | None = None,
) -> LiveServer:
    """Start the server without waiting for it (``command`` defaults to ``sipadu serve``);
    the caller waits (:meth:`LiveServer.wait_until_answering`) and stops it."""
    log_path = root / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            list(command or serve_command(port, workers)),
            env=dict(env),
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return LiveServer(f"http://127.0.0.1:{port}", port, dict(env), root, process, log_path)


@contextmanager
def serving(
    env: Mapping[str, str],
    root: Path,
    *,
    port: int | None = None,
    workers: int = 2,
    command: Sequence[str] | None = None,
    cwd: Path | None = None,
    ready: Readiness = "http",
) -> Iterator[LiveServer]:
    """A running server until the block ends. The port is ``SIPADU_BASE_URL``'s unless
    given; the instance must be initialised (:func:`tests.support.cli.init_instance`)."""
    if port is None:
        port = int(env["SIPADU_BASE_URL"].rsplit(":", 1)[1])
    server = start_server(env, root, port, command=command, workers=workers, cwd=cwd)
    try:
        server.wait_until_answering(ready)
        yield server
    finally:
        server.stop()


@contextmanager
def running_instance(
    root: Path,
    database: Database,
    *,
    workers: int = 2,
    extra_env: Mapping[str, str] | None = None,
    supervisor: bool = False,
) -> Iterator[LiveServer]:
    """A fresh instance under ``root`` (``sipadu init`` with a ready escrow public key; a
    supervisor enrolled through the staff service if asked), served until the block ends."""
    from tests.support.staff import enrol_staff  # Flask and pyotp only for those who ask

    env = instance_env(root, database, port=free_port(), extra=extra_env)
    seed_escrow_public(root / "keys")
    init_instance(env)
    if supervisor:
        enrol_staff(env, ["supervisor"])
    with serving(env, root, workers=workers) as server:
        yield server
