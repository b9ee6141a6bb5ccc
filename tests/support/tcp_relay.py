"""A TCP relay on 127.0.0.1 that a test can cut, as an operator stops a proxy in front of a
service (Redis, say): every connection through it drops at once and new ones are refused."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class TcpRelay:
    """Forwards each connection accepted on ``port`` to ``target`` until :meth:`cut`."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._cut = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                return  # cut
            if self._cut:
                client.close()
                upstream.close()
                return
            upstream.settimeout(None)
            with self._lock:
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()

    def cut(self) -> None:
        """Stop listening and drop every relayed connection."""
        with self._lock:
            self._cut = True
        # close() alone leaves a thread blocked in accept() listening on Linux: shut it down.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)


@contextmanager
def tcp_relay(target: tuple[str, int]) -> Iterator[TcpRelay]:
    """A relay to ``target`` for the block, cut at its end if the test has not cut it."""
    relay = TcpRelay(target)
    try:
        yield relay
    finally:
        relay.cut()
