"""AES-256-GCM envelopes bound to a case and a record kind.

Format (version 1)::

    version (1 byte, 0x01) || nonce (12 bytes) || ciphertext || tag (16 bytes)

Associated data (not stored, rebuilt by the reader)::

    b"sipadu-envelope" || version || len(kind) (1 byte) || kind
                       || len(case_id) (2 bytes, big-endian) || case_id (UTF-8)

A ciphertext copied to another case, or to a field of another kind, fails
authentication because the reader rebuilds different associated data.

Format (version 2), for case content that lives in rows of its own (messages, notes,
timeline texts, attachment keys and metadata, the report and identity)::

    version (1 byte, 0x02) || nonce (12 bytes) || ciphertext || tag (16 bytes)

    aad = b"sipadu-envelope" || 0x02 || len(kind) (1) || kind
          || len(case_id) (2) || case_id || len(record_id) (1) || record_id
          || len(author) (1) || author || len(detail) (2) || detail

A :class:`Binding` names the row (its random ``record_id``), who wrote it (``reporter``,
``staff:<id>``, ``system``) and row metadata the pages show beside it (``detail``), so a
ciphertext moved to another row, or a row re-attributed, fails to open. Version 1 has no
binding; the reader asks for one version explicitly, so a v1 ciphertext never opens where
v2 is expected (``docs/crypto.md``).
"""

from __future__ import annotations

import re
import secrets
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sipadu.crypto.errors import DecryptionError

VERSION = 1
VERSION_BOUND = 2
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

RECORD_ID_SIZE = 16
_AUTHOR_RE = re.compile(r"reporter|system|staff(:[0-9]{1,18})?")


@dataclass(frozen=True)
class Binding:
    """What a v2 envelope is bound to beyond its case and kind: its row and its author."""

    record_id: bytes
    author: str
    detail: str = ""

    def aad_bytes(self) -> bytes:
        """The binding's part of the associated data (length-prefixed fields)."""
        if not isinstance(self.record_id, bytes) or len(self.record_id) > 0xFF:
            raise ValueError("record id must be at most 255 bytes")
        if not _AUTHOR_RE.fullmatch(self.author):
            raise ValueError("author must be reporter, system, staff or staff:<id>")
        author = self.author.encode("ascii")
        detail = self.detail.encode("utf-8")
        if len(detail) > 0xFFFF:
            raise ValueError("binding detail too long")
        return b"".join(
            (
                bytes((len(self.record_id),)),
                self.record_id,
                bytes((len(author),)),
                author,
                struct.pack(">H", len(detail)),
                detail,
            )
        )


def new_record_id() -> bytes:
    """A fresh random row identity for a v2 binding (drawn before the row is sealed)."""
    return secrets.token_bytes(RECORD_ID_SIZE)


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


def _aad(case_id: CaseId, kind: bytes, binding: Binding | None = None) -> bytes:
    if not isinstance(kind, bytes) or not _KIND_RE.fullmatch(kind):
        raise ValueError("record kind must match [a-z0-9-], 1-63 bytes")
    cid = context_bytes(case_id)
    version = VERSION if binding is None else VERSION_BOUND
    return b"".join(
        (
            _AAD_LABEL,
            bytes((version, len(kind))),
            kind,
            struct.pack(">H", len(cid)),
            cid,
            b"" if binding is None else binding.aad_bytes(),
        )
    )


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) != KEY_SIZE:
        raise ValueError("key must be 32 bytes")


def _seal_with_nonce(
    key: bytes,
    nonce: bytes,
    plaintext: bytes,
    case_id: CaseId,
    kind: bytes,
    binding: Binding | None = None,
) -> bytes:
    """Seal with a given nonce; only for known-answer tests and :func:`seal`."""
    _check_key(key)
    if len(nonce) != NONCE_SIZE:
        raise ValueError("nonce must be 12 bytes")
    ct = AESGCM(key).encrypt(nonce, bytes(plaintext), _aad(case_id, kind, binding))
    version = VERSION if binding is None else VERSION_BOUND
    return bytes((version,)) + nonce + ct


def seal(
    key: bytes, plaintext: bytes, *, case_id: CaseId, kind: bytes, binding: Binding | None = None
) -> bytes:
    """Encrypt ``plaintext`` under ``key``, bound to ``case_id`` and ``kind``; with a
    ``binding`` also to its row and author (version 2), else version 1."""
    # Random 96-bit nonces: fine for far fewer than 2**32 messages per key,
    # which a single case never approaches.
    return _seal_with_nonce(key, secrets.token_bytes(NONCE_SIZE), plaintext, case_id, kind, binding)


def envelope_version(data: bytes) -> int | None:
    """The version byte of a stored envelope (None when empty)."""
    return data[0] if data else None


def open_sealed(
    key: bytes, data: bytes, *, case_id: CaseId, kind: bytes, binding: Binding | None = None
) -> bytes:
    """Decrypt an envelope; raises DecryptionError on any mismatch or tampering.

    Without ``binding`` only version 1 opens, with it only version 2: the caller decides
    which version a record must have, never the stored version byte (no downgrade)."""
    _check_key(key)
    aad = _aad(case_id, kind, binding)
    version = VERSION if binding is None else VERSION_BOUND
    if len(data) < OVERHEAD or data[0] != version:
        raise DecryptionError("malformed envelope")
    nonce = bytes(data[1 : 1 + NONCE_SIZE])
    try:
        return AESGCM(key).decrypt(nonce, bytes(data[1 + NONCE_SIZE :]), aad)
    except InvalidTag:
        raise DecryptionError("envelope authentication failed") from None
