"""SMTP delivery configured from the environment (see docs/deployment.md, "Notifications").

SIPADU_SMTP_HOST      server name; unset means "no SMTP: log a content-free line instead"
SIPADU_SMTP_PORT      default 587
SIPADU_SMTP_TLS       "starttls" (default), "tls" (implicit, port 465) or "none" (local relay)
SIPADU_SMTP_USER      optional login
SIPADU_SMTP_PASSWORD_FILE  a file holding the password (preferred: keep it mode 0600), or
SIPADU_SMTP_PASSWORD  the password itself (for container secrets passed as env)
SIPADU_SMTP_FROM      sender address, default "sipadu@localhost"
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

TLS_MODES = ("starttls", "tls", "none")


class SmtpConfigError(ValueError):
    """The SMTP environment is inconsistent; the message names the variable."""


@dataclass(frozen=True)
class SmtpTransport:
    """Sends one message per call over a fresh connection (digests are rare)."""

    host: str
    port: int = 587
    tls: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "sipadu@localhost"
    timeout: float = 30.0

    def _connect(self) -> smtplib.SMTP:
        if self.tls == "tls":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.tls == "starttls":
            client.starttls(context=ssl.create_default_context())
        return client

    def send(self, recipient: str, subject: str, body: str) -> None:
        """Deliver a plain-text message; ``smtplib`` errors are ``OSError`` subclasses."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, recipient, subject
        message.set_content(body)
        with self._connect() as client:
            if self.user:
                client.login(self.user, self.password or "")
            client.send_message(message)


def _password(env: Mapping[str, str]) -> str | None:
    path = env.get("SIPADU_SMTP_PASSWORD_FILE")
    if path:
        try:
            return Path(path).read_text("utf-8").strip()
        except OSError as error:
            raise SmtpConfigError(f"SIPADU_SMTP_PASSWORD_FILE cannot be read: {error}") from None
    return env.get("SIPADU_SMTP_PASSWORD") or None


def transport_from_env(env: Mapping[str, str]) -> SmtpTransport | None:
    """The configured transport, or ``None`` when ``SIPADU_SMTP_HOST`` is unset."""
    host = env.get("SIPADU_SMTP_HOST", "").strip()
    if not host:
        return None
    tls = env.get("SIPADU_SMTP_TLS", "starttls").strip().lower()
    if tls not in TLS_MODES:
        raise SmtpConfigError(f"SIPADU_SMTP_TLS must be one of {', '.join(TLS_MODES)}")
    try:
        port = int(env.get("SIPADU_SMTP_PORT", "465" if tls == "tls" else "587"))
    except ValueError:
        raise SmtpConfigError("SIPADU_SMTP_PORT must be a number") from None
    return SmtpTransport(
        host=host,
        port=port,
        tls=tls,
        user=env.get("SIPADU_SMTP_USER") or None,
        password=_password(env),
        sender=env.get("SIPADU_SMTP_FROM") or "sipadu@localhost",
    )
