from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sipadu.crypto import grants
from sipadu.crypto.errors import DecryptionError
from tests.crypto.cryptokit import flip_each_byte

DEK = bytes(range(100, 132))


def test_round_trip() -> None:
    private, public = grants.generate_keypair()
    grant = grants.wrap_for_recipient(DEK, public, case_id="c1")
    assert len(grant) == grants.GRANT_SIZE
    assert grants.unwrap_grant(grant, private, case_id="c1") == DEK
    assert DEK not in grant


def test_every_flipped_byte_is_rejected() -> None:
    private, public = grants.generate_keypair()
    grant = grants.wrap_for_recipient(DEK, public, case_id="c1")
    for _, mutated in flip_each_byte(grant):
        with pytest.raises(DecryptionError):
            grants.unwrap_grant(mutated, private, case_id="c1")


def test_wrong_private_key_and_case() -> None:
    private, public = grants.generate_keypair()
    other_private, _ = grants.generate_keypair()
    grant = grants.wrap_for_recipient(DEK, public, case_id="c1")
    with pytest.raises(DecryptionError):
        grants.unwrap_grant(grant, other_private, case_id="c1")
    with pytest.raises(DecryptionError):
        grants.unwrap_grant(grant, private, case_id="c2")


def test_truncated_extended_and_versioned() -> None:
    private, public = grants.generate_keypair()
    grant = grants.wrap_for_recipient(DEK, public, case_id=1)
    for bad in (grant[:-1], grant + b"\x00", b"", b"\x02" + grant[1:]):
        with pytest.raises(DecryptionError):
            grants.unwrap_grant(bad, private, case_id=1)


def test_low_order_ephemeral_point_is_rejected() -> None:
    private, public = grants.generate_keypair()
    grant = bytearray(grants.wrap_for_recipient(DEK, public, case_id=1))
    grant[1:33] = bytes(32)  # the all-zero point gives an all-zero secret
    with pytest.raises(DecryptionError):
        grants.unwrap_grant(bytes(grant), private, case_id=1)


def test_rewrap_for_another_recipient() -> None:
    escrow_private, escrow_public = grants.generate_keypair()
    staff_private, staff_public = grants.generate_keypair()
    escrow_grant = grants.wrap_for_recipient(DEK, escrow_public, case_id=3)
    new_grant = grants.rewrap_grant(escrow_grant, escrow_private, staff_public, case_id=3)
    assert grants.unwrap_grant(new_grant, staff_private, case_id=3) == DEK
    with pytest.raises(DecryptionError):
        grants.unwrap_grant(new_grant, escrow_private, case_id=3)


def test_ephemeral_keys_are_fresh() -> None:
    _, public = grants.generate_keypair()
    a = grants.wrap_for_recipient(DEK, public, case_id=1)
    b = grants.wrap_for_recipient(DEK, public, case_id=1)
    assert a[1:33] != b[1:33]


@pytest.mark.parametrize("size", [0, 16, 31, 33])
def test_only_32_byte_keys(size: int) -> None:
    _, public = grants.generate_keypair()
    with pytest.raises(ValueError):
        grants.wrap_for_recipient(bytes(size), public, case_id=1)


@settings(max_examples=25)
@given(dek=st.binary(min_size=32, max_size=32), case_id=st.text(max_size=30))
def test_round_trip_property(dek: bytes, case_id: str) -> None:
    private, public = grants.generate_keypair()
    grant = grants.wrap_for_recipient(dek, public, case_id=case_id)
    assert grants.unwrap_grant(grant, private, case_id=case_id) == dek
