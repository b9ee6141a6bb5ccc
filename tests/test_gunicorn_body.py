"""Bodies read from gunicorn's socket directly, and the fallback to ``wsgi.input`` when
gunicorn's internals are not the ones this was verified against.

gunicorn's real request objects are built over a socket pair, as a sync worker builds them.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import gunicorn
import pytest
from gunicorn.http.body import Body, LengthReader
from gunicorn.http.unreader import SocketUnreader, Unreader

from sipadu import gunicorn_body
from sipadu.gunicorn_body import direct_body_pieces
from sipadu.uploads.body_source import body_pieces

DATA = bytes(range(256)) * 400  # 100 KiB


@pytest.fixture(autouse=True)
def _fresh_log_state(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(gunicorn_body, "_fallback_logged", False)
    # Another test may have raised the root level; these tests read the module's warnings.
    caplog.set_level(logging.WARNING, logger="sipadu.gunicorn_body")


@pytest.fixture
def sockets() -> Iterator[tuple[socket.socket, socket.socket]]:
    client, server = socket.socketpair()
    with client, server:
        yield client, server


def _environ(server: socket.socket, read_ahead: bytes, length: int) -> dict[str, Any]:
    """What a gunicorn sync worker passes for a Content-Length body it has partly read ahead."""
    unreader = SocketUnreader(server)
    unreader.unread(read_ahead)
    return {"wsgi.input": Body(LengthReader(unreader, length)), "gunicorn.socket": server}


def _send_rest(client: socket.socket, data: bytes) -> None:
    client.sendall(data)
    client.shutdown(socket.SHUT_WR)


def test_the_verified_release_is_the_one_installed() -> None:
    """A gunicorn upgrade fails here first: check the internals, then add the release."""
    assert tuple(gunicorn.version_info[:2]) in gunicorn_body.VERIFIED_RELEASES


def test_the_body_comes_from_the_socket_not_through_wsgi_input(
    sockets: tuple[socket.socket, socket.socket],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, server = sockets
    environ = _environ(server, DATA[:1000], len(DATA))
    monkeypatch.setattr(Body, "read", _must_not_be_called)
    _send_rest(client, DATA[1000:])
    pieces = list(body_pieces(environ, len(DATA), 16 * 1024))
    assert b"".join(pieces) == DATA and max(map(len, pieces)) <= 16 * 1024
    assert environ["wsgi.input"].reader.length == 0  # gunicorn's count stays right
    assert not caplog.records


def test_bytes_of_a_pipelined_request_go_back_to_gunicorn(
    sockets: tuple[socket.socket, socket.socket],
) -> None:
    _client, server = sockets
    environ = _environ(server, b"BODYGET /next HTTP/1.1\r\n", 4)
    assert list(body_pieces(environ, 4, 1024)) == [b"BODY"]
    reader = environ["wsgi.input"].reader
    assert reader.length == 0 and reader.unreader.take_buffered() == b"GET /next HTTP/1.1\r\n"


def test_a_body_already_partly_read_is_left_to_wsgi_input(
    sockets: tuple[socket.socket, socket.socket], caplog: pytest.LogCaptureFixture
) -> None:
    client, server = sockets
    environ = _environ(server, DATA[:1000], len(DATA))
    _send_rest(client, DATA[1000:])
    first = environ["wsgi.input"].read(10)
    assert direct_body_pieces(environ, len(DATA) - 10, 1024) is None
    rest = b"".join(body_pieces(environ, len(DATA) - 10, 1024))
    assert first + rest == DATA
    assert not caplog.records  # an ordinary case, nothing to report


def test_an_unverified_release_falls_back_and_says_so_once(
    sockets: tuple[socket.socket, socket.socket],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(gunicorn_body, "VERIFIED_RELEASES", frozenset({(1, 0)}))
    client, server = sockets
    _send_rest(client, DATA[1000:])
    for _ in range(2):
        environ = _environ(server, DATA[:1000], len(DATA))
        assert direct_body_pieces(environ, len(DATA), 1024) is None
    environ = _environ(server, DATA[:1000], len(DATA))
    assert b"".join(body_pieces(environ, len(DATA), 8192)) == DATA
    warnings = [r for r in caplog.records if r.name == "sipadu.gunicorn_body"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert gunicorn.__version__ in warnings[0].getMessage()


def test_changed_internals_fall_back_without_breaking_the_upload(
    sockets: tuple[socket.socket, socket.socket],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A gunicorn without take_buffered() (as before 27) reads through wsgi.input.
    monkeypatch.delattr(Unreader, "take_buffered")
    client, server = sockets
    environ = _environ(server, DATA[:1000], len(DATA))
    _send_rest(client, DATA[1000:])
    assert b"".join(body_pieces(environ, len(DATA), 8192)) == DATA
    assert [r.getMessage() for r in caplog.records if r.name == "sipadu.gunicorn_body"] == [
        "Request bodies are read through wsgi.input: "
        "gunicorn's SocketUnreader has no take_buffered() or unread()"
    ]


def test_another_server_reads_wsgi_input_without_a_word(caplog: pytest.LogCaptureFixture) -> None:
    assert direct_body_pieces({"wsgi.input": object()}, 10, 10) is None
    assert not caplog.records


def _must_not_be_called(*_args: object) -> bytes:
    raise AssertionError("the tuned path read through wsgi.input")
