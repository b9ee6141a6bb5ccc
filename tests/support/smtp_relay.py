"""An SMTP relay on 127.0.0.1 that holds each mail until the test releases it, for tests
that need a sender to be slow at a known moment (digest locks, one sender at a time)."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _StallingRelay(socketserver.StreamRequestHandler):
    """SMTP that announces each message (``arrived``) and accepts it once released."""

    def handle(self) -> None:
        server: StallingServer = self.server  # type: ignore[assignment]
        self.wfile.write(b"220 relay\r\n")
        in_data = False
        for line in self.rfile:
            if in_data:
                if line == b".\r\n":
                    in_data = False
                    server.arrived.release()
                    server.releases.acquire(timeout=10)
                    server.delivered += 1
                    self.wfile.write(b"250 ok\r\n")
                continue
            verb = line[:4].upper()
            if verb == b"DATA":
                in_data = True
                self.wfile.write(b"354 go\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


class StallingServer(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _StallingRelay)
        self.arrived = threading.Semaphore(0)
        self.releases = threading.Semaphore(0)
        self.delivered = 0


@contextmanager
def running_relay() -> Iterator[StallingServer]:
    """A started relay, shut down (after releasing what it holds) on exit."""
    server = StallingServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.releases.release(10)
    server.shutdown()
    server.server_close()
