"""A large attachment through the product's own routes, served by ``sipadu serve``.

Method: a temporary instance made by ``sipadu init``, one supervisor account created through
the staff service (with a Bearer session, as an API login would give), and ``sipadu serve``
(gunicorn, one sync worker) on 127.0.0.1. The client files a report through
``POST /api/v1/reports``, then uploads one file through ``POST /api/v1/case/attachments``
(``Authorization: CaseKey …``) and downloads it as the supervisor through
``GET /api/v1/staff/cases/<code>/attachments/<id>``. The body is generated on the fly and sent
in pieces, and the download is read in pieces, each compared with what was sent: the file
exists nowhere whole, not even on the client.

The worker's resident memory comes from ``/proc/<pid>/status``: idle is VmRSS after warm-up
requests, the peak is VmHWM (reset through ``clear_refs`` before the upload) and the highest
VmRSS sampled during it.
"""

from __future__ import annotations

import http.client
import json
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bench import transfer_limits
from bench.live_instance import LiveInstance, UploadBenchError
from bench.process_probe import IdleThenMemoryProbe, rss_kib, worker_memory_probe

KIB = 1024
MIB = 1024 * KIB
PIECE = 256 * KIB
_PATTERN_SIZE = 4 * MIB
_REPORT = {"category": "pungli", "what": "Benchmark: one large attachment."}


@dataclass(frozen=True)
class UploadResult:
    """What one upload and download measured (bytes, seconds, worker memory)."""

    size: int
    upload_seconds: float
    download_seconds: float
    cached_download_seconds: float
    multipart_seconds: float
    idle_rss: int
    peak_rss: int
    request_peak_rss: int
    method: str

    @property
    def above_idle(self) -> int:
        """Peak resident memory while the body was received, minus the idle worker's."""
        return self.peak_rss - self.idle_rss

    @property
    def request_above_idle(self) -> int:
        """The same for the whole request, its case-key check (Argon2id) included."""
        return self.request_peak_rss - self.idle_rss

    @property
    def multipart_mib_s(self) -> float:
        """Upload rate of the same file as multipart/form-data, MiB per second."""
        return self.size / MIB / self.multipart_seconds

    @property
    def upload_mib_s(self) -> float:
        """Upload rate, end to end, MiB per second."""
        return self.size / MIB / self.upload_seconds

    @property
    def download_mib_s(self) -> float:
        """Download rate of the blob read from disk, end to end, MiB per second."""
        return self.size / MIB / self.download_seconds

    @property
    def cached_download_mib_s(self) -> float:
        """Download rate of the blob held in the page cache, MiB per second."""
        return self.size / MIB / self.cached_download_seconds


class GeneratedFile:
    """``size`` bytes that differ from piece to piece, sent without ever existing whole.

    Pieces are windows into one random pattern at shifting offsets, so a download that
    repeated, dropped or reordered pieces would not match. The pattern starts with
    bytes no cleaner recognises: this is the path of a file stored as sent.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        pattern = bytearray(secrets.token_bytes(_PATTERN_SIZE + PIECE))
        pattern[:8] = b"SIPADU\x00\x01"
        self._pattern = bytes(pattern)

    def pieces(self) -> Iterator[memoryview]:
        """The file's bytes in order, ``PIECE`` at a time (views, no copies)."""
        view = memoryview(self._pattern)
        sent, index = 0, 0
        while sent < self.size:
            offset = 0 if index == 0 else (index * 40_961) % _PATTERN_SIZE
            length = min(PIECE, self.size - sent)
            yield view[offset : offset + length]
            sent += length
            index += 1


def _json_request(
    port: int, method: str, path: str, body: object | None, headers: dict[str, str]
) -> tuple[int, dict[str, object]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        data = None if body is None else json.dumps(body).encode()
        sent = dict(headers, **({"Content-Type": "application/json"} if data else {}))
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        text = response.read()
        return response.status, json.loads(text) if text else {}
    finally:
        conn.close()


def file_report(port: int) -> tuple[str, str]:
    """File a report through the API; returns (case code, case key)."""
    status, body = _json_request(port, "POST", "/api/v1/reports", _REPORT, {})
    if status != 201:
        raise UploadBenchError(f"report answered {status}: {body}")
    return str(body["case_code"]), str(body["case_key"])


def _multipart(size: int, boundary: str) -> tuple[bytes, bytes, int]:
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
        f'filename="bench.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head, tail, len(head) + size + len(tail)


def _send_upload(
    port: int,
    case_key: str,
    file: GeneratedFile,
    content_type: str,
    framing: tuple[bytes, bytes],
    extra: dict[str, str],
    before_body: Callable[[], None] | None,
) -> dict[str, object]:
    head, tail = framing
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.putrequest("POST", "/api/v1/case/attachments")
        conn.putheader("Authorization", f"CaseKey {case_key}")
        conn.putheader("Content-Type", content_type)
        conn.putheader("Content-Length", str(len(head) + file.size + len(tail)))
        for name, value in extra.items():
            conn.putheader(name, value)
        conn.endheaders()
        if before_body is not None:
            before_body()
        if head:
            conn.send(head)
        for piece in file.pieces():
            conn.sock.sendall(piece)
        if tail:
            conn.send(tail)
        response = conn.getresponse()
        answer = response.read()
        if response.status != 201:
            raise UploadBenchError(f"upload answered {response.status}: {answer[:300]!r}")
        parsed: dict[str, object] = json.loads(answer)
        return parsed
    finally:
        conn.close()


def upload_multipart(
    port: int, case_key: str, file: GeneratedFile, before_body: Callable[[], None] | None = None
) -> dict[str, object]:
    """Stream ``file`` to the reporter API as multipart/form-data; returns the answer."""
    boundary = secrets.token_hex(16)
    head, tail, _length = _multipart(file.size, boundary)
    return _send_upload(
        port,
        case_key,
        file,
        f"multipart/form-data; boundary={boundary}",
        (head, tail),
        {},
        before_body,
    )


def upload_body(
    port: int, case_key: str, file: GeneratedFile, before_body: Callable[[], None] | None = None
) -> dict[str, object]:
    """Stream ``file`` as the whole request body (``application/octet-stream``)."""
    return _send_upload(
        port,
        case_key,
        file,
        "application/octet-stream",
        (b"", b""),
        {"Content-Disposition": 'attachment; filename="bench.bin"'},
        before_body,
    )


def newest_attachment(port: int, case_key: str) -> str:
    """The id of the case's newest file, as the reporter API lists it."""
    status, body = _json_request(
        port, "GET", "/api/v1/case", None, {"Authorization": f"CaseKey {case_key}"}
    )
    attachments = body.get("attachments") if status == 200 else None
    if not isinstance(attachments, list) or not attachments:
        raise UploadBenchError(f"case answered {status} without attachments")
    return str(attachments[-1]["id"])


def download(port: int, token: str, code: str, attachment_id: str, file: GeneratedFile) -> int:
    """Read the file as the supervisor, piece by piece, each compared with what was sent;
    returns the bytes read. Comparing (memcmp) instead of hashing keeps the client's own
    cost out of the figure: SHA-256 alone would bound it near 1.7 GiB/s on a fast CPU."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    buffer = bytearray(PIECE)
    view = memoryview(buffer)
    try:
        conn.request(
            "GET",
            f"/api/v1/staff/cases/{code}/attachments/{attachment_id}",
            headers={"Authorization": f"Bearer {token}"},
        )
        response = conn.getresponse()
        if response.status != 200:
            raise UploadBenchError(f"download answered {response.status}")
        size = 0
        for expected in file.pieces():
            _read_full(response, view[: len(expected)])
            if (buffer if len(expected) == PIECE else view[: len(expected)]) != expected:
                raise UploadBenchError(f"download differs from upload after {size} bytes")
            size += len(expected)
        if response.read(1):
            raise UploadBenchError("download is longer than the upload")
        return size
    finally:
        conn.close()


def _read_full(response: http.client.HTTPResponse, target: memoryview) -> None:
    filled = 0
    while filled < len(target):
        count = response.readinto(target[filled:])
        if not count:
            raise UploadBenchError("download ended early")
        filled += count


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _measure(instance: LiveInstance, case_key: str, code: str, size: int) -> UploadResult:
    """The timed transfers, after warm-up; the download must equal what was sent."""
    pid, port = instance.worker_pid(), instance.port
    file = GeneratedFile(size)
    idle = rss_kib(pid)
    with worker_memory_probe(pid) as whole_request:
        probe = IdleThenMemoryProbe(pid)
        upload_seconds = _timed(lambda: upload_body(port, case_key, file, probe))
        probe.finish()
    attachment_id = newest_attachment(port, case_key)
    blobs = Path(instance.env["SIPADU_INSTANCE_DIR"]) / "blobs"
    downloads = []
    for cached in (False, True):
        transfer_limits.set_blobs_cached(blobs, cached)
        downloads.append(_timed(lambda: download(port, instance.token, code, attachment_id, file)))
    download_seconds, cached_download_seconds = downloads
    multipart_seconds = _timed(lambda: upload_multipart(port, case_key, file))
    return UploadResult(
        size,
        upload_seconds,
        download_seconds,
        cached_download_seconds,
        multipart_seconds,
        idle * KIB,
        probe.peak_kib * KIB,
        whole_request.peak_kib * KIB,
        instance.memory_method,
    )


def upload_download(size: int) -> UploadResult:
    """Upload and download ``size`` bytes through ``sipadu serve``; measure worker memory."""
    with (
        tempfile.TemporaryDirectory(prefix="sipadu-bench-upload-") as folder,
        LiveInstance(Path(folder), max_file_bytes=max(size, 2 * PIECE)) as instance,
    ):
        code, case_key = file_report(instance.port)
        # Warm-up: imports, both upload paths and a download touched once.
        warm = GeneratedFile(2 * PIECE)
        upload_body(instance.port, case_key, warm)
        upload_multipart(instance.port, case_key, warm)
        download(
            instance.port, instance.token, code, newest_attachment(instance.port, case_key), warm
        )
        time.sleep(0.3)
        return _measure(instance, case_key, code, size)


def main() -> None:
    """``python -m bench.upload_bench [MiB]``: one run, printed (for profiling by hand)."""
    size = int(sys.argv[1]) * MIB if len(sys.argv) > 1 else 128 * MIB
    result = upload_download(size)
    sys.stdout.write(
        f"upload {result.upload_mib_s:.1f} MiB/s (multipart {result.multipart_mib_s:.1f}), "
        f"download {result.download_mib_s:.1f} (cached {result.cached_download_mib_s:.1f}) "
        f"MiB/s, above idle {result.above_idle / MIB:.1f} MiB (whole request "
        f"{result.request_above_idle / MIB:.1f})\n"
    )


if __name__ == "__main__":
    main()
