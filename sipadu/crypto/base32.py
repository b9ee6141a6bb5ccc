"""Crockford base32 for human-typed codes, with a GF(32) check character.

The check character ``c`` makes ``sum(s_j * a**j) == 0`` over GF(32) for the
symbols ``s_0 .. s_n-1, c`` (``a`` a generator of GF(32)*). Because the weights
``a**j`` are distinct and non-zero for up to 31 symbols, every single
substitution and every transposition of two symbols changes the sum, so a
single typo is always reported as a typo, never as a different valid key.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Crockford's reading aliases: letters easily mistaken for digits.
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = str.maketrans("", "", "-_ \t\r\n\u00a0\u2010\u2011\u2012\u2013\u2014")

_POLY = 0b100101  # x^5 + x^2 + 1, primitive over GF(2)
MAX_CHECKED_LENGTH = 30  # data symbols; the check symbol is the 31st


def _gf_mul(a: int, b: int) -> int:
    result = 0
    while b:
        if b & 1:
            result ^= a
        b >>= 1
        a <<= 1
        if a & 0b100000:
            a ^= _POLY
    return result


def _gf_pow_alpha(n: int) -> int:
    value = 1
    for _ in range(n % 31):
        value = _gf_mul(value, 2)
    return value


def normalize(text: str) -> str:
    """Upper-case, apply Crockford aliases and drop spaces and dashes."""
    return text.upper().translate(_ALIASES).translate(_SEPARATORS)


def is_valid(text: str) -> bool:
    """True if every character of normalized ``text`` is in the alphabet."""
    return all(ch in _VALUE for ch in text)


def random_symbols(count: int) -> str:
    """Return ``count`` uniformly random symbols (5 bits each)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(count))


def check_symbol(data: str) -> str:
    """Return the check symbol for normalized ``data`` (at most 30 symbols)."""
    if len(data) > MAX_CHECKED_LENGTH:
        raise ValueError("too many symbols for one check character")
    total = 0
    for position, ch in enumerate(data):
        total ^= _gf_mul(_VALUE[ch], _gf_pow_alpha(position))
    # Solve total + c * a**n = 0 (addition is XOR): c = total * a**(31 - n).
    return ALPHABET[_gf_mul(total, _gf_pow_alpha(31 - len(data)))]


def has_valid_check(data_with_check: str) -> bool:
    """True if the last symbol is the check symbol of the ones before it."""
    return check_symbol(data_with_check[:-1]) == data_with_check[-1]
