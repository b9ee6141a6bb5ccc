"""Service-account tokens, the intake replay box and webhook signatures (docs/integration.md).

Token (shown once)::

    sipadu_sa_<key id: 16 hex>_<secret: 32 random bytes, unpadded base64url>

SIPADU stores the key id and ``SHA-256("sipadu-sa-v1" || secret)``: the secret has 256 bits
of entropy, so a fast hash is enough and a stolen table gives no token. Everything SIPADU
keeps about a channel's request is keyed with the secret, which only the channel holds:

* lookups: ``HMAC-SHA256(HKDF(secret, info="sipadu-sa-lookup:" + purpose), value)`` for the
  ``Idempotency-Key`` and the ``external_ref``; without the token nobody can tell which
  ticket a case came from, or test a guess;
* the replay box: the case key sealed with AES-256-GCM under
  ``HKDF(secret, salt=Idempotency-Key, info="sipadu-sa-replay")``, so only a retry carrying
  the same token and the same key opens it; the body's fingerprint is an HMAC under the
  same derived key, so it cannot be checked against a guessed report either.

Webhooks are signed with HMAC-SHA256 over ``"<timestamp>.<body>"`` under a per-account
secret derived from a server key and a random salt stored with the account
(``HKDF(server key, salt, info="sipadu-webhook")``); the header is
``X-Sipadu-Signature: t=<unix seconds>,v1=<hex>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sipadu.crypto.errors import CryptoError

TOKEN_PREFIX = "sipadu_sa_"  # noqa: S105  (a label, not a secret)
SECRET_BYTES = 32
KEY_ID_HEX = 16
NONCE_BYTES = 12
_TOKEN_RE = re.compile(rf"^{TOKEN_PREFIX}([0-9a-f]{{{KEY_ID_HEX}}})_([A-Za-z0-9_-]{{43}})$")
SIGNATURE_HEADER = "X-Sipadu-Signature"
WEBHOOK_SALT_BYTES = 16


class ReplayBoxError(CryptoError):
    """The sealed case key does not open with this token and Idempotency-Key."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_token() -> tuple[str, str, bytes]:
    """A fresh token: ``(token, key id, secret)``; the token is shown once, never stored."""
    key_id = secrets.token_hex(KEY_ID_HEX // 2)
    secret = secrets.token_bytes(SECRET_BYTES)
    return f"{TOKEN_PREFIX}{key_id}_{_b64(secret)}", key_id, secret


def parse_token(token: str) -> tuple[str, bytes] | None:
    """``(key id, secret)`` of a well-formed token, else None."""
    match = _TOKEN_RE.match(token)
    if match is None:
        return None
    try:
        secret = base64.urlsafe_b64decode(match.group(2) + "=")
    except (binascii.Error, ValueError):
        return None
    return (match.group(1), secret) if len(secret) == SECRET_BYTES else None


def token_verifier(secret: bytes) -> bytes:
    """What SIPADU stores to recognise the token."""
    return hashlib.sha256(b"sipadu-sa-v1" + secret).digest()


def verifier_matches(secret: bytes, stored: bytes) -> bool:
    """Constant-time comparison of the token's verifier with the stored one."""
    return hmac.compare_digest(token_verifier(secret), stored)


def _hkdf(ikm: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def lookup_hash(secret: bytes, purpose: str, value: str) -> str:
    """A hex HMAC of ``value`` that only the token's holder can compute."""
    key = _hkdf(secret, b"sipadu-sa-lookup:" + purpose.encode())
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def replay_key(secret: bytes, idempotency_key: str) -> bytes:
    """The key sealing the case key for retries of one request."""
    return _hkdf(secret, b"sipadu-sa-replay", salt=idempotency_key.encode("utf-8"))


def body_fingerprint(key: bytes, body: bytes) -> str:
    """An HMAC of the request's canonical body under the replay key."""
    return hmac.new(key, b"body:" + body, hashlib.sha256).hexdigest()


def same_fingerprint(a: str, b: str) -> bool:
    """Constant-time comparison of two fingerprints."""
    return hmac.compare_digest(a.encode(), b.encode())


def seal_case_key(key: bytes, case_key: str, binding: str) -> bytes:
    """``nonce || AES-256-GCM(case key)``, bound to ``binding`` (the row's lookup hash)."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, case_key.encode("ascii"), binding.encode())


def open_case_key(key: bytes, sealed: bytes, binding: str) -> str:
    """The sealed case key; raises ``ReplayBoxError`` for any other key or binding."""
    try:
        plain = AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], binding.encode())
    except (InvalidTag, ValueError):
        raise ReplayBoxError("the replay box does not open") from None
    return plain.decode("ascii")


def new_webhook_salt() -> bytes:
    """A fresh salt: registering a webhook again changes its signing secret."""
    return secrets.token_bytes(WEBHOOK_SALT_BYTES)


def webhook_secret(server_key: bytes, salt: bytes) -> bytes:
    """The signing secret of one account's webhook (given to the channel once)."""
    return _hkdf(server_key, b"sipadu-webhook", salt=salt)


def sign_webhook(secret: bytes, timestamp: int, body: bytes) -> str:
    """The ``X-Sipadu-Signature`` value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_webhook(secret: bytes, header: str, body: bytes, now: int, tolerance: int) -> bool:
    """What a channel does on receipt: the signature matches and is recent."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign_webhook(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
