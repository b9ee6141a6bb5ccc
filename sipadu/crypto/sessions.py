"""Server-side session secrets.

A session token is 32 random bytes, sent to the client (cookie or bearer) as
unpadded base64url with a ``v1.`` prefix. Two independent HKDF derivations of
the token give:

* ``id_hash`` (hex) - the session row's primary key; the database never sees
  the token itself;
* ``secret`` - the AES key sealing the session payload (a staff private key or
  a reporter's case DEK) stored in the row, bound to ``id_hash``.

The row (id_hash + sealed payload) cannot produce the secret (HKDF is one-way),
and the token alone has no ciphertext to open: both are needed.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sipadu.crypto import envelope
from sipadu.crypto.envelope import KIND_SESSION
from sipadu.crypto.errors import InvalidSessionTokenError

TOKEN_PREFIX = "v1."  # noqa: S105 - a format tag, not a secret
_TOKEN_BYTES = 32
_TOKEN_CHARS = 43  # base64url of 32 bytes without padding


@dataclass(frozen=True)
class SessionToken:
    """A session's token (client side), row id hash and payload secret."""

    token: str = field(repr=False)
    id_hash: str
    secret: bytes = field(repr=False)


def _derive(raw: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(raw)


def _from_raw(raw: bytes) -> SessionToken:
    token = TOKEN_PREFIX + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    return SessionToken(
        token=token,
        id_hash=_derive(raw, b"sipadu-session-v1 id").hex(),
        secret=_derive(raw, b"sipadu-session-v1 payload key"),
    )


def new_session_token() -> SessionToken:
    """Create a new session: give ``token`` to the client, store ``id_hash``."""
    return _from_raw(secrets.token_bytes(_TOKEN_BYTES))


def session_from_token(token: str) -> SessionToken:
    """Re-derive ``id_hash`` and ``secret`` from a presented token.

    Raises InvalidSessionTokenError if the token is malformed.
    """
    if (
        not isinstance(token, str)
        or not token.startswith(TOKEN_PREFIX)
        or len(token) != len(TOKEN_PREFIX) + _TOKEN_CHARS
    ):
        raise InvalidSessionTokenError("malformed session token")
    body = token[len(TOKEN_PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=")
    except (binascii.Error, ValueError):
        raise InvalidSessionTokenError("malformed session token") from None
    if len(raw) != _TOKEN_BYTES or _from_raw(raw).token != token:
        # The round trip rejects non-canonical encodings (stray bits in the
        # last character) so one session has exactly one token string.
        raise InvalidSessionTokenError("malformed session token")
    return _from_raw(raw)


def seal_session_payload(session: SessionToken, payload: bytes) -> bytes:
    """Encrypt a private key or DEK for the session row."""
    return envelope.seal(session.secret, payload, case_id=session.id_hash, kind=KIND_SESSION)


def open_session_payload(session: SessionToken, sealed: bytes) -> bytes:
    """Decrypt the session row's payload; raises DecryptionError."""
    return envelope.open_sealed(session.secret, sealed, case_id=session.id_hash, kind=KIND_SESSION)


# A one-time value shown once to the session's holder after a redirect (the setup link an
# admin just created): sealed under the session's secret, it may wait in a cookie.
KIND_SHOW_ONCE = b"show-once"


def seal_for_session(session: SessionToken, value: bytes) -> bytes:
    """Encrypt ``value`` so that only a request carrying this session's token opens it."""
    return envelope.seal(session.secret, value, case_id=session.id_hash, kind=KIND_SHOW_ONCE)


def open_for_session(session: SessionToken, sealed: bytes) -> bytes:
    """Decrypt what ``seal_for_session`` sealed for this session; raises DecryptionError."""
    return envelope.open_sealed(
        session.secret, sealed, case_id=session.id_hash, kind=KIND_SHOW_ONCE
    )


# A refused staff form, held server-side between its refusal and the page that shows it again:
# the row keeps ciphertext only, which the session's token alone opens.
KIND_HELD_FORM = b"held-form"


def seal_held_form(session: SessionToken, value: bytes) -> bytes:
    """Encrypt a held form's values for the session row."""
    return envelope.seal(session.secret, value, case_id=session.id_hash, kind=KIND_HELD_FORM)


def open_held_form(session: SessionToken, sealed: bytes) -> bytes:
    """Decrypt what ``seal_held_form`` sealed; raises DecryptionError."""
    return envelope.open_sealed(
        session.secret, sealed, case_id=session.id_hash, kind=KIND_HELD_FORM
    )
