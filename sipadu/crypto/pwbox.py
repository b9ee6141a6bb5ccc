"""Secrets wrapped under a key derived from a password (Argon2id KEK).

Format (version 1)::

    version (1 byte, 0x01) || Argon2 params (9 bytes: t u32, m u32, p u8)
                           || salt (16 bytes) || envelope (see envelope.py)

The parameters and salt travel with the ciphertext so a later change of the
configured parameters never makes an existing box unreadable; callers ask
:func:`needs_rewrap` and re-wrap when the password is at hand.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass, field

from sipadu.crypto import envelope
from sipadu.crypto.envelope import CaseId
from sipadu.crypto.errors import DecryptionError, InvalidParametersError
from sipadu.crypto.params import ENCODED_SIZE, SALT_SIZE, Argon2Params, argon2id

VERSION = 1
_HEADER_SIZE = 1 + ENCODED_SIZE + SALT_SIZE


def normalize_password(password: str) -> bytes:
    """UTF-8 bytes of the NFC form, so the same password typed on another
    keyboard or OS (composed vs decomposed accents) derives the same key."""
    if not isinstance(password, str):
        raise TypeError("password must be str")
    return unicodedata.normalize("NFC", password).encode("utf-8")


@dataclass(frozen=True)
class PreparedKek:
    """A KEK derived from a password with a fresh salt, ready to seal one secret.

    Deriving is the slow (Argon2id) part and needs neither the secret nor its context, so
    callers derive before they open a database transaction and seal inside it.
    """

    header: bytes
    kek: bytes = field(repr=False)


def prepare_kek(password: str, params: Argon2Params) -> PreparedKek:
    """Derive a KEK from ``password`` with a fresh salt (one Argon2id derivation)."""
    salt = secrets.token_bytes(SALT_SIZE)
    kek = argon2id(normalize_password(password), salt, params, envelope.KEY_SIZE)
    return PreparedKek(bytes((VERSION,)) + params.encode() + salt, kek)


def seal_prepared(prepared: PreparedKek, secret: bytes, *, context: CaseId, kind: bytes) -> bytes:
    """The box of ``secret`` under a prepared KEK (no Argon2 work)."""
    return prepared.header + envelope.seal(prepared.kek, secret, case_id=context, kind=kind)


def wrap(
    secret: bytes, password: str, params: Argon2Params, *, context: CaseId, kind: bytes
) -> bytes:
    """Encrypt ``secret`` under Argon2id(password, fresh salt) with ``params``."""
    return seal_prepared(prepare_kek(password, params), secret, context=context, kind=kind)


def read_params(box: bytes) -> Argon2Params:
    """Return the Argon2 parameters a box was made with (DecryptionError if bad)."""
    if len(box) < _HEADER_SIZE + envelope.OVERHEAD or box[0] != VERSION:
        raise DecryptionError("malformed password box")
    try:
        return Argon2Params.decode(bytes(box[1 : 1 + ENCODED_SIZE]))
    except InvalidParametersError:
        raise DecryptionError("malformed password box") from None


def unwrap(box: bytes, password: str, *, context: CaseId, kind: bytes) -> bytes:
    """Decrypt a box; raises DecryptionError for a wrong password or tampering."""
    params = read_params(box)
    salt = bytes(box[1 + ENCODED_SIZE : _HEADER_SIZE])
    kek = argon2id(normalize_password(password), salt, params, envelope.KEY_SIZE)
    return envelope.open_sealed(kek, bytes(box[_HEADER_SIZE:]), case_id=context, kind=kind)


def needs_rewrap(box: bytes, params: Argon2Params) -> bool:
    """True if the box was made with parameters other than ``params``."""
    return read_params(box) != params
