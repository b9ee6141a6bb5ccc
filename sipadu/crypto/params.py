"""Argon2id parameters and key derivation.

All Argon2 work in SIPADU goes through :func:`argon2id` with an explicit
:class:`Argon2Params`. Production code passes the value from settings
(defaulting to :data:`DEFAULT_ARGON2`); tests pass a cheap instance.
Parameters are stored next to every derived secret (see ``encode``) so that
raising them in settings never locks out an existing password or case key.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw

from sipadu.crypto.errors import InvalidParametersError

SALT_SIZE = 16
_ENCODED = struct.Struct(">IIB")
ENCODED_SIZE = _ENCODED.size

# Upper bounds guard against a tampered database row turning a login into a
# memory exhaustion attack; they are far above any sensible setting.
_MAX_TIME_COST = 64
_MAX_MEMORY_KIB = 4 * 1024 * 1024
_MAX_PARALLELISM = 16


@dataclass(frozen=True)
class Argon2Params:
    """Argon2id cost parameters (memory in KiB)."""

    time_cost: int
    memory_cost: int
    parallelism: int

    def __post_init__(self) -> None:
        if not 1 <= self.parallelism <= _MAX_PARALLELISM:
            raise InvalidParametersError("Argon2 parallelism out of range")
        if not 1 <= self.time_cost <= _MAX_TIME_COST:
            raise InvalidParametersError("Argon2 time cost out of range")
        if not 8 * self.parallelism <= self.memory_cost <= _MAX_MEMORY_KIB:
            raise InvalidParametersError("Argon2 memory cost out of range")

    def encode(self) -> bytes:
        """Return the 9-byte big-endian encoding stored beside derived secrets."""
        return _ENCODED.pack(self.time_cost, self.memory_cost, self.parallelism)

    @classmethod
    def decode(cls, data: bytes) -> Argon2Params:
        """Parse :meth:`encode` output; raises InvalidParametersError."""
        if len(data) != ENCODED_SIZE:
            raise InvalidParametersError("bad Argon2 parameter encoding")
        t, m, p = _ENCODED.unpack(data)
        return cls(time_cost=t, memory_cost=m, parallelism=p)


#: Production default for staff passwords and case keys (RFC 9106 second
#: recommended option: t=3, 64 MiB).
DEFAULT_ARGON2 = Argon2Params(time_cost=3, memory_cost=65536, parallelism=1)

#: The offline escrow key is encrypted with these whatever settings say: it is
#: used rarely, by an operator, and guards every case.
ESCROW_ARGON2 = Argon2Params(time_cost=4, memory_cost=262144, parallelism=1)


def argon2id(secret: bytes, salt: bytes, params: Argon2Params, length: int) -> bytes:
    """Derive ``length`` bytes from ``secret`` and a 16-byte ``salt`` with Argon2id."""
    if len(salt) != SALT_SIZE:
        raise InvalidParametersError("salt must be 16 bytes")
    return hash_secret_raw(
        secret=secret,
        salt=salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        hash_len=length,
        type=Type.ID,
        version=19,
    )
