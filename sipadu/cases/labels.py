"""Words, not keys: the one place a case's stored values get the labels staff read.

Categories, report fields, statuses, outcomes, destinations and deadline names are stored as
short keys (``penyalahgunaan_wewenang``, ``source_of_knowledge``); every staff page, the
statistics and the exports show these labels instead, in the visitor's language (English
msgids, Indonesian in the catalog). A value without a label (a field added later, a record
from an older version) is shown as it is rather than failing the page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_babel import format_decimal, lazy_gettext

from sipadu.cases.deadlines import KIND_LABELS, STATE_LABELS
from sipadu.cases.kinds import Category, IntakeChannel
from sipadu.cases.statuses import DESTINATION_LABELS, OUTCOME_LABELS, STATUS_TEXTS
from sipadu.units.areas import jakarta_areas

# The same words as the reporter's form (reporting/forms.py uses these msgids too).
CATEGORY_LABELS: Mapping[str, Any] = {
    Category.PENYALAHGUNAAN_WEWENANG: lazy_gettext("Abuse of office or authority"),
    Category.PELANGGARAN_ADMINISTRATIF: lazy_gettext("Administrative violations"),
    Category.KKN: lazy_gettext("Corruption, collusion and nepotism (KKN)"),
    Category.PELANGGARAN_DISIPLIN: lazy_gettext("Breaches of civil-servant discipline"),
    Category.GRATIFIKASI: lazy_gettext("Gratuities (gratifikasi)"),
    Category.PUNGLI: lazy_gettext("Illegal levies (pungutan liar)"),
    Category.LAINNYA: lazy_gettext("Other misconduct by officials"),
}

# Short headings for the sealed report's keys, as staff read them on the case page (the
# reporter's form asks longer questions). Every report field needs one:
# tests/casework/test_labels.py compares these with the form's field list.
REPORT_FIELD_LABELS: Mapping[str, Any] = {
    "category": lazy_gettext("Category"),
    "what": lazy_gettext("What happened"),
    "who": lazy_gettext("Who is involved"),
    "where": lazy_gettext("Where it happened"),
    "when": lazy_gettext("When it happened"),
    "how": lazy_gettext("How it was done"),
    "amount": lazy_gettext("Estimated loss or amount (Rupiah)"),
    "source_of_knowledge": lazy_gettext("How the reporter knows"),
    "reported_elsewhere": lazy_gettext("Reported elsewhere"),
    "location": lazy_gettext("Where in DKI Jakarta"),
    "agency": lazy_gettext("Agency reported"),
}
# How a report filed by an intake officer reached the Inspektorat: the officer's form offers
# these words, and the case page shows them.
CHANNEL_LABELS: Mapping[str, Any] = {
    IntakeChannel.LOKET_INSPEKTORAT: lazy_gettext("In person at the Inspektorat's counter"),
    IntakeChannel.BALAI_KOTA: lazy_gettext("In person at the Balai Kota"),
    IntakeChannel.KANTOR_WALIKOTA: lazy_gettext("In person at a kantor wali kota or bupati"),
    IntakeChannel.KANTOR_KECAMATAN: lazy_gettext("In person at a kantor kecamatan"),
    IntakeChannel.KANTOR_KELURAHAN: lazy_gettext("In person at a kantor kelurahan"),
    IntakeChannel.SURAT: lazy_gettext("Letter"),
    IntakeChannel.TELEPON: lazy_gettext("Telephone call"),
    IntakeChannel.EMAIL: lazy_gettext("E-mail"),
    IntakeChannel.PESAN: lazy_gettext("SMS or chat message"),
    IntakeChannel.MEDIA_SOSIAL: lazy_gettext("Referral from social media"),
}
assert set(CHANNEL_LABELS) == set(IntakeChannel)  # noqa: S101  (import-time consistency check)
STAFF_STATUS_LABELS: Mapping[str, Any] = {
    status.value: texts.staff_label for status, texts in STATUS_TEXTS.items()
}


def _label(labels: Mapping[Any, Any], value: object) -> str:
    label = labels.get(str(value)) if value is not None else None
    return "" if value is None else str(value) if label is None else str(label)


def category_label(value: object) -> str:
    """The category's name in the visitor's language."""
    return _label(CATEGORY_LABELS, value)


def report_field_label(key: object) -> str:
    """The heading of one field of the sealed report."""
    return _label(REPORT_FIELD_LABELS, key)


# What the report form accepts as an amount ("15000000", "15.000.000", "Rp 15.000.000,50").
_AMOUNT = re.compile(r"^\s*(?:Rp\.?\s*)?(\d{1,3}(?:\.?\d{3})*)(?:,(\d{1,2}))?\s*$", re.IGNORECASE)


def rupiah(value: object) -> str:
    """An amount as Indonesian Rupiah, "2000000" -> "Rp 2.000.000" (sen kept: "Rp 1.500,50").

    The same form on the English pages: the figure is a Rupiah amount quoted into Indonesian
    letters and reports, and "2,000" on one page and "2.000" on another would read as two
    different sums. Text that is no amount (an older record) is shown as it was written."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        value = f"{value:.2f}".replace(".", ",").removesuffix(",00")  # sent by a channel's API
    text = "" if value is None else str(value)
    match = _AMOUNT.match(text)
    if match is None:
        return text
    whole = f"{int(match.group(1).replace('.', '')):,}".replace(",", ".")
    return f"Rp {whole}" + (f",{match.group(2)}" if match.group(2) else "")


def report_value(key: object, value: object) -> str:
    """A report field's value as staff read it (the category by its name, the amount in
    Rupiah)."""
    if key == "category":
        return category_label(value)
    if key == "amount":
        return rupiah(value)
    return "" if value is None else str(value)


def place_or_agency(key: str, value: object, agencies: Mapping[str, str]) -> object:
    """A report value as staff read it: a place or an agency by its names, never its code
    (``agencies`` maps agency codes to names); other values as they are."""
    if key == "location" and isinstance(value, str):
        return jakarta_areas().describe(value) or value
    if key == "agency" and isinstance(value, str):
        return agencies.get(value, value)
    return value


def channel_label(value: object) -> str:
    """How a report filed by an intake officer reached the Inspektorat (counter, letter...)."""
    return _label(CHANNEL_LABELS, value)


def status_label(value: object) -> str:
    """The status's short working label for staff."""
    return _label(STAFF_STATUS_LABELS, value)


def outcome_label(value: object) -> str:
    """The outcome of an investigation (proven, not proven)."""
    return _label(OUTCOME_LABELS, value)


def destination_label(value: object) -> str:
    """Where a case was forwarded."""
    return _label(DESTINATION_LABELS, value)


def deadline_label(value: object) -> str:
    """The name of a deadline kind (acknowledge, verification, ...)."""
    return _label(KIND_LABELS, value)


def deadline_state_label(value: object) -> str:
    """A deadline's state (on track, due soon, overdue, done)."""
    return _label(STATE_LABELS, value)


def file_size_label(size: object) -> str:
    """A file's size as people read it: "850 B", "12 KB", "3,4 MB" (decimal units, with the
    visitor's decimal separator)."""
    count = int(size) if isinstance(size, int | str) and str(size).isdigit() else 0
    if count < 1000:
        return f"{count} B"
    if count < 1_000_000:
        return f"{format_decimal(round(count / 1000))} KB"
    return f"{format_decimal(round(count / 1_000_000, 1))} MB"


LABEL_FILTERS = {
    "category_label": category_label,
    "report_field_label": report_field_label,
    "report_value": report_value,
    "status_label": status_label,
    "channel_label": channel_label,
    "outcome_label": outcome_label,
    "destination_label": destination_label,
    "deadline_label": deadline_label,
    "deadline_state_label": deadline_state_label,
    "file_size": file_size_label,
}


def register_label_filters(app: Flask) -> None:
    """Make the labels available to every template as filters (``case.category|category_label``)."""
    app.jinja_env.filters.update(LABEL_FILTERS)
