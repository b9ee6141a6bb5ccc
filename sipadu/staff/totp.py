"""Mandatory TOTP for staff (RFC 6238: SHA-1, 6 digits, 30-second steps).

These parameters are what every authenticator app supports. A code is accepted in the step
before, at, or after the server's clock (±30 s of drift) and only once: the caller stores the
returned step and passes it back as ``last_used_step``, so a code seen over a shoulder or by a
phishing proxy cannot be used a second time.
"""

from __future__ import annotations

import hmac
import re
import time

import pyotp
import segno
from flask_babel import lazy_gettext

DIGITS = 6
STEP_SECONDS = 30
WINDOW_STEPS = 1
ISSUER = "SIPADU Inspektorat"
_CODE = re.compile(r"[0-9]{6}", re.ASCII)
# 32 base32 characters = 160 bits, the key size RFC 4226 recommends for HMAC-SHA-1.
_SECRET_CHARS = 32
_SECRET = re.compile(r"[A-Z2-7]{16,128}", re.ASCII)
QR_TITLE = lazy_gettext("QR code to add SIPADU to your authenticator app")


class TotpError(ValueError):
    """A TOTP code was not accepted."""


class InvalidTotpError(TotpError):
    """The code is malformed or does not match the secret in the accepted window."""


class TotpReplayError(TotpError):
    """The code is correct but its time step was already used (or an earlier one was)."""


class InvalidTotpSecretError(ValueError):
    """The stored secret is not base32 of a usable length (a programming or data error)."""


def new_totp_secret() -> str:
    """A fresh random secret, base32 without padding, to store (encrypted) on the account."""
    return pyotp.random_base32(length=_SECRET_CHARS)


def _totp(secret: str) -> pyotp.TOTP:
    if not isinstance(secret, str) or not _SECRET.fullmatch(secret):
        raise InvalidTotpSecretError("TOTP secret must be 16-128 upper-case base32 characters")
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)


def provisioning_uri(secret: str, username: str, issuer: str = ISSUER) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return _totp(secret).provisioning_uri(name=username, issuer_name=issuer)


def qr_svg(uri: str, title: str | None = None) -> str:
    """Inline SVG markup of ``uri`` as a QR code, safe under SIPADU's CSP.

    No XML declaration, no script, no ``style`` attribute or element (CSP ``style-src 'self'``
    would block those): only presentation attributes, which CSP does not govern. A white
    background keeps it scannable in dark themes; ``<title>`` names it for screen readers.
    """
    code = segno.make(uri, error="m")
    markup: str = code.svg_inline(
        scale=5,
        border=4,
        dark="#000",
        light="#fff",
        title=str(title or QR_TITLE),
        svgclass="totp-qr",
        lineclass=None,
    )
    # role="img" makes assistive technology announce the title instead of the path data.
    return markup.replace("<svg ", '<svg role="img" ', 1)


def normalise_code(code: str) -> str:
    """The six digits of ``code`` with spaces removed, or ``InvalidTotpError``."""
    if not isinstance(code, str) or len(code) > 32:
        raise InvalidTotpError("malformed code")
    compact = "".join(code.split())
    if not _CODE.fullmatch(compact):
        raise InvalidTotpError("malformed code")
    return compact


def current_step(now: float | None = None) -> int:
    """The TOTP time step number at ``now`` (Unix seconds; default the current time)."""
    return int((time.time() if now is None else now) // STEP_SECONDS)


def verify_totp(
    secret: str,
    code: str,
    last_used_step: int | None,
    now: float | None = None,
) -> int:
    """Check ``code`` and return the time step it matched; store that step on the account.

    Raises ``InvalidTotpError`` for a malformed or wrong code and ``TotpReplayError`` when the
    code matches only a step at or before ``last_used_step``.
    """
    totp = _totp(secret)
    digits = normalise_code(code)
    centre = current_step(now)
    matched: list[int] = []
    # Every candidate is compared (no early exit) in constant time, so timing tells an
    # attacker neither how many digits were right nor which step matched.
    for step in range(centre - WINDOW_STEPS, centre + WINDOW_STEPS + 1):
        expected = totp.generate_otp(step)
        if hmac.compare_digest(expected.encode("ascii"), digits.encode("ascii")):
            matched.append(step)
    if not matched:
        raise InvalidTotpError("wrong code")
    fresh = [step for step in matched if last_used_step is None or step > last_used_step]
    if not fresh:
        raise TotpReplayError("code already used")
    return max(fresh)
