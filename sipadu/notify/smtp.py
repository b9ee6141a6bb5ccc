"""SMTP delivery, configured by ``Settings.smtp`` (the ``SIPADU_SMTP_*`` variables, see
the README's configuration table and docs/deployment.md, "Notifications").
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage

from sipadu.settings import DEFAULT_SMTP_SENDER, SmtpSettings


class SmtpConfigError(ValueError):
    """The SMTP password file cannot be read; the message names the variable."""


@dataclass(frozen=True)
class SmtpTransport:
    """Sends one message per call over a fresh connection (digests are rare)."""

    host: str
    port: int = 587
    tls: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = DEFAULT_SMTP_SENDER
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


def _password(smtp: SmtpSettings) -> str | None:
    if smtp.password_file is not None:
        try:
            return smtp.password_file.read_text("utf-8").strip()
        except OSError as error:
            raise SmtpConfigError(f"SIPADU_SMTP_PASSWORD_FILE cannot be read: {error}") from None
    return smtp.password


def smtp_transport(smtp: SmtpSettings | None) -> SmtpTransport | None:
    """The transport for these settings (the password file read now), or ``None`` without
    SMTP."""
    if smtp is None:
        return None
    return SmtpTransport(
        host=smtp.host,
        port=smtp.port,
        tls=smtp.tls,
        user=smtp.user,
        password=_password(smtp),
        sender=smtp.sender,
    )
