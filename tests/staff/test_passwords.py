"""The staff password policy, attacked with what people and crackers actually try."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st

from sipadu.staff import passwords
from sipadu.staff.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    WeakPasswordError,
    check_password_policy,
    common_passwords,
    is_common,
    require_strong_password,
)

USER = "pemeriksa.tiga"
GOOD = "gentong-mangga-7-layang"


def codes(password: str, username: str = USER) -> set[str]:
    return {violation.code for violation in check_password_policy(password, username)}


@pytest.mark.parametrize(
    "password",
    [
        GOOD,
        "correct horse battery staple",
        "n7#Kq2-vLp9x",
        "Tiga kucing di atap rumah",
        "ÜberSichere-Pässwörter",
        "🐟🐠🐡🦈🐋🐳🐬🦭🦦🪼🦐🦞",
    ],
)
def test_good_passwords_pass(password: str) -> None:
    assert check_password_policy(password, USER) == []
    require_strong_password(password, USER)


def test_length_bounds() -> None:
    assert "too_short" in codes("Zq7!mR2#vX9")  # 11
    assert "too_short" not in codes("Zq7!mR2#vX9w")  # 12
    assert codes("Zq7!mR2#vX9w" * (MAX_LENGTH // 12) + "abcd"[: MAX_LENGTH % 12]) == set()
    assert codes("x" * (MAX_LENGTH + 1)) == {"too_long"}
    assert codes("") >= {"too_short"}


def test_huge_input_is_refused_quickly() -> None:
    start = time.perf_counter()
    assert codes("a" * 10_000_000) == {"too_long"}
    assert time.perf_counter() - start < 1


def test_a_long_password_is_checked_quickly() -> None:
    start = time.perf_counter()
    check_password_policy("ab1" * 340, USER)
    assert time.perf_counter() - start < 1


@pytest.mark.parametrize(
    "password",
    [
        "pemeriksa.tiga",
        "PEMERIKSA.TIGA",
        "xx-pemeriksa.tiga-2024",
        "Pemeriksa.Tiga!Rahasia",
        "agit.askiremep-zzzz",
        "p3m3r1ks4.t1g4-kuncinya",
    ],
)
def test_username_is_refused_in_any_case_or_disguise(password: str) -> None:
    assert "contains_username" in codes(password)


@pytest.mark.parametrize(
    "password",
    [
        "\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44\uff11\uff12\uff13\uff14",
        "pass\u200bword\u200d1234",
        "PASSWORD\u00ad1234",
        "pa\u00dfword1234",
    ],
)
def test_unicode_disguises_of_a_common_password_are_refused(password: str) -> None:
    assert "common" in codes(password), password


def test_unicode_disguises_of_the_username_are_refused() -> None:
    disguised = "\uff50\uff45\uff4d\uff45\uff52\uff49\uff4b\uff53\uff41.tiga-rahasia"
    assert "contains_username" in codes(disguised)
    assert "contains_username" in codes("pemeriksa\u200b.tiga-rahasia")


def test_a_very_short_username_only_blocks_equality() -> None:
    assert "contains_username" not in codes("gentong-ab-mangga-7", "ab")
    assert "contains_username" in codes("ab", "AB")
    assert "contains_username" not in codes(GOOD, "   ")


@pytest.mark.parametrize(
    "password",
    [
        "password1234",
        "Password1234!",
        "P@ssw0rd12345",
        "qwertyuiop123",
        "iloveyou2024!",
        "jakarta123456",
        "Jakarta2024!!",
        "INDONESIA1945",
        "indonesia1945!",
        "Bismillah#2024",
        "bismillah123",
        "inspektorat2024",
        "Inspektorat!!",
        "sipadu123456",
        "SIPADU-2025!!",
        "Alhamdulillah1",
        "sayangku12345",
        "!!!merdeka1945",
        "P4ssw0rd!!!!",
        "1nsp3kt0r4t!!",
        "persija1928!!",
        "Rahasia123456",
        "letmein!!2024",
        "football12345",
    ],
)
def test_common_passwords_and_decorations_are_refused(password: str) -> None:
    assert "common" in codes(password), password


def test_the_shipped_list_is_large_and_small_enough() -> None:
    path = Path(passwords.__file__).with_name("common_passwords.txt")
    entries = [
        line for line in path.read_text("utf-8").splitlines() if line and not line.startswith("#")
    ]
    assert len(entries) > 20_000
    assert path.stat().st_size < 500 * 1024
    assert all(entry == entry.lower() == entry.strip() for entry in entries)
    for expected in (
        "jakarta123",
        "indonesia1945",
        "bismillah",
        "inspektorat",
        "sipadu",
        "123456",
        "password",
        "qwerty",
    ):
        assert expected in entries
    assert {"jakarta", "password"} <= common_passwords()


def test_is_common_ignores_case_and_trailing_decoration() -> None:
    assert is_common("DRAGON") and is_common("dragon!!!") and is_common("dragon2024")
    assert not is_common(GOOD)
    # Short cores are not compared: a random password must not fail because of one letter.
    assert not is_common("a8#41907735612")


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaa",
        "AAAAAAAAAAAAAAAAAAAA",
        "abababababab",
        "abcabcabcabc",
        "xyz!xyz!xyz!",
        "111111111111",
        "123456789012",
        "098765432109",
        "314159265358979",
        "abcdefghijklmn",
        "zyxwvutsrqpon",
        "qwertyuiopasdf",
        "1qaz2wsx3edc4rfv",
        "aabbaabbaabb",
        "............",
        "            ",
    ],
)
def test_repetitive_or_sequential_passwords_are_refused(password: str) -> None:
    assert "repetitive" in codes(password), password


def test_several_violations_are_all_reported() -> None:
    assert codes("Pemeriksa", "pemeriksa") >= {"too_short", "contains_username"}
    assert codes("zzzz") >= {"too_short", "repetitive"}


def test_require_strong_password_raises_with_codes_but_not_the_password() -> None:
    with pytest.raises(WeakPasswordError) as caught:
        require_strong_password("jakarta123", USER)
    assert {v.code for v in caught.value.violations} == {"too_short", "common"}
    assert "jakarta123" not in str(caught.value)
    assert "jakarta123" not in repr(caught.value)
    assert isinstance(caught.value, ValueError)


def test_messages_in_both_languages(sqlite_app: Flask) -> None:
    with sqlite_app.test_request_context("/"):
        with force_locale("id"):
            error = WeakPasswordError(check_password_policy("jakarta123", USER))
            indonesian = error.messages
        with force_locale("en"):
            english = error.messages
    assert any("12" in message and "karakter" in message for message in indonesian)
    assert any("12 characters" in message for message in english)
    assert indonesian != english
    for violation in passwords.Violation:
        with sqlite_app.test_request_context("/"), force_locale("id"):
            text = passwords.PolicyViolation(violation).message
        with sqlite_app.test_request_context("/"), force_locale("en"):
            assert text != passwords.PolicyViolation(violation).message


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80), st.text(max_size=20))
def test_never_crashes_and_is_deterministic(password: str, username: str) -> None:
    first = check_password_policy(password, username)
    assert first == check_password_policy(password, username)
    if len(password) < MIN_LENGTH:
        assert "too_short" in {v.code for v in first}
