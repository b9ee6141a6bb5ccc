"""HMAC-SHA256 under the audit key: one message (``sign``) or many (``ChainSigner``)."""

from __future__ import annotations

import hashlib
import hmac as hmac_lib


def sign(key: bytes, message: str) -> str:
    """HMAC-SHA256 of a hash (or head record) under the audit key."""
    return hmac_lib.digest(key, message.encode("ascii"), "sha256").hex()


class ChainSigner:
    """``sign(key, ·)`` for many messages under one key, about twice as fast.

    HMAC-SHA256 as RFC 2104 defines it, with the keyed inner and outer SHA-256 states
    computed once and copied per message (what the standard library's pure-Python HMAC does);
    ``hmac.digest`` sets the key up again on every call, which dominates a chain walk.
    Tests check it against ``sign`` and the RFC 4231 vectors.
    """

    _BLOCK = 64

    def __init__(self, key: bytes) -> None:
        if len(key) > self._BLOCK:
            key = hashlib.sha256(key).digest()
        padded = key.ljust(self._BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))

    def __call__(self, message: str) -> str:
        """The hex HMAC of ``message`` (ASCII), equal to ``sign(key, message)``."""
        inner = self._inner.copy()
        inner.update(message.encode("ascii"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()
