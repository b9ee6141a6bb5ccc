"""The password policy for staff accounts.

Length, not composition rules, makes a password strong (NIST SP 800-63B), so the policy asks
for 12 characters and refuses what attackers try first: the username, common passwords and
their decorated forms ("Jakarta2024!", "P@ssw0rd"), and trivially repetitive strings.
"""

from __future__ import annotations

import enum
import functools
import string
import unicodedata
from dataclasses import dataclass
from importlib import resources

from flask_babel import LazyString, lazy_gettext

MIN_LENGTH = 12
# Argon2 hashes any length cheaply enough, but an unbounded field invites abuse of memory.
MAX_LENGTH = 1024
# Shorter cores are too likely to be chance fragments of a random password ("a8…" -> "a").
_MIN_CORE_LENGTH = 4
_MIN_USERNAME_IN_PASSWORD = 3
_MIN_DISTINCT_CHARACTERS = 5
_STRIP = string.digits + string.punctuation + string.whitespace
# Leet substitutions people use to "decorate" a word; "1" stands for both i and l.
_LEET = str.maketrans(
    {
        "4": "a",
        "@": "a",
        "8": "b",
        "3": "e",
        "6": "g",
        "9": "g",
        "!": "i",
        "0": "o",
        "5": "s",
        "$": "s",
        "7": "t",
        "+": "t",
    }
)
_SEQUENCES = (
    "0123456789",
    "abcdefghijklmnopqrstuvwxyz",
    "1234567890qwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "qazwsxedcrfvtgbyhnujmikolp",
)


class Violation(enum.Enum):
    """Why a password was refused; each has a bilingual explanation."""

    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    CONTAINS_USERNAME = "contains_username"
    COMMON = "common"
    REPETITIVE = "repetitive"


MESSAGES: dict[Violation, LazyString] = {
    Violation.TOO_SHORT: lazy_gettext("The password must have at least %(min)d characters."),
    Violation.TOO_LONG: lazy_gettext("The password must have at most %(max)d characters."),
    Violation.CONTAINS_USERNAME: lazy_gettext("The password must not contain the username."),
    Violation.COMMON: lazy_gettext(
        "This password is too common or too easy to guess. Choose another one, "
        "for example several unrelated words."
    ),
    Violation.REPETITIVE: lazy_gettext(
        "The password is too simple: it repeats the same characters or follows a keyboard "
        "or number sequence."
    ),
}


@dataclass(frozen=True)
class PolicyViolation:
    """One broken rule: a stable ``code`` for programs, a translated ``message`` for people."""

    violation: Violation

    @property
    def code(self) -> str:
        """A stable identifier, e.g. ``"too_short"`` (for the JSON API and tests)."""
        return self.violation.value

    @property
    def message(self) -> str:
        """The explanation in the current request's language."""
        return str(MESSAGES[self.violation]) % {"min": MIN_LENGTH, "max": MAX_LENGTH}


class WeakPasswordError(ValueError):
    """The password breaks the policy; ``violations`` says how (never the password itself)."""

    def __init__(self, violations: list[PolicyViolation]) -> None:
        super().__init__("password refused: " + ", ".join(v.code for v in violations))
        self.violations = violations

    @property
    def messages(self) -> list[str]:
        """The translated explanations, ready to show next to the form field."""
        return [violation.message for violation in self.violations]


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list, with each entry also in its undecorated core form."""
    text = resources.files("sipadu.staff").joinpath("common_passwords.txt").read_text("utf-8")
    entries: set[str] = set()
    for line in text.splitlines():
        entry = comparable(line.strip())
        if entry and not entry.startswith("#"):
            entries.update(_variants(entry))
    return frozenset(entries)


def comparable(text: str) -> str:
    """``text`` as compared: NFKC, case-folded, invisible format characters removed.

    So full-width letters, ligatures, "ß" and zero-width joiners cannot smuggle a
    common password or the username past the checks.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")


def _variants(lowered: str) -> set[str]:
    """The forms compared against the list: as typed, stripped of decoration, de-leeted."""
    core = lowered.strip(_STRIP)
    forms = {lowered}
    for candidate in (core, lowered.translate(_LEET), core.translate(_LEET)):
        if len(candidate) >= _MIN_CORE_LENGTH:
            forms.add(candidate)
            forms.add(candidate.replace("1", "i"))
            forms.add(candidate.replace("1", "l"))
    return forms


def is_common(password: str) -> bool:
    """True when the password, or its undecorated core, is on the common list."""
    return not _variants(comparable(password)).isdisjoint(common_passwords())


def _contains_username(lowered: str, username: str) -> bool:
    name = comparable(username.strip())
    if not name:
        return False
    if lowered == name:
        return True
    if len(name) < _MIN_USERNAME_IN_PASSWORD:
        return False  # a two-letter name would match by chance in many good passwords
    return any(name in form or name[::-1] in form for form in _variants(lowered))


def _is_sequence(lowered: str) -> bool:
    return any(lowered in (seq * 3) or lowered in (seq[::-1] * 3) for seq in _SEQUENCES)


def _has_short_period(text: str) -> bool:
    """True when the text is a short unit repeated ("abcabcabcabc")."""
    return any(
        len(text) % size == 0 and text == text[:size] * (len(text) // size)
        for size in range(1, len(text) // 2 + 1)
    )


def is_repetitive(password: str) -> bool:
    """True for one character class of few distinct characters, repeats and sequences."""
    lowered = comparable(password)
    if len(set(lowered)) < _MIN_DISTINCT_CHARACTERS or _has_short_period(lowered):
        return True
    # A string of digits alone is a date, a phone number or a PIN: guessable in bulk.
    return lowered.isdigit() or _is_sequence(lowered)


def check_password_policy(password: str, username: str) -> list[PolicyViolation]:
    """Every rule ``password`` breaks for account ``username`` (empty when acceptable)."""
    if len(password) > MAX_LENGTH:
        # Checked first and alone: the other checks must not run on megabytes of input.
        return [PolicyViolation(Violation.TOO_LONG)]
    found: list[Violation] = []
    if len(password) < MIN_LENGTH:
        found.append(Violation.TOO_SHORT)
    if _contains_username(comparable(password), username):
        found.append(Violation.CONTAINS_USERNAME)
    if is_common(password):
        found.append(Violation.COMMON)
    if is_repetitive(password):
        found.append(Violation.REPETITIVE)
    return [PolicyViolation(violation) for violation in found]


def require_strong_password(password: str, username: str) -> None:
    """Raise ``WeakPasswordError`` unless ``password`` satisfies the policy."""
    violations = check_password_policy(password, username)
    if violations:
        raise WeakPasswordError(violations)
