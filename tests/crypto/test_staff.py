from __future__ import annotations

import pytest

from sipadu.crypto import grants, pwbox, staff
from sipadu.crypto.errors import CryptoError, WrongPasswordError
from sipadu.crypto.params import DEFAULT_ARGON2, Argon2Params
from tests.crypto.cryptokit import flip_each_byte

PASSWORD = "kata-sandi yang panjang 123"


def test_create_and_unlock(fast_params: Argon2Params) -> None:
    material = staff.create_staff_keys(PASSWORD, fast_params, account_id=5)
    private = staff.unlock_private_key(material.wrapped_private_key, PASSWORD, account_id=5)
    assert grants.public_from_private(private) == material.public_key
    assert private not in material.wrapped_private_key
    assert staff.verify_password(material.password_hash, PASSWORD)


def test_wrong_password(fast_params: Argon2Params) -> None:
    material = staff.create_staff_keys(PASSWORD, fast_params, account_id=5)
    with pytest.raises(WrongPasswordError):
        staff.unlock_private_key(material.wrapped_private_key, "wrong", account_id=5)
    assert not staff.verify_password(material.password_hash, "wrong")
    assert issubclass(WrongPasswordError, CryptoError)


def test_box_bound_to_account(fast_params: Argon2Params) -> None:
    material = staff.create_staff_keys(PASSWORD, fast_params, account_id=5)
    with pytest.raises(WrongPasswordError):
        staff.unlock_private_key(material.wrapped_private_key, PASSWORD, account_id=6)


def test_every_flipped_byte_of_the_box_is_rejected(fast_params: Argon2Params) -> None:
    material = staff.create_staff_keys(PASSWORD, fast_params, account_id=1)
    for _, mutated in flip_each_byte(material.wrapped_private_key):
        with pytest.raises(WrongPasswordError):
            staff.unlock_private_key(mutated, PASSWORD, account_id=1)


def test_change_password_keeps_key_pair(fast_params: Argon2Params) -> None:
    material = staff.create_staff_keys(PASSWORD, fast_params, account_id=2)
    changed = staff.change_password(
        material, PASSWORD, "another long password", fast_params, account_id=2
    )
    assert changed.public_key == material.public_key
    private = staff.unlock_private_key(
        changed.wrapped_private_key, "another long password", account_id=2
    )
    assert grants.public_from_private(private) == material.public_key
    with pytest.raises(WrongPasswordError):
        staff.unlock_private_key(changed.wrapped_private_key, PASSWORD, account_id=2)
    assert not staff.verify_password(changed.password_hash, PASSWORD)
    with pytest.raises(WrongPasswordError):
        staff.change_password(material, "nope", "x", fast_params, account_id=2)


def test_grant_survives_password_change(fast_params: Argon2Params) -> None:
    material = staff.create_staff_keys(PASSWORD, fast_params, account_id=3)
    dek = bytes(range(32))
    grant = grants.wrap_for_recipient(dek, material.public_key, case_id=9)
    changed = staff.change_password(material, PASSWORD, "new password!", fast_params, account_id=3)
    private = staff.unlock_private_key(changed.wrapped_private_key, "new password!", account_id=3)
    assert grants.unwrap_grant(grant, private, case_id=9) == dek


def test_rehash_and_rewrap_detection(fast_params: Argon2Params, other_params: Argon2Params) -> None:
    material = staff.create_staff_keys(PASSWORD, fast_params, account_id=4)
    assert not staff.password_needs_rehash(material.password_hash, fast_params)
    assert staff.password_needs_rehash(material.password_hash, other_params)
    assert not staff.private_key_needs_rewrap(material.wrapped_private_key, fast_params)
    assert staff.private_key_needs_rewrap(material.wrapped_private_key, other_params)
    assert staff.password_needs_rehash("not a hash", fast_params)


def test_unlock_uses_stored_parameters(
    fast_params: Argon2Params, other_params: Argon2Params
) -> None:
    # Raising the configured cost must not lock out existing accounts.
    material = staff.create_staff_keys(PASSWORD, other_params, account_id=4)
    assert pwbox.read_params(material.wrapped_private_key) == other_params
    assert staff.unlock_private_key(material.wrapped_private_key, PASSWORD, account_id=4)
    assert staff.verify_password(material.password_hash, PASSWORD)


def test_unicode_normalization(fast_params: Argon2Params) -> None:
    composed = "caf\u00e9 password"
    decomposed = "cafe\u0301 password"
    material = staff.create_staff_keys(composed, fast_params, account_id=1)
    assert staff.unlock_private_key(material.wrapped_private_key, decomposed, account_id=1)
    assert staff.verify_password(material.password_hash, decomposed)


def test_verify_password_tolerates_garbage_hash() -> None:
    assert not staff.verify_password("$argon2id$garbage", PASSWORD)


def test_repr_hides_secrets(fast_params: Argon2Params) -> None:
    material = staff.create_staff_keys(PASSWORD, fast_params, account_id=1)
    text = repr(material)
    assert material.password_hash not in text
    assert material.wrapped_private_key.hex() not in text
    assert repr(material.wrapped_private_key) not in text


def test_password_not_in_error_message(fast_params: Argon2Params) -> None:
    material = staff.create_staff_keys(PASSWORD, fast_params, account_id=1)
    with pytest.raises(WrongPasswordError) as info:
        staff.unlock_private_key(material.wrapped_private_key, "secret-guess-XYZ", account_id=1)
    assert "secret-guess-XYZ" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_defaults_are_strong() -> None:
    assert DEFAULT_ARGON2.time_cost >= 3
    assert DEFAULT_ARGON2.memory_cost >= 65536
    assert DEFAULT_ARGON2.parallelism >= 1


def test_default_parameters_really_run() -> None:
    # One real derivation at production cost, so a typo in the defaults that
    # argon2 would refuse is caught by the suite.
    material = staff.create_staff_keys(PASSWORD, DEFAULT_ARGON2, account_id=1)
    assert not staff.password_needs_rehash(material.password_hash, DEFAULT_ARGON2)
    assert "m=65536,t=3,p=1" in material.password_hash


@pytest.mark.parametrize(
    ("t", "m", "p"), [(0, 64, 1), (1, 4, 1), (1, 64, 0), (65, 64, 1), (1, 2**23, 1)]
)
def test_parameter_bounds(t: int, m: int, p: int) -> None:
    with pytest.raises(CryptoError):
        Argon2Params(time_cost=t, memory_cost=m, parallelism=p)


def test_parameter_encoding_round_trip() -> None:
    assert Argon2Params.decode(DEFAULT_ARGON2.encode()) == DEFAULT_ARGON2
    with pytest.raises(CryptoError):
        Argon2Params.decode(b"\x00" * 8)


def test_dummy_login_check_is_always_false(fast_params: Argon2Params) -> None:
    assert staff.dummy_login_check(PASSWORD, fast_params) is False
