"""The report form's fields: names, labels and limits, shared by the page and the API.

Field names are the JSON API's names too, so one validator serves both channels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext

from sipadu.cases.kinds import CATEGORIES

CATEGORY_LABELS: Mapping[str, Any] = {
    "penyalahgunaan_wewenang": lazy_gettext("Abuse of office or authority"),
    "pelanggaran_administratif": lazy_gettext("Administrative violations"),
    "kkn": lazy_gettext("Corruption, collusion and nepotism (KKN)"),
    "pelanggaran_disiplin": lazy_gettext("Breaches of civil-servant discipline"),
    "gratifikasi": lazy_gettext("Gratuities (gratifikasi)"),
    "pungli": lazy_gettext("Illegal levies (pungutan liar)"),
    "lainnya": lazy_gettext("Other misconduct by officials"),
}
assert set(CATEGORY_LABELS) == set(CATEGORIES)  # noqa: S101  (import-time consistency check)

# The hidden field a person never sees (CSS hides it, assistive tech is told to skip it).
HONEYPOT_FIELD = "hp_extra"
MAX_WHAT_CHARS = 20_000
MAX_TEXT_CHARS = 2_000
MAX_SHORT_CHARS = 200
MAX_AMOUNT_CHARS = 30


@dataclass(frozen=True)
class TextField:
    """A free-text field of the report."""

    name: str
    label: Any
    max_chars: int
    multiline: bool = False
    hint: Any = None


REPORT_TEXT_FIELDS: tuple[TextField, ...] = (
    TextField(
        "what",
        lazy_gettext("What happened? (required)"),
        MAX_WHAT_CHARS,
        True,
        lazy_gettext("Describe the events in the order they happened."),
    ),
    TextField(
        "who",
        lazy_gettext("Who is involved? (name, position, office or unit)"),
        MAX_TEXT_CHARS,
        True,
    ),
    TextField(
        "where", lazy_gettext("Where did it happen? (office, unit or place)"), MAX_TEXT_CHARS
    ),
    TextField("when", lazy_gettext("When did it happen? (a date or a period)"), MAX_SHORT_CHARS),
    TextField("how", lazy_gettext("How was it done?"), MAX_TEXT_CHARS, True),
    TextField(
        "amount",
        lazy_gettext("Estimated loss or amount, in Rupiah"),
        MAX_AMOUNT_CHARS,
        False,
        lazy_gettext("Digits only, dots allowed, for example 15.000.000."),
    ),
    TextField(
        "source_of_knowledge", lazy_gettext("How do you know about it?"), MAX_TEXT_CHARS, True
    ),
    TextField(
        "reported_elsewhere",
        lazy_gettext("Have you reported this elsewhere? Where and when?"),
        MAX_TEXT_CHARS,
        True,
    ),
)
IDENTITY_FIELDS: tuple[TextField, ...] = (
    TextField("identity_name", lazy_gettext("Your name"), MAX_SHORT_CHARS),
    TextField(
        "identity_contact",
        lazy_gettext("How to contact you (telephone or e-mail)"),
        MAX_SHORT_CHARS,
    ),
)
