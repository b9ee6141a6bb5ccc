"""Reporter case keys: ``SPD-7K3Q9M-ABCDE-FGHJK-MNPQR-STVWX-C``.

* ``SPD-7K3Q9M`` is the public case code (6 random Crockford symbols, 30 bits):
  staff and reporter refer to the case by it; it is a lookup key, not a secret.
* ``ABCDE-FGHJK-MNPQR-STVWX`` is the secret: 20 random symbols = 100 bits.
* ``C`` is a check symbol over code and secret (see base32.py) so a typo is told
  apart from a wrong key before any costly work is done.

The secret is checked with Argon2id(secret, per-case salt) -> 64 bytes, split by
HKDF into a verifier (stored) and a wrapping key (never stored) that opens the
reporter's copy of the case DEK.

Stored record (version 1), one opaque column::

    version (1, 0x01) || Argon2 params (9) || salt (16) || verifier (32)
                      || envelope(kind b"reporter-dek", case id) of the DEK
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sipadu.crypto import base32, envelope
from sipadu.crypto.envelope import KIND_REPORTER_DEK, CaseId
from sipadu.crypto.errors import (
    CaseKeyTypoError,
    DecryptionError,
    InvalidParametersError,
    MalformedCaseKeyError,
    WrongCaseKeyError,
)
from sipadu.crypto.params import ENCODED_SIZE, SALT_SIZE, Argon2Params, argon2id

CASE_CODE_PREFIX = "SPD"
CODE_LENGTH = 6
SECRET_GROUPS = 4
GROUP_LENGTH = 5
SECRET_LENGTH = SECRET_GROUPS * GROUP_LENGTH  # 100 bits
_BODY = CODE_LENGTH + SECRET_LENGTH + 1
VERIFIER_SIZE = 32
RECORD_VERSION = 1
_HEADER = 1 + ENCODED_SIZE + SALT_SIZE
_RECORD_MIN = _HEADER + VERIFIER_SIZE + envelope.OVERHEAD


@dataclass(frozen=True)
class CaseKey:
    """A parsed case key: ``code`` like ``SPD-7K3Q9M`` and the 20-symbol secret."""

    code: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class CaseKeySecrets:
    """The two halves of the Argon2id derivation of a case key secret."""

    verifier: bytes = field(repr=False)
    wrapping_key: bytes = field(repr=False)


def generate_case_code() -> str:
    """Return a random public case code such as ``SPD-7K3Q9M``.

    30 bits: callers must retry on a unique-constraint collision.
    """
    return f"{CASE_CODE_PREFIX}-{base32.random_symbols(CODE_LENGTH)}"


def normalize_case_code(text: str) -> str:
    """Canonical form of a typed case code (tolerant like :func:`parse_case_key`)."""
    if not isinstance(text, str) or len(text) > 100:
        raise MalformedCaseKeyError("not a case code")
    body = base32.normalize(text)
    if body.startswith(CASE_CODE_PREFIX) and len(body) == len(CASE_CODE_PREFIX) + CODE_LENGTH:
        body = body[len(CASE_CODE_PREFIX) :]
    if len(body) != CODE_LENGTH or not base32.is_valid(body):
        raise MalformedCaseKeyError("not a case code")
    return f"{CASE_CODE_PREFIX}-{body}"


def generate_case_key(code: str | None = None) -> CaseKey:
    """Return a new case key (with a new code unless ``code`` is given)."""
    code = normalize_case_code(code) if code is not None else generate_case_code()
    return CaseKey(code=code, secret=base32.random_symbols(SECRET_LENGTH))


def _code_symbols(key: CaseKey) -> str:
    return key.code[len(CASE_CODE_PREFIX) + 1 :]


def format_case_key(key: CaseKey) -> str:
    """Render ``SPD-XXXXXX-XXXXX-XXXXX-XXXXX-XXXXX-C`` for the reporter."""
    groups = [key.secret[i : i + GROUP_LENGTH] for i in range(0, SECRET_LENGTH, GROUP_LENGTH)]
    check = base32.check_symbol(_code_symbols(key) + key.secret)
    return "-".join([key.code, *groups, check])


def parse_case_key(text: str) -> CaseKey:
    """Parse a typed case key, tolerating case, spaces, dashes and O/I/L aliases.

    The ``SPD`` prefix may be omitted. Raises MalformedCaseKeyError if the text
    does not have the shape of a key, CaseKeyTypoError if the check symbol fails.
    """
    if not isinstance(text, str) or len(text) > 200:
        raise MalformedCaseKeyError("not a case key")
    body = base32.normalize(text)
    if len(body) == len(CASE_CODE_PREFIX) + _BODY:
        prefix, body = body[: len(CASE_CODE_PREFIX)], body[len(CASE_CODE_PREFIX) :]
    elif len(body) == _BODY:
        prefix = CASE_CODE_PREFIX
    else:
        raise MalformedCaseKeyError("not a case key")
    if not base32.is_valid(body):
        raise MalformedCaseKeyError("not a case key")
    if prefix != CASE_CODE_PREFIX or not base32.has_valid_check(body):
        raise CaseKeyTypoError("case key check failed")
    return CaseKey(
        code=f"{CASE_CODE_PREFIX}-{body[:CODE_LENGTH]}",
        secret=body[CODE_LENGTH : CODE_LENGTH + SECRET_LENGTH],
    )


def _hkdf(ikm: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(ikm)


def derive_case_key_material(key: CaseKey, salt: bytes, params: Argon2Params) -> CaseKeySecrets:
    """Argon2id(secret, salt) -> 64 bytes, HKDF-split into verifier and wrapping key."""
    master = argon2id(key.secret.encode("ascii"), salt, params, 64)
    return CaseKeySecrets(
        verifier=_hkdf(master, b"sipadu-case-key-v1 verifier"),
        wrapping_key=_hkdf(master, b"sipadu-case-key-v1 reporter-dek wrapping"),
    )


def wrap_reporter_dek(wrapping_key: bytes, dek: bytes, *, case_id: CaseId) -> bytes:
    """Seal the case DEK under the reporter's wrapping key."""
    if len(dek) != envelope.KEY_SIZE:
        raise ValueError("DEK must be 32 bytes")
    return envelope.seal(wrapping_key, dek, case_id=case_id, kind=KIND_REPORTER_DEK)


def unwrap_reporter_dek(wrapping_key: bytes, wrapped: bytes, *, case_id: CaseId) -> bytes:
    """Open the reporter's copy of the DEK; raises DecryptionError."""
    return envelope.open_sealed(wrapping_key, wrapped, case_id=case_id, kind=KIND_REPORTER_DEK)


def enroll_case_key(key: CaseKey, dek: bytes, params: Argon2Params, *, case_id: CaseId) -> bytes:
    """Return the record to store for a case key (params, salt, verifier, DEK)."""
    salt = secrets.token_bytes(SALT_SIZE)
    derived = derive_case_key_material(key, salt, params)
    wrapped = wrap_reporter_dek(derived.wrapping_key, dek, case_id=case_id)
    return bytes((RECORD_VERSION,)) + params.encode() + salt + derived.verifier + wrapped


def _split_record(record: bytes) -> tuple[Argon2Params, bytes, bytes, bytes]:
    if len(record) < _RECORD_MIN or record[0] != RECORD_VERSION:
        raise DecryptionError("malformed case key record")
    try:
        params = Argon2Params.decode(bytes(record[1 : 1 + ENCODED_SIZE]))
    except InvalidParametersError:
        raise DecryptionError("malformed case key record") from None
    salt = bytes(record[1 + ENCODED_SIZE : _HEADER])
    verifier = bytes(record[_HEADER : _HEADER + VERIFIER_SIZE])
    return params, salt, verifier, bytes(record[_HEADER + VERIFIER_SIZE :])


def _derive_and_check(key: CaseKey, record: bytes) -> tuple[CaseKeySecrets, bytes]:
    params, salt, verifier, wrapped = _split_record(record)
    derived = derive_case_key_material(key, salt, params)
    if not hmac.compare_digest(derived.verifier, verifier):
        raise WrongCaseKeyError("case key does not match")
    return derived, wrapped


def verify_case_key(key: CaseKey, record: bytes) -> bool:
    """True if ``key`` is the key enrolled in ``record`` (constant-time compare)."""
    try:
        _derive_and_check(key, record)
    except WrongCaseKeyError:
        return False
    return True


def dummy_case_key_check(key: CaseKey, params: Argon2Params) -> bool:
    """Spend the same Argon2 work as a real check and return False.

    Call it when the code names no case, so that neither the answer nor its
    timing tells a prober which case codes exist.
    """
    derived = derive_case_key_material(key, secrets.token_bytes(SALT_SIZE), params)
    hmac.compare_digest(derived.verifier, secrets.token_bytes(VERIFIER_SIZE))
    return False


def unlock_case_dek(key: CaseKey, record: bytes, *, case_id: CaseId) -> bytes:
    """Verify ``key`` and return the case DEK.

    Raises WrongCaseKeyError for a different key, DecryptionError if the record
    was tampered with or belongs to another case.
    """
    derived, wrapped = _derive_and_check(key, record)
    return unwrap_reporter_dek(derived.wrapping_key, wrapped, case_id=case_id)


def case_record_needs_rehash(record: bytes, params: Argon2Params) -> bool:
    """True if the record was made with other Argon2 parameters than ``params``
    (re-enroll with :func:`enroll_case_key` right after a successful unlock)."""
    return _split_record(record)[0] != params
