"""Peak worker memory while a large upload is parsed, encrypted and committed.

Method (the most honest one available): a real gunicorn process (``bench.upload_server``,
one sync worker) on 127.0.0.1 receives a multipart body that the client generates on the fly
and sends in 64 KiB pieces, so nothing the size of the file exists anywhere except as
ciphertext in the blob store. The worker's resident memory is read from
``/proc/<pid>/status``: the idle figure is VmRSS after a warm-up upload, the peak is VmHWM
(reset through ``clear_refs`` before the upload) and the highest VmRSS sampled during it.
"""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.upload_server import UPLOAD_PATH

KIB = 1024
PIECE = 64 * KIB
_REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class UploadMemory:
    """What the worker held before and during the upload (bytes) and how long it took."""

    size: int
    seconds: float
    idle_rss: int
    peak_rss: int
    method: str

    @property
    def above_idle(self) -> int:
        """Peak resident memory minus the idle worker's."""
        return self.peak_rss - self.idle_rss


class UploadBenchError(RuntimeError):
    """The bench server did not start or refused the upload."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise UploadBenchError(f"{field} missing for process {pid}")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # Field 4 (after the parenthesised command name) is the parent pid.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _multipart(size: int, boundary: str) -> tuple[bytes, bytes, int]:
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; "
            f"filename=\"bench.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head, tail, len(head) + size + len(tail)


def _body_pieces(size: int) -> Iterator[bytes]:
    # Random bytes so nothing compresses or short-cuts; one piece reused, never a whole file.
    piece = secrets.token_bytes(PIECE)
    sent = 0
    while sent < size:
        part = piece[: min(PIECE, size - sent)]
        sent += len(part)
        yield part


def post_upload(port: int, size: int) -> tuple[int, str]:
    """Stream a ``size``-byte file as multipart/form-data; return (status, body)."""
    boundary = secrets.token_hex(16)
    head, tail, length = _multipart(size, boundary)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.putrequest("POST", UPLOAD_PATH)
        conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        conn.putheader("Content-Length", str(length))
        conn.endheaders()
        conn.send(head)
        for part in _body_pieces(size):
            conn.send(part)
        conn.send(tail)
        response = conn.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        conn.close()


class _Server:
    """The bench gunicorn in a temporary instance; stopped (by its own pid) on exit."""

    def __init__(self, instance: Path, max_bytes: int) -> None:
        self.port = _free_port()
        env = dict(os.environ, SIPADU_INSTANCE_DIR=str(instance / "instance"),
                   SIPADU_KEYS_DIR=str(instance / "keys"), SIPADU_LOG_LEVEL="WARNING",
                   SIPADU_MAX_FILE_BYTES=str(max_bytes),
                   SIPADU_MAX_REQUEST_BYTES=str(max_bytes + 64 * KIB),
                   SIPADU_RATE_LIMITS_ENABLED="false", PYTHONPATH=str(_REPO))
        # Server output goes to a file: an unread pipe could fill up and stall the server.
        self._log = (instance / "server.log").open("w+b")
        self.process = subprocess.Popen(  # noqa: S603  (our own module, fixed arguments)
            [sys.executable, "-m", "bench.upload_server", f"127.0.0.1:{self.port}"],
            env=env, cwd=_REPO, stdout=self._log, stderr=subprocess.STDOUT)

    def worker_pid(self, deadline: float = 60.0) -> int:
        """Wait until the port answers and return the single worker's pid."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise UploadBenchError(self._stderr())
            workers = _children(self.process.pid)
            if workers and _port_open(self.port):
                return workers[0]
            time.sleep(0.1)
        raise UploadBenchError("bench server did not start in time")

    def _stderr(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-2000:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class _Sampler(threading.Thread):
    """Reads the worker's VmRSS every few milliseconds and keeps the highest value."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self._halt = pid, 0, threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak_kib = max(self.peak_kib, _status_kib(self.pid, "VmRSS"))
            self._halt.wait(0.02)

    def stop(self) -> int:
        self._halt.set()
        self.join()
        return self.peak_kib


def _reset_hwm(pid: int) -> bool:
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+).
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def upload_memory(size: int) -> UploadMemory:
    """Upload ``size`` bytes through a real server and measure the worker's memory."""
    with tempfile.TemporaryDirectory(prefix="sipadu-bench-") as folder:
        server = _Server(Path(folder), max(size, PIECE))
        try:
            pid = server.worker_pid()
            # Warm-up: imports, first request, blob store and cleaner all touched once.
            for _ in range(2):
                status, body = post_upload(server.port, min(size, 4 * PIECE))
                if status != 200:
                    raise UploadBenchError(f"warm-up upload answered {status}: {body}")
            time.sleep(0.3)
            idle = _status_kib(pid, "VmRSS")
            hwm_reset = _reset_hwm(pid)
            sampler = _Sampler(pid)
            sampler.start()
            start = time.perf_counter()
            status, body = post_upload(server.port, size)
            seconds = time.perf_counter() - start
            peak = max(sampler.stop(), _status_kib(pid, "VmHWM") if hwm_reset else 0)
            if status != 200 or body != str(size):
                raise UploadBenchError(f"upload answered {status}: {body[:200]}")
        finally:
            server.stop()
    method = ("gunicorn (1 sync worker) on 127.0.0.1; worker VmHWM after clear_refs reset "
              "and VmRSS sampled every 20 ms" if hwm_reset else
              "gunicorn (1 sync worker) on 127.0.0.1; worker VmRSS sampled every 20 ms")
    return UploadMemory(size, seconds, idle * KIB, peak * KIB, method)
