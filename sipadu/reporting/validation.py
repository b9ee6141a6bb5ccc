"""One validator for the report, used by the HTML form and by the JSON API.

It takes plain mappings (form fields or a JSON object) and returns either a clean report or
a ``ReportValidationError`` naming every bad field with a translatable message.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext

from sipadu.cases.kinds import CATEGORIES
from sipadu.reporting.forms import IDENTITY_FIELDS, MAX_SHORT_CHARS, REPORT_TEXT_FIELDS
from sipadu.units.areas import jakarta_areas

_AMOUNT = re.compile(r"^(?:Rp\.?\s*)?\d{1,3}(?:\.?\d{3})*(?:,\d{1,2})?$", re.IGNORECASE)
# Controls other than tab and newlines have no place in a report.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ReportValidationError(ValueError):
    """Some fields are missing or invalid: ``errors`` maps a field name to its message."""

    def __init__(self, errors: Mapping[str, Any]) -> None:
        super().__init__("invalid report: " + ", ".join(sorted(errors)))
        self.errors = dict(errors)


@dataclass(frozen=True)
class ValidReport:
    """A checked report: the document to seal and the optional identity."""

    report: dict[str, object] = field(repr=False)
    identity: dict[str, str] | None = field(repr=False)


def _text(value: object) -> str | None:
    """The value as stripped text, or None when it is not text at all."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return None
    return without_controls(value.replace("\r\n", "\n")).strip()


def without_controls(text: str) -> str:
    """``text`` without the control characters no field may hold (tab and newlines stay)."""
    return _CONTROL.sub("", text)


def kept_values(form: Mapping[str, object]) -> dict[str, str]:
    """What was typed, to show again on a refused form: text only, and without control
    characters (a NUL or an escape must not come back in the page or reach the database)."""
    return {name: without_controls(value) for name, value in form.items() if isinstance(value, str)}


def too_long(limit: int) -> Any:
    """The message for a text over ``limit`` characters."""
    return lazy_gettext("This text is too long (at most %(limit)s characters).", limit=limit)


def clean_text(value: object, limit: int, errors: dict[str, Any], name: str) -> str:
    """Stripped text within ``limit``, or an entry in ``errors``."""
    text = _text(value)
    if text is None:
        errors[name] = lazy_gettext("This field must be text.")
        return ""
    if len(text) > limit:
        errors[name] = too_long(limit)
    return text


def _identity(data: Mapping[str, object], errors: dict[str, Any]) -> dict[str, str] | None:
    raw = data.get("identity")
    if isinstance(raw, Mapping):  # the API's {"identity": {"name", "contact"}}
        values = {"identity_name": raw.get("name"), "identity_contact": raw.get("contact")}
    elif raw is None:
        values = {f.name: data.get(f.name) for f in IDENTITY_FIELDS}
    else:
        errors["identity"] = lazy_gettext(
            "The identity must be an object with a name and a contact."
        )
        return None
    name = clean_text(values["identity_name"], MAX_SHORT_CHARS, errors, "identity_name")
    contact = clean_text(values["identity_contact"], MAX_SHORT_CHARS, errors, "identity_contact")
    return {"name": name, "contact": contact} if name or contact else None


def _location(value: object, errors: dict[str, Any]) -> str:
    """An optional DKI Jakarta area code (kota, kecamatan or kelurahan), never anything finer."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or jakarta_areas().find(value.strip()) is None:
        errors["location"] = lazy_gettext("Choose a place from the list, or leave it empty.")
        return ""
    return value.strip()


def _agency(value: object, agencies: Collection[str], errors: dict[str, Any]) -> str:
    """An optional agency code from the admin's list of those reporters may name."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or value.strip() not in agencies:
        errors["agency"] = lazy_gettext("Choose an agency from the list, or leave it empty.")
        return ""
    return value.strip()


def validate_report(
    data: Mapping[str, object], agencies: Collection[str] = frozenset()
) -> ValidReport:
    """Check a submitted report; raise ``ReportValidationError`` with every problem found.

    ``agencies`` are the codes of the agencies a report may name (the admin's active list)."""
    errors: dict[str, Any] = {}
    category = data.get("category")
    if not category:
        errors["category"] = lazy_gettext("Choose a category.")
    elif category not in CATEGORIES:
        errors["category"] = lazy_gettext("Choose one of the listed categories.")
    report: dict[str, object] = {"category": category}
    for spec in REPORT_TEXT_FIELDS:
        report[spec.name] = clean_text(data.get(spec.name), spec.max_chars, errors, spec.name)
    if not report["what"] and "what" not in errors:
        errors["what"] = lazy_gettext("Describe what happened.")
    amount = str(report["amount"])
    if amount and "amount" not in errors and not _AMOUNT.match(amount):
        errors["amount"] = lazy_gettext(
            "Write the amount in Rupiah with digits, for example 15.000.000."
        )
    location = _location(data.get("location"), errors)
    if location:
        report["location"] = location
    agency = _agency(data.get("agency"), agencies, errors)
    if agency:
        report["agency"] = agency
    identity = _identity(data, errors)
    if errors:
        raise ReportValidationError(errors)
    return ValidReport({k: v for k, v in report.items() if v}, identity)


def validate_text(value: object, limit: int, name: str, missing: Any) -> str:
    """One required text (a message, an objection) or ``ReportValidationError``."""
    errors: dict[str, Any] = {}
    text = clean_text(value, limit, errors, name)
    if not text and not errors:
        errors[name] = missing
    if errors:
        raise ReportValidationError(errors)
    return text
