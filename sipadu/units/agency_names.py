"""The shipped agencies whose names are descriptions, not proper names, in the page's language.

"Dinas Bina Marga" is a name and reads the same in English; "Kantor kelurahan" describes an
office and would be the one Indonesian phrase on an English page. The stored name stays the
admin's (renamed, it is shown as written); only the shipped wording is translated here.
"""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_babel.speaklater import LazyString

# The stored Indonesian name → its English msgid (whose Indonesian translation is that name).
DESCRIBED_AGENCIES: dict[str, LazyString] = {
    "Kantor kelurahan": lazy_gettext("Kelurahan office"),
    "Kantor kecamatan": lazy_gettext("Kecamatan office"),
    "Kantor wali kota / bupati": lazy_gettext("Mayor's or regent's office"),
    "Sekolah negeri (SD, SMP, SMA, SMK)": lazy_gettext("State school (SD, SMP, SMA, SMK)"),
    "Rumah Sakit Umum Daerah (RSUD)": lazy_gettext("Regional public hospital (RSUD)"),
}


def agency_shown_name(name: str) -> str:
    """``name`` as a reader of the page's language reads it."""
    described = DESCRIBED_AGENCIES.get(name)
    return str(described) if described is not None else name
