"""Helpers shared by the form fuzzers: hostile field values, raw form bodies, row counts."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote_from_bytes

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import strategies as st
from sqlalchemy import func, select

from sipadu.cases.models import Attachment, Case, CaseMessage, TimelineEntry
from sipadu.db import db_session

# Lengths straddling every limit of the forms (200, 2 000, 20 000 characters) and far past.
_HUGE_LENGTHS = (199, 201, 2_001, 20_001, 120_000)
_texts = st.one_of(
    st.text(max_size=40),  # any unicode (no lone surrogates: a browser cannot send them)
    st.text(st.characters(max_codepoint=0x1F), max_size=12),  # NUL and control characters
    st.text(st.characters(categories=["Zs", "Cf", "Mn", "So"]), max_size=12),  # odd spaces
    st.builds(
        lambda char, n: char * n,
        st.sampled_from(["x", "é", "\x00", "\u202e", "😀"]),
        st.sampled_from(_HUGE_LENGTHS),
    ),
    st.sampled_from(
        [
            "",
            " ",
            "\r\n",
            "0",
            "-1",
            "true",
            "null",
            "[]",
            "{}",
            "1e999",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "../../etc/passwd",
        ]
    ),
)
# Wrong types in a form are bytes that are not UTF-8 (a form carries nothing else).
_raw = st.one_of(
    _texts.map(lambda text: text.encode("utf-8")),
    st.binary(max_size=24),
    st.just(b"\xff\xfe\x00\xc0\xaf"),
)
# One value, or the field repeated two or three times.
field_values = st.one_of(_raw.map(lambda value: [value]), st.lists(_raw, min_size=2, max_size=3))


def form_strategy(
    names: Sequence[str],
    base: Mapping[str, str] | None = None,
) -> st.SearchStrategy[dict[str, list[bytes]]]:
    """Arbitrary values for some of ``names`` over a valid ``base`` (so that accepted input
    is reached too) plus, sometimes, a field nobody expects."""
    valid = {name: [value.encode("utf-8")] for name, value in (base or {}).items()}
    known = st.fixed_dictionaries({}, optional={name: field_values for name in names})
    extra = st.dictionaries(
        st.sampled_from(["unexpected", "category[]", "what\x00", "é"]), field_values, max_size=1
    )
    return st.builds(lambda a, b: {**valid, **b, **a}, known, extra)


def encode_form(csrf: str, fields: dict[str, list[bytes]]) -> bytes:
    """An urlencoded body with the CSRF token first, keeping repeats and raw bytes."""
    pairs = [(b"csrf_token", csrf.encode())]
    pairs += [(name.encode("utf-8"), value) for name, values in fields.items() for value in values]
    return b"&".join(
        quote_from_bytes(k).encode() + b"=" + quote_from_bytes(v).encode() for k, v in pairs
    )


def post_form(client: FlaskClient, path: str, csrf: str, fields: dict[str, list[bytes]]) -> int:
    """Post ``fields`` like a browser would (urlencoded) and return the status code."""
    response = client.post(
        path, data=encode_form(csrf, fields), content_type="application/x-www-form-urlencoded"
    )
    return response.status_code


@dataclass(frozen=True)
class Counts:
    """Rows that hold reporter content."""

    cases: int
    messages: int
    timeline: int
    attachments: int
    identities: str


def counts(app: Flask) -> Counts:
    """Count the content rows (and fingerprint the sealed identities) in the database."""
    with app.app_context():
        db = db_session()

        def count(model: type) -> int:
            return int(db.scalar(select(func.count()).select_from(model)) or 0)

        sealed = db.scalars(select(Case.identity_sealed).order_by(Case.id))
        identities = hashlib.sha256(b"|".join(s or b"-" for s in sealed)).hexdigest()
        return Counts(
            count(Case), count(CaseMessage), count(TimelineEntry), count(Attachment), identities
        )
