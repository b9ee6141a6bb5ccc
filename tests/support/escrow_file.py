"""Escrow private key files sealed cheaply, for tests that are not about the key's strength.

Sealing and opening an escrow key file runs Argon2 at :data:`~sipadu.crypto.params.ESCROW_ARGON2`
(a second of CPU and 256 MiB each time), and the product never seals below it. A test of
what a command does with the escrow key (approve, grant, restore) opens the file once or more
per test; the file this module writes is the product's own format, sealed with the tests'
cheap parameters, which opening reads from the file. ``tests/crypto/test_escrow.py`` checks
that real files are sealed at full strength and that weaker parameters are refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sipadu.crypto import escrow
from sipadu.crypto.params import Argon2Params

CHEAP_ESCROW_ARGON2 = Argon2Params(time_cost=1, memory_cost=8, parallelism=1)


def write_cheap_escrow_private(path: Path, private_key: bytes, passphrase: str) -> None:
    """Create ``path`` (mode 0600) holding ``private_key`` sealed under ``passphrase``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(escrow, "ESCROW_ARGON2", CHEAP_ESCROW_ARGON2)
        text = escrow.seal_escrow_private(private_key, passphrase, CHEAP_ESCROW_ARGON2)
    path.touch(mode=0o600, exist_ok=False)
    path.write_text(text, encoding="ascii")
