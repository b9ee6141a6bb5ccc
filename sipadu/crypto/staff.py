"""Staff key material: an X25519 key pair unlocked by the account password.

Stored per account (see docs/crypto.md):

* ``public_key`` (32 bytes) - grants are wrapped for it;
* ``wrapped_private_key`` - a password box (pwbox.py) whose KEK is
  Argon2id(password, per-account 16-byte salt), bound to the account id;
* ``password_hash`` - an ``argon2.PasswordHasher`` string with its own salt,
  checked at login before the (equally costly) unlock.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from sipadu.crypto import grants, pwbox
from sipadu.crypto.envelope import KIND_STAFF_PRIVATE_KEY, CaseId
from sipadu.crypto.errors import DecryptionError, WrongPasswordError
from sipadu.crypto.params import SALT_SIZE, Argon2Params, argon2id


@dataclass(frozen=True)
class StaffKeyMaterial:
    """What the database keeps for one staff account (no secret in the clear)."""

    public_key: bytes
    wrapped_private_key: bytes = field(repr=False)
    password_hash: str = field(repr=False)


def _context(account_id: CaseId) -> str:
    # Prefix keeps staff key envelopes apart from case envelopes even if an
    # account id and a case id ever share a value.
    return f"staff:{account_id}"


def _hasher(params: Argon2Params) -> PasswordHasher:
    return PasswordHasher(
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        hash_len=32,
        salt_len=16,
        type=Type.ID,
    )


def hash_password(password: str, params: Argon2Params) -> str:
    """Return a PasswordHasher verifier string for ``password``."""
    return _hasher(params).hash(pwbox.normalize_password(password))


def verify_password(password_hash: str, password: str) -> bool:
    """Check ``password`` against a verifier (parameters come from the string)."""
    # Any params object works for verify: argon2 reads them from the hash.
    hasher = PasswordHasher()
    try:
        return hasher.verify(password_hash, pwbox.normalize_password(password))
    except (VerificationError, InvalidHashError):
        return False


def dummy_derivation(password: str, params: Argon2Params) -> None:
    """Spend one Argon2 derivation on nothing (equal work on a failing path)."""
    argon2id(pwbox.normalize_password(password), secrets.token_bytes(SALT_SIZE), params, 32)


def dummy_login_check(password: str, params: Argon2Params) -> bool:
    """Spend the Argon2 work of a real login (verify + unlock) and return False.

    Call it for an unknown username so timing does not reveal which accounts
    exist.
    """
    dummy_derivation(password, params)
    dummy_derivation(password, params)
    return False


def password_needs_rehash(password_hash: str, params: Argon2Params) -> bool:
    """True if the verifier was made with other parameters than ``params``."""
    try:
        return _hasher(params).check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def wrap_private_key(
    private_key: bytes, password: str, params: Argon2Params, *, account_id: CaseId
) -> bytes:
    """Encrypt a raw X25519 private key under Argon2id(password, fresh salt)."""
    if len(private_key) != grants.PRIVATE_KEY_SIZE:
        raise ValueError("private key must be 32 bytes")
    return pwbox.wrap(
        private_key,
        password,
        params,
        context=_context(account_id),
        kind=KIND_STAFF_PRIVATE_KEY,
    )


@dataclass(frozen=True)
class PreparedStaffKeys:
    """A new key pair, its password verifier and a KEK: all the Argon2 work of an account's
    keys, done before the account row (whose id the private key box is bound to) exists."""

    public_key: bytes
    private_key: bytes = field(repr=False)
    kek: pwbox.PreparedKek = field(repr=False)
    password_hash: str = field(repr=False)


def prepare_staff_keys(password: str, params: Argon2Params) -> PreparedStaffKeys:
    """Generate a key pair and do the two derivations (verifier and KEK) for ``password``."""
    private, public = grants.generate_keypair()
    return PreparedStaffKeys(
        public, private, pwbox.prepare_kek(password, params), hash_password(password, params)
    )


def seal_private_key(private_key: bytes, kek: pwbox.PreparedKek, *, account_id: CaseId) -> bytes:
    """The private key box bound to ``account_id``, under a prepared KEK (no Argon2 work)."""
    if len(private_key) != grants.PRIVATE_KEY_SIZE:
        raise ValueError("private key must be 32 bytes")
    return pwbox.seal_prepared(
        kek, private_key, context=_context(account_id), kind=KIND_STAFF_PRIVATE_KEY
    )


def seal_staff_keys(prepared: PreparedStaffKeys, *, account_id: CaseId) -> StaffKeyMaterial:
    """The stored key material of ``prepared`` for the account ``account_id``."""
    return StaffKeyMaterial(
        public_key=prepared.public_key,
        wrapped_private_key=seal_private_key(
            prepared.private_key, prepared.kek, account_id=account_id
        ),
        password_hash=prepared.password_hash,
    )


def create_staff_keys(
    password: str, params: Argon2Params, *, account_id: CaseId
) -> StaffKeyMaterial:
    """Generate a key pair for a new account (or an admin reset) and wrap it."""
    return seal_staff_keys(prepare_staff_keys(password, params), account_id=account_id)


def unlock_private_key(wrapped_private_key: bytes, password: str, *, account_id: CaseId) -> bytes:
    """Return the raw private key; raises WrongPasswordError if it does not open.

    The Argon2 parameters are read from the stored box, not from settings, so
    that raising the configured cost never locks anyone out; call
    :func:`private_key_needs_rewrap` afterwards and re-wrap if it says so.
    """
    try:
        return pwbox.unwrap(
            wrapped_private_key,
            password,
            context=_context(account_id),
            kind=KIND_STAFF_PRIVATE_KEY,
        )
    except DecryptionError:
        raise WrongPasswordError("password does not unlock the private key") from None


def private_key_needs_rewrap(wrapped_private_key: bytes, params: Argon2Params) -> bool:
    """True if the private key box uses other Argon2 parameters than ``params``."""
    return pwbox.needs_rewrap(wrapped_private_key, params)


def change_password(
    material: StaffKeyMaterial,
    old_password: str,
    new_password: str,
    params: Argon2Params,
    *,
    account_id: CaseId,
) -> StaffKeyMaterial:
    """Re-wrap the same key pair under ``new_password`` (existing grants stay valid)."""
    private = unlock_private_key(material.wrapped_private_key, old_password, account_id=account_id)
    return StaffKeyMaterial(
        public_key=material.public_key,
        wrapped_private_key=wrap_private_key(private, new_password, params, account_id=account_id),
        password_hash=hash_password(new_password, params),
    )
