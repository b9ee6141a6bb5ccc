"""Staff TOTP secrets sealed at rest.

Format: a version-1 envelope (``envelope.py``) of the base32 secret, kind ``totp-secret``,
bound to ``staff:<account id>``, under::

    key = HKDF-SHA256(server key, salt=none, info="sipadu-totp-secret-v1", length=32)

The server key is the instance's audit key (``keys/audit_hmac.key``): every app server of an
instance holds the same one, backups carry it and a restore puts it back, so a secret sealed
on one node opens on every other and after a restore, with no new key file to copy around.
HKDF with a label of its own keeps the sealing key apart from the audit HMAC (one-way: it
reveals nothing about the audit key). A database dump alone then holds no TOTP secret, and a
sealed secret copied to another account's row fails to open there.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sipadu.crypto import envelope
from sipadu.crypto.errors import DecryptionError

KIND_TOTP_SECRET = b"totp-secret"
_INFO = b"sipadu-totp-secret-v1"


def totp_sealing_key(server_key: bytes) -> bytes:
    """The AES-256 key that seals TOTP secrets, derived from the instance's server key."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(server_key)


def _context(account_id: int) -> str:
    return f"staff:{account_id}"


def seal_totp_secret(server_key: bytes, account_id: int, secret: str) -> bytes:
    """Seal ``secret`` for the account ``account_id``."""
    return envelope.seal(
        totp_sealing_key(server_key),
        secret.encode("ascii"),
        case_id=_context(account_id),
        kind=KIND_TOTP_SECRET,
    )


def open_totp_secret(server_key: bytes, account_id: int, sealed: bytes) -> str:
    """The secret sealed for ``account_id``; ``DecryptionError`` when it was altered, sealed
    for another account or under another key."""
    plain = envelope.open_sealed(
        totp_sealing_key(server_key),
        bytes(sealed),
        case_id=_context(account_id),
        kind=KIND_TOTP_SECRET,
    )
    try:
        return plain.decode("ascii")
    except UnicodeDecodeError:
        raise DecryptionError("malformed TOTP secret") from None
