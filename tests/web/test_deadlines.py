"""Request-body deadlines share one thread per process instead of a timer thread each."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from sipadu.web.deadlines import DeadlineRunner, deadlines
from sipadu.web.slow_clients import BodyReadTimeout, body_overdue


@pytest.fixture
def connection() -> Iterator[tuple[socket.socket, socket.socket]]:
    """The server's end of a connection (as gunicorn hands it over) and the client's."""
    server, client = socket.socketpair()
    yield server, client
    server.close()
    client.close()


def _body_request(sock: socket.socket) -> dict[str, Any]:
    return {"gunicorn.socket": sock, "CONTENT_LENGTH": "10", "REQUEST_METHOD": "POST"}


def _answer(_environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [])
    return [b"ok"]


def test_many_bodies_start_no_thread_each(connection: tuple[socket.socket, socket.socket]) -> None:
    middleware = BodyReadTimeout(_answer, seconds=30, total_seconds=600)
    middleware(_body_request(connection[0]), lambda *_: None)  # the shared thread, if not yet
    before = threading.active_count()
    for _ in range(200):
        assert list(middleware(_body_request(connection[0]), lambda *_: None)) == [b"ok"]
    assert threading.active_count() == before
    assert deadlines.pending() == 0  # every deadline was dropped when its answer started


def test_an_overdue_body_is_cut_by_the_shared_thread(
    connection: tuple[socket.socket, socket.socket],
) -> None:
    server, client = connection
    client.sendall(b"abc")  # a trickle, then nothing more
    received: list[bytes] = []

    def read_body(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        while piece := server.recv(10):
            received.append(piece)
        start_response("408 Request Timeout", [])
        return [b"overdue" if body_overdue(environ) else b"ended"]

    middleware = BodyReadTimeout(read_body, seconds=30, total_seconds=1)
    started = time.monotonic()
    answer = list(middleware(_body_request(server), lambda *_: None))
    assert answer == [b"overdue"] and received == [b"abc"]
    assert time.monotonic() - started < 10


def test_deadlines_run_in_order_and_cancelled_ones_never() -> None:
    runner = DeadlineRunner()
    ran: list[str] = []
    done = threading.Event()

    def last() -> None:
        ran.append("late")
        done.set()

    runner.schedule(0.3, last)
    cancelled = runner.schedule(0.1, lambda: ran.append("cancelled"))
    runner.schedule(0.2, lambda: ran.append("early"))
    runner.cancel(cancelled)
    assert done.wait(10)
    assert ran == ["early", "late"]
    assert runner.pending() == 0
