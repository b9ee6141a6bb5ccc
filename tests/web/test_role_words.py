"""One word per role: the Indonesian UI says verifikator, pemeriksa, administrator, auditor
(docs/architecture.md, glossary) and never the retired words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask

from sipadu.resources import PACKAGE_DIR
from sipadu.web.i18n import role_label

ROOT = Path(__file__).resolve().parents[2]
CATALOG = PACKAGE_DIR / "translations" / "id" / "LC_MESSAGES" / "messages.po"
RETIRED = re.compile(
    r"\b(supervisor\w*|penyelia|investigator\w*|penyelidik|penyidik|admin|pengelola)\b"
    r"|antarsupervisor",
    re.IGNORECASE,
)
# Jinja code and expressions: what is left is the templates' literal text.
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_TAG_ATTRIBUTES = re.compile(r"<[^>]*>")


def _indonesian_strings() -> list[str]:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    texts: list[str] = []
    for message in catalog:
        string = message.string
        strings = [string] if isinstance(string, str) else list(string or ())
        texts.extend(str(text) for text in strings if text)
    return texts


def test_the_indonesian_catalog_uses_no_retired_role_word() -> None:
    found = [text for text in _indonesian_strings() if RETIRED.search(text)]
    assert found == []


def test_the_scan_finds_a_retired_word() -> None:
    assert RETIRED.search("Hanya supervisor yang boleh") is not None
    assert RETIRED.search("antarsupervisor") is not None
    assert RETIRED.search("Hanya verifikator yang boleh") is None


def test_templates_have_no_role_word_outside_translated_strings() -> None:
    templates = sorted((ROOT / "templates").rglob("*.html"))
    assert templates
    for path in templates:
        literal = _TAG_ATTRIBUTES.sub(" ", _JINJA.sub(" ", path.read_text()))
        assert RETIRED.search(literal) is None, path


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("id", ["Administrator", "Verifikator", "Pemeriksa", "Auditor", "Petugas penerima"]),
        ("en", ["Administrator", "Supervisor", "Investigator", "Auditor", "Intake officer"]),
    ],
)
def test_each_role_has_one_word_per_language(app: Flask, locale: str, expected: list[str]) -> None:
    from flask_babel import force_locale

    with app.test_request_context(), force_locale(locale):
        roles = ("admin", "supervisor", "investigator", "auditor", "intake_officer")
        words = [role_label(role) for role in roles]
    assert words == expected
