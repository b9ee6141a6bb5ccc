"""Escrow key pair: public half on the server, private half offline.

``escrow.pub`` (text)::

    SIPADU ESCROW PUBLIC KEY v1
    <base64 of the 32-byte X25519 public key>

Offline private key file (text)::

    SIPADU ESCROW PRIVATE KEY v1
    <base64 of a password box (pwbox.py), kind b"escrow-private-key",
     Argon2id at ESCROW_ARGON2 or stronger, salt and params inside>

The private file is written once by ``sipadu escrow init`` and must then leave
the server; the server only ever needs the public half to wrap grants.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from sipadu.crypto import grants, pwbox
from sipadu.crypto.envelope import KIND_ESCROW_PRIVATE_KEY
from sipadu.crypto.errors import (
    DecryptionError,
    EscrowFileError,
    WeakPassphraseError,
    WrongPassphraseError,
)
from sipadu.crypto.params import ESCROW_ARGON2, Argon2Params

PUBLIC_HEADER = "SIPADU ESCROW PUBLIC KEY v1"
PRIVATE_HEADER = "SIPADU ESCROW PRIVATE KEY v1"
MIN_PASSPHRASE_LENGTH = 16
_CONTEXT = "escrow"


def generate_escrow_keypair() -> tuple[bytes, bytes]:
    """Return a new escrow key pair as raw ``(private, public)`` bytes."""
    return grants.generate_keypair()


def _armor(header: str, payload: bytes) -> str:
    return f"{header}\n{base64.b64encode(payload).decode('ascii')}\n"


def _dearmor(text: str, header: str) -> bytes:
    lines = [line.strip() for line in text.strip().splitlines()]
    if len(lines) != 2 or lines[0] != header:
        raise EscrowFileError("not a SIPADU escrow key file of a known version")
    try:
        return base64.b64decode(lines[1], validate=True)
    except (binascii.Error, ValueError):
        raise EscrowFileError("escrow key file is not valid base64") from None


def encode_escrow_public(public_key: bytes) -> str:
    """Render the escrow public key as the text stored in ``keys/escrow.pub``."""
    if len(public_key) != grants.PUBLIC_KEY_SIZE:
        raise ValueError("public key must be 32 bytes")
    return _armor(PUBLIC_HEADER, public_key)


def decode_escrow_public(text: str) -> bytes:
    """Parse ``escrow.pub`` text; raises EscrowFileError."""
    raw = _dearmor(text, PUBLIC_HEADER)
    if len(raw) != grants.PUBLIC_KEY_SIZE:
        raise EscrowFileError("escrow public key has the wrong length")
    return raw


def _write_new(path: Path, text: str, mode: int) -> None:
    # O_EXCL: never overwrite an existing escrow key - that would orphan
    # every grant made for it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def write_escrow_public(path: str | os.PathLike[str], public_key: bytes) -> None:
    """Create ``path`` with the public key; refuses to overwrite."""
    _write_new(Path(path), encode_escrow_public(public_key), 0o644)


def read_escrow_public(path: str | os.PathLike[str]) -> bytes:
    """Read the escrow public key from ``path``."""
    return decode_escrow_public(Path(path).read_text(encoding="ascii"))


def seal_escrow_private(
    private_key: bytes, passphrase: str, params: Argon2Params = ESCROW_ARGON2
) -> str:
    """Encrypt the escrow private key under ``passphrase``; returns file text.

    ``params`` may only be raised above :data:`ESCROW_ARGON2`, never lowered.
    """
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise WeakPassphraseError("escrow passphrase must be at least 16 characters")
    if params.time_cost < ESCROW_ARGON2.time_cost or params.memory_cost < ESCROW_ARGON2.memory_cost:
        raise WeakPassphraseError("escrow Argon2 parameters below the minimum")
    if len(private_key) != grants.PRIVATE_KEY_SIZE:
        raise ValueError("private key must be 32 bytes")
    box = pwbox.wrap(
        private_key, passphrase, params, context=_CONTEXT, kind=KIND_ESCROW_PRIVATE_KEY
    )
    return _armor(PRIVATE_HEADER, box)


def open_escrow_private(text: str, passphrase: str) -> bytes:
    """Decrypt escrow private key file text; raises WrongPassphraseError."""
    box = _dearmor(text, PRIVATE_HEADER)
    try:
        pwbox.read_params(box)
    except DecryptionError:
        raise EscrowFileError("escrow private key file is malformed") from None
    try:
        return pwbox.unwrap(box, passphrase, context=_CONTEXT, kind=KIND_ESCROW_PRIVATE_KEY)
    except DecryptionError:
        raise WrongPassphraseError("passphrase does not unlock the escrow key") from None


def write_escrow_private(path: str | os.PathLike[str], private_key: bytes, passphrase: str) -> None:
    """Create ``path`` (mode 0600) holding the encrypted escrow private key."""
    target = Path(path)
    if target.exists():
        # Fail before the slow key derivation; O_EXCL still guards the race.
        raise FileExistsError(str(target))
    _write_new(target, seal_escrow_private(private_key, passphrase), 0o600)


def read_escrow_private(path: str | os.PathLike[str], passphrase: str) -> bytes:
    """Load and decrypt the escrow private key file at ``path``."""
    return open_escrow_private(Path(path).read_text(encoding="ascii"), passphrase)
