"""AES-256-GCM envelopes bound to a case and a record kind.

Format (version 1)::

    version (1 byte, 0x01) || nonce (12 bytes) || ciphertext || tag (16 bytes)

Associated data (not stored, rebuilt by the reader)::

    b"sipadu-envelope" || version || len(kind) (1 byte) || kind
                       || len(case_id) (2 bytes, big-endian) || case_id (UTF-8)

A ciphertext copied to another case, or to a field of another kind, fails
authentication because the reader rebuilds different associated data.
"""

from __future__ import annotations

import re
import secrets
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sipadu.crypto.errors import DecryptionError

VERSION = 1
KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16
OVERHEAD = 1 + NONCE_SIZE + TAG_SIZE

KIND_REPORT = b"report"
KIND_MESSAGE = b"message"
KIND_NOTE = b"note"
KIND_IDENTITY = b"identity"
KIND_FILE_KEY = b"file-key"
KIND_SESSION = b"session"
KIND_REPORTER_DEK = b"reporter-dek"
KIND_STAFF_PRIVATE_KEY = b"staff-private-key"
KIND_ESCROW_PRIVATE_KEY = b"escrow-private-key"

_KIND_RE = re.compile(rb"[a-z0-9][a-z0-9-]{0,62}")
_AAD_LABEL = b"sipadu-envelope"

CaseId = str | int


def new_data_key() -> bytes:
    """Return a fresh random 256-bit key (a case DEK, file key or session secret)."""
    return secrets.token_bytes(KEY_SIZE)


def context_bytes(case_id: CaseId) -> bytes:
    """Canonical bytes of a case id (ints render as decimal, so 7 == "7")."""
    if isinstance(case_id, bool):
        raise TypeError("case_id must be str or int")
    if isinstance(case_id, int):
        case_id = str(case_id)
    if not isinstance(case_id, str):
        raise TypeError("case_id must be str or int")
    raw = case_id.encode("utf-8")
    if len(raw) > 0xFFFF:
        raise ValueError("case_id too long")
    return raw


def _aad(case_id: CaseId, kind: bytes) -> bytes:
    if not isinstance(kind, bytes) or not _KIND_RE.fullmatch(kind):
        raise ValueError("record kind must match [a-z0-9-], 1-63 bytes")
    cid = context_bytes(case_id)
    return b"".join(
        (
            _AAD_LABEL,
            bytes((VERSION, len(kind))),
            kind,
            struct.pack(">H", len(cid)),
            cid,
        )
    )


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) != KEY_SIZE:
        raise ValueError("key must be 32 bytes")


def _seal_with_nonce(
    key: bytes, nonce: bytes, plaintext: bytes, case_id: CaseId, kind: bytes
) -> bytes:
    """Seal with a given nonce; only for known-answer tests and :func:`seal`."""
    _check_key(key)
    if len(nonce) != NONCE_SIZE:
        raise ValueError("nonce must be 12 bytes")
    ct = AESGCM(key).encrypt(nonce, bytes(plaintext), _aad(case_id, kind))
    return bytes((VERSION,)) + nonce + ct


def seal(key: bytes, plaintext: bytes, *, case_id: CaseId, kind: bytes) -> bytes:
    """Encrypt ``plaintext`` under ``key``, bound to ``case_id`` and ``kind``."""
    # Random 96-bit nonces: fine for far fewer than 2**32 messages per key,
    # which a single case never approaches.
    return _seal_with_nonce(
        key, secrets.token_bytes(NONCE_SIZE), plaintext, case_id, kind
    )


def open_sealed(key: bytes, data: bytes, *, case_id: CaseId, kind: bytes) -> bytes:
    """Decrypt an envelope; raises DecryptionError on any mismatch or tampering."""
    _check_key(key)
    aad = _aad(case_id, kind)
    if len(data) < OVERHEAD or data[0] != VERSION:
        raise DecryptionError("malformed envelope")
    nonce = bytes(data[1 : 1 + NONCE_SIZE])
    try:
        return AESGCM(key).decrypt(nonce, bytes(data[1 + NONCE_SIZE :]), aad)
    except InvalidTag:
        raise DecryptionError("envelope authentication failed") from None
