"""Grants: a case DEK wrapped for one X25519 public key (staff or escrow).

Format (version 1)::

    version (1, 0x01) || ephemeral public key (32) || nonce (12)
                      || AES-GCM(DEK) (32 + 16)

Key schedule::

    shared = X25519(ephemeral private, recipient public)
    key    = HKDF-SHA256(shared, salt=none, length=32,
                         info = b"sipadu-grant-v1" || len(case_id) (2) || case_id
                                || ephemeral public || recipient public)
    ct     = AES-256-GCM(key, nonce, DEK, aad = version || ephemeral public || case_id)

Binding both public keys and the case id means a grant copied to another case,
or re-attributed to another recipient, does not open.
"""

from __future__ import annotations

import secrets
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sipadu.crypto.envelope import KEY_SIZE, NONCE_SIZE, TAG_SIZE, CaseId, context_bytes
from sipadu.crypto.errors import DecryptionError

VERSION = 1
PUBLIC_KEY_SIZE = 32
PRIVATE_KEY_SIZE = 32
GRANT_SIZE = 1 + PUBLIC_KEY_SIZE + NONCE_SIZE + KEY_SIZE + TAG_SIZE
_INFO_LABEL = b"sipadu-grant-v1"


def generate_keypair() -> tuple[bytes, bytes]:
    """Return a new X25519 key pair as raw ``(private, public)`` 32-byte strings."""
    private = X25519PrivateKey.generate()
    return private.private_bytes_raw(), private.public_key().public_bytes_raw()


def public_from_private(private_key: bytes) -> bytes:
    """Return the raw public key of a raw X25519 private key."""
    return _private(private_key).public_key().public_bytes_raw()


def _private(raw: bytes) -> X25519PrivateKey:
    if len(raw) != PRIVATE_KEY_SIZE:
        raise ValueError("private key must be 32 bytes")
    return X25519PrivateKey.from_private_bytes(bytes(raw))


def _public(raw: bytes) -> X25519PublicKey:
    if len(raw) != PUBLIC_KEY_SIZE:
        raise ValueError("public key must be 32 bytes")
    return X25519PublicKey.from_public_bytes(bytes(raw))


def _key(shared: bytes, case_id: CaseId, eph_pub: bytes, recipient_pub: bytes) -> bytes:
    cid = context_bytes(case_id)
    info = _INFO_LABEL + struct.pack(">H", len(cid)) + cid + eph_pub + recipient_pub
    return HKDF(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=None, info=info).derive(shared)


def _wrap_with(
    eph_private: bytes,
    nonce: bytes,
    dek: bytes,
    recipient_public: bytes,
    case_id: CaseId,
) -> bytes:
    """Wrap with a given ephemeral key and nonce; for known-answer tests."""
    if len(dek) != KEY_SIZE:
        raise ValueError("DEK must be 32 bytes")
    eph = _private(eph_private)
    eph_pub = eph.public_key().public_bytes_raw()
    shared = eph.exchange(_public(recipient_public))
    key = _key(shared, case_id, eph_pub, bytes(recipient_public))
    header = bytes((VERSION,)) + eph_pub
    ct = AESGCM(key).encrypt(nonce, bytes(dek), header + context_bytes(case_id))
    return header + nonce + ct


def wrap_for_recipient(dek: bytes, recipient_public: bytes, *, case_id: CaseId) -> bytes:
    """Wrap a 32-byte DEK for ``recipient_public`` (a staff or the escrow key)."""
    eph_private = X25519PrivateKey.generate().private_bytes_raw()
    return _wrap_with(eph_private, secrets.token_bytes(NONCE_SIZE), dek, recipient_public, case_id)


def unwrap_grant(grant: bytes, private_key: bytes, *, case_id: CaseId) -> bytes:
    """Recover the DEK from a grant; raises DecryptionError if it does not open."""
    recipient = _private(private_key)
    if len(grant) != GRANT_SIZE or grant[0] != VERSION:
        raise DecryptionError("malformed grant")
    eph_pub = bytes(grant[1 : 1 + PUBLIC_KEY_SIZE])
    nonce = bytes(grant[1 + PUBLIC_KEY_SIZE : 1 + PUBLIC_KEY_SIZE + NONCE_SIZE])
    try:
        # A low-order ephemeral point gives an all-zero secret; cryptography
        # refuses it with ValueError.
        shared = recipient.exchange(_public(eph_pub))
    except ValueError:
        raise DecryptionError("grant authentication failed") from None
    key = _key(shared, case_id, eph_pub, recipient.public_key().public_bytes_raw())
    aad = bytes(grant[: 1 + PUBLIC_KEY_SIZE]) + context_bytes(case_id)
    try:
        return AESGCM(key).decrypt(nonce, bytes(grant[1 + PUBLIC_KEY_SIZE + NONCE_SIZE :]), aad)
    except InvalidTag:
        raise DecryptionError("grant authentication failed") from None


def rewrap_grant(
    grant: bytes, private_key: bytes, recipient_public: bytes, *, case_id: CaseId
) -> bytes:
    """Open ``grant`` with ``private_key`` and wrap the DEK for another recipient
    (assignment by a supervisor, or recovery with the escrow private key)."""
    dek = unwrap_grant(grant, private_key, case_id=case_id)
    return wrap_for_recipient(dek, recipient_public, case_id=case_id)
