"""Notifications: queued per recipient, at most one digest per 15 minutes, no content."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.audit.models import AuditEvent
from sipadu.notify.models import PendingNotification
from sipadu.notify.service import notify_new_case, notify_reporter_reply, send_digests
from sipadu.notify.smtp import SmtpConfigError, SmtpTransport, smtp_transport
from sipadu.settings import SettingsError, smtp_from_env
from tests.support.audit import seal_all
from tests.support.factories import DEFAULT_REPORT, make_case
from tests.support.staff import enrolled


class FakeTransport:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send(self, recipient: str, subject: str, body: str) -> None:
        self.sent.append((recipient, subject, body))


def _key(app: Flask) -> bytes:
    keyring = current_settings(app).keyring
    assert keyring is not None
    return keyring.audit_hmac_key


def test_digests_are_batched_and_content_free(app: Flask, db: Session) -> None:
    supervisor = enrolled(app, db, "supervisor", email="verif@example.org")
    enrolled(app, db, "admin", email="admin@example.org")
    created = make_case(app, db)
    assert notify_new_case(db, created.case) == 1
    assert notify_reporter_reply(db, created.case) == 1
    db.commit()
    transport = FakeTransport()
    start = datetime.now(UTC) + timedelta(days=1)  # reporter kinds wait for their day's end
    report = send_digests(db, transport, audit_key=_key(app), now=start)
    assert report.sent == 1 and len(transport.sent) == 1
    recipient, subject, body = transport.sent[0]
    assert recipient == "verif@example.org"
    assert "ada laporan baru" in body.lower() and "ada balasan pelapor" in body.lower()
    assert created.case.code not in body + subject
    for value in DEFAULT_REPORT.values():
        assert str(value) not in body
    notify_reporter_reply(db, created.case)
    assert (
        send_digests(db, transport, audit_key=_key(app), now=start + timedelta(minutes=5)).deferred
        == 1
    )
    assert len(transport.sent) == 1
    send_digests(db, transport, audit_key=_key(app), now=start + timedelta(minutes=16))
    assert len(transport.sent) == 2
    assert db.scalars(select(PendingNotification)).first() is None
    seal_all(app, db)  # the digest's time would date the reporter action: day queue
    tags = [event.tag for event in db.scalars(select(AuditEvent))]
    assert tags.count("notification:sent") == 2
    assert supervisor.account_id


def test_without_smtp_a_content_free_line_is_logged(
    app: Flask, db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    enrolled(app, db, "supervisor", email="verif@example.org")
    created = make_case(app, db)
    notify_new_case(db, created.case)
    with caplog.at_level("INFO", logger="sipadu.notify"):
        report = send_digests(
            db, None, audit_key=_key(app), now=datetime.now(UTC) + timedelta(days=1)
        )
    assert report.logged == 1
    assert "new_case=1" in caplog.text
    assert "verif@example.org" not in caplog.text and created.case.code not in caplog.text


def test_smtp_environment_is_checked() -> None:
    assert smtp_transport(smtp_from_env({})) is None
    with pytest.raises(SettingsError, match="SIPADU_SMTP_TLS"):
        smtp_from_env({"SIPADU_SMTP_HOST": "mail", "SIPADU_SMTP_TLS": "maybe"})
    with pytest.raises(SettingsError, match="SIPADU_SMTP_PORT"):
        smtp_from_env({"SIPADU_SMTP_HOST": "mail", "SIPADU_SMTP_PORT": "smtp"})
    # The password file is read by the sending command, not at startup.
    unreadable = smtp_from_env({"SIPADU_SMTP_HOST": "mail", "SIPADU_SMTP_PASSWORD_FILE": "/nope"})
    with pytest.raises(SmtpConfigError, match="SIPADU_SMTP_PASSWORD_FILE"):
        smtp_transport(unreadable)
    configured = smtp_transport(
        smtp_from_env({"SIPADU_SMTP_HOST": "mail", "SIPADU_SMTP_PASSWORD": "x"})
    )
    assert configured is not None and configured.port == 587 and "x" not in repr(configured)
    implicit = smtp_from_env({"SIPADU_SMTP_HOST": "mail", "SIPADU_SMTP_TLS": "TLS"})
    assert implicit is not None and (implicit.tls, implicit.port) == ("tls", 465)


class _SmtpSink(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept messages (no auth, no TLS) into ``server.messages``."""

    def handle(self) -> None:
        self.wfile.write(b"220 sink\r\n")
        data: list[bytes] = []
        in_data = False
        for line in self.rfile:
            if in_data:
                if line == b".\r\n":
                    in_data = False
                    self.server.messages.append(b"".join(data).decode())  # type: ignore[attr-defined]
                    self.wfile.write(b"250 ok\r\n")
                else:
                    data.append(line)
                continue
            verb = line[:4].upper()
            if verb == b"DATA":
                in_data, data = True, []
                self.wfile.write(b"354 go\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_sink() -> Iterator[socketserver.ThreadingTCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpSink)
    server.messages = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_smtp_transport_delivers_to_a_local_sink(
    smtp_sink: socketserver.ThreadingTCPServer,
) -> None:
    port = smtp_sink.server_address[1]
    SmtpTransport(host="127.0.0.1", port=port, tls="none", sender="sipadu@test").send(
        "verif@example.org", "SIPADU: ada pembaruan", "Ada laporan baru: 1."
    )
    messages = smtp_sink.messages  # type: ignore[attr-defined]
    assert len(messages) == 1 and "Ada laporan baru: 1." in messages[0]
