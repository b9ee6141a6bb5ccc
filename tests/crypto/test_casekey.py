from __future__ import annotations

import contextlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sipadu.crypto import base32, casekey
from sipadu.crypto.casekey import (
    CaseKey,
    enroll_case_key,
    format_case_key,
    generate_case_code,
    generate_case_key,
    parse_case_key,
    unlock_case_dek,
    verify_case_key,
)
from sipadu.crypto.errors import (
    CaseKeyError,
    CaseKeyTypoError,
    DecryptionError,
    MalformedCaseKeyError,
    WrongCaseKeyError,
)
from sipadu.crypto.params import Argon2Params
from tests.crypto.cryptokit import flip_each_byte

DEK = bytes(range(32))
SHAPE = re.compile(r"SPD-[0-9A-HJKMNP-TV-Z]{6}(-[0-9A-HJKMNP-TV-Z]{5}){4}-[0-9A-HJKMNP-TV-Z]")


def test_code_shape() -> None:
    codes = {generate_case_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(re.fullmatch(r"SPD-[0-9A-HJKMNP-TV-Z]{6}", c) for c in codes)


def test_format_and_parse() -> None:
    key = generate_case_key()
    text = format_case_key(key)
    assert SHAPE.fullmatch(text)
    assert parse_case_key(text) == key
    assert len(key.secret) * 5 >= 100


def test_secret_not_in_repr() -> None:
    key = generate_case_key()
    assert key.secret not in repr(key)
    assert key.code in repr(key)


@pytest.mark.parametrize(
    "transform",
    [
        str.lower,
        lambda t: t.replace("-", ""),
        lambda t: t.replace("-", " "),
        lambda t: t.replace("-", "--"),
        lambda t: "  " + t.replace("-", " - ") + "\n",
        lambda t: t[4:],  # prefix left out
        lambda t: t.replace("0", "O").replace("1", "l"),
        lambda t: t.replace("1", "I").lower(),
        lambda t: t.replace("-", "\u2013"),
    ],
)
def test_parse_is_tolerant(transform: object) -> None:
    key = CaseKey(code="SPD-0A1B2C", secret="0123456789ABCDEFGHJK")
    text = format_case_key(key)
    assert parse_case_key(transform(text)) == key  # type: ignore[operator]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "SPD",
        "SPD-7K3Q9M",
        "hello world",
        "SPD-7K3Q9M-ABCDE-FGHJK-MNPQR-STVWX",
        "SPD-7K3Q9M-ABCDE-FGHJK-MNPQR-STVWX-YY",
        "SPD-7K3Q9M-ABCDE-FGHJK-MNPQR-STVWU-Y",
        "SPD-7K3Q9M-ABCDE-FGHJK-MNPQR-STVW*-Y",
        "x" * 1000,
    ],
)
def test_malformed(text: str) -> None:
    with pytest.raises(MalformedCaseKeyError):
        parse_case_key(text)


def test_every_single_substitution_is_a_typo() -> None:
    key = generate_case_key()
    body = base32.normalize(format_case_key(key))
    checked = 0
    for position in range(len(body)):
        for symbol in base32.ALPHABET:
            if symbol == body[position]:
                continue
            typo = body[:position] + symbol + body[position + 1 :]
            with pytest.raises(CaseKeyTypoError):
                parse_case_key(typo)
            checked += 1
    assert checked >= 27 * 31


def test_every_adjacent_transposition_is_a_typo() -> None:
    for _ in range(20):
        body = base32.normalize(format_case_key(generate_case_key()))[3:]
        for i in range(len(body) - 1):
            if body[i] == body[i + 1]:
                continue
            swapped = body[:i] + body[i + 1] + body[i] + body[i + 2 :]
            with pytest.raises(CaseKeyTypoError):
                parse_case_key(swapped)


def test_typo_and_wrong_key_are_different_errors(fast_params: Argon2Params) -> None:
    key = generate_case_key()
    record = enroll_case_key(key, DEK, fast_params, case_id=1)
    text = format_case_key(key)
    # One character changed: reported as a typo before any key derivation.
    last = text[-1]
    with pytest.raises(CaseKeyTypoError):
        parse_case_key(text[:-1] + ("0" if last != "0" else "1"))
    # Another valid key for the same code: parses, but is the wrong key.
    other = generate_case_key(key.code)
    parsed = parse_case_key(format_case_key(other))
    assert not verify_case_key(parsed, record)
    with pytest.raises(WrongCaseKeyError):
        unlock_case_dek(parsed, record, case_id=1)
    assert issubclass(CaseKeyTypoError, CaseKeyError)
    assert issubclass(WrongCaseKeyError, CaseKeyError)


def test_enroll_verify_unlock(fast_params: Argon2Params) -> None:
    key = generate_case_key()
    record = enroll_case_key(key, DEK, fast_params, case_id="case-9")
    assert verify_case_key(key, record)
    assert unlock_case_dek(key, record, case_id="case-9") == DEK
    assert DEK not in record
    assert key.secret.encode() not in record


def test_record_bound_to_case(fast_params: Argon2Params) -> None:
    key = generate_case_key()
    record = enroll_case_key(key, DEK, fast_params, case_id=1)
    with pytest.raises(DecryptionError):
        unlock_case_dek(key, record, case_id=2)


def test_every_flipped_byte_of_the_record_fails(fast_params: Argon2Params) -> None:
    key = generate_case_key()
    record = enroll_case_key(key, DEK, fast_params, case_id=1)
    for _, mutated in flip_each_byte(record):
        with pytest.raises((DecryptionError, WrongCaseKeyError)):
            unlock_case_dek(key, mutated, case_id=1)


def test_salts_are_per_case(fast_params: Argon2Params) -> None:
    key = generate_case_key()
    a = enroll_case_key(key, DEK, fast_params, case_id=1)
    b = enroll_case_key(key, DEK, fast_params, case_id=1)
    assert a[10:26] != b[10:26]
    assert a[26:58] != b[26:58]


def test_rehash_detection(fast_params: Argon2Params, other_params: Argon2Params) -> None:
    key = generate_case_key()
    record = enroll_case_key(key, DEK, other_params, case_id=1)
    assert casekey.case_record_needs_rehash(record, fast_params)
    assert not casekey.case_record_needs_rehash(record, other_params)
    # Stored parameters are used, so the key still opens after a settings change.
    assert unlock_case_dek(key, record, case_id=1) == DEK


def test_derivation_splits_independent_keys(fast_params: Argon2Params) -> None:
    key = generate_case_key()
    derived = casekey.derive_case_key_material(key, bytes(16), fast_params)
    assert derived.verifier != derived.wrapping_key
    assert len(derived.verifier) == len(derived.wrapping_key) == 32
    assert derived.verifier.hex() not in repr(derived)


def test_normalize_case_code() -> None:
    assert casekey.normalize_case_code("spd-7k3q9m") == "SPD-7K3Q9M"
    assert casekey.normalize_case_code("7K3Q9M") == "SPD-7K3Q9M"
    assert casekey.normalize_case_code("SPD 7K3Q9O") == "SPD-7K3Q90"
    for bad in ("SPD-7K3Q9", "../etc", "SPD-7K3Q9MM", "SPD-7K3Q9U", " " * 1000):
        with pytest.raises(MalformedCaseKeyError):
            casekey.normalize_case_code(bad)


@given(st.text(max_size=60))
def test_parse_never_crashes(text: str) -> None:
    with contextlib.suppress(CaseKeyError):
        parse_case_key(text)


@given(st.lists(st.sampled_from(base32.ALPHABET), min_size=1, max_size=30))
def test_check_symbol_detects_single_errors(symbols: list[str]) -> None:
    data = "".join(symbols)
    word = data + base32.check_symbol(data)
    assert base32.has_valid_check(word)
    for position in range(len(word)):
        for symbol in base32.ALPHABET[:4]:
            if symbol != word[position]:
                assert not base32.has_valid_check(word[:position] + symbol + word[position + 1 :])


def test_dummy_check_is_always_false(fast_params: Argon2Params) -> None:
    assert casekey.dummy_case_key_check(generate_case_key(), fast_params) is False
