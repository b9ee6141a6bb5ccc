"""Redaction suggestions, computed locally: no text ever leaves the server for this.

``suggest_spans`` finds what most often identifies a person in an Indonesian report: NIP
(the 18-digit civil-servant number, often written 8-6-1-3), NIK (the 16-digit population
number), telephone numbers (+62 / 62 / 0 and 8-13 more digits, with spaces, dots or dashes),
e-mail addresses, and names introduced by a title or form of address (Bapak, Ibu, Pak, Bu,
Sdr., Saudara, Saudari, dr., Drs., Ir., H., Hj.) with the capitalised words that follow.
A name written without such a word is not found: it is marked by hand (``redaction_form.py``).

``phrase_spans`` finds a phrase typed by a person (every occurrence, whatever the case of
its letters), and ``merge_spans`` joins overlapping marks. ``redact`` replaces each span
with a fixed mark, so the redacted text keeps its shape but not the length of what was
removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class SpanKind(StrEnum):
    """What a suggested span is."""

    NIP = "nip"
    NIK = "nik"
    PHONE = "phone"
    EMAIL = "email"
    NAME = "name"
    # Marked by hand on the redaction page (a typed phrase, or a span kept from before).
    MARKED = "marked"


@dataclass(frozen=True)
class Span:
    """A range of a text to redact: ``text[start:end]``."""

    start: int
    end: int
    kind: SpanKind


MARK = "[DIHAPUS]"
_D = r"(?<![\d])"
_E = r"(?![\d])"
_PATTERNS: tuple[tuple[SpanKind, re.Pattern[str]], ...] = (
    (SpanKind.EMAIL, re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    # 18 digits, optionally grouped 8 6 1 3 with spaces or dots.
    (SpanKind.NIP, re.compile(_D + r"\d{8}[ .]?\d{6}[ .]?\d[ .]?\d{3}" + _E)),
    (SpanKind.NIK, re.compile(_D + r"\d{16}" + _E)),
    (SpanKind.PHONE, re.compile(_D + r"(?:\+62|62|0)[ .-]?8(?:[ .-]?\d){7,12}" + _E)),
    # A landline: 0 or +62, an area code of 1-3 digits (021 Jakarta), then 6-8 digits in
    # up to three groups: 021-555-0199, (021) 5550199, +62 21 555 0199.
    (
        SpanKind.PHONE,
        re.compile(
            r"(?:(?<![\w+])\+62[ .-]?|" + _D + r"\(?0)[1-79]\d{0,2}\)?"
            r"[ .-]?\d{3,4}[ .-]?\d{3,4}" + _E
        ),
    ),
    (
        SpanKind.NAME,
        re.compile(
            r"\b(?:Bapak|Ibu|Pak|Bu|Sdr\.?|Saudara|Saudari|dr\.|Drs\.|Dra\.|Ir\.|Hj?\.)"
            r"\s+((?:[A-Z][a-z'\u2019-]+|[A-Z]\.)(?:\s+(?:[A-Z][a-z'\u2019-]+|[A-Z]\.)){0,3})"
        ),
    ),
)


# One person in the report's "who is involved" field: capitalised words (up to four) at the
# start of a comma-, semicolon- or line-separated entry, before its role in parentheses. An
# entry without a role in parentheses ("Kepala Seksi") may be a position, not a name: it is
# not suggested.
_INVOLVED = re.compile(
    r"(?:^|(?<=[,;\n]))[ \t]*"
    r"((?:[A-Z][\w'\u2019.-]*)(?:[ \t]+[A-Z][\w'\u2019.-]*){0,3})"
    r"(?=[ \t]*\()"
)
INVOLVED_FIELD = "who"


def involved_spans(text: str) -> list[Span]:
    """The names listed in the "who is involved" field ("Joko Santoso (Kepala Seksi), Rina
    Wati (bendahara)"): each entry's leading capitalised words."""
    return [Span(m.start(1), m.end(1), SpanKind.NAME) for m in _INVOLVED.finditer(text)]


def suggest_spans(text: str, *, involved: bool = False) -> list[Span]:
    """Likely identifying spans, in order, without overlaps (the earliest, longest wins);
    ``involved`` adds the names of a "who is involved" list."""
    found: list[Span] = involved_spans(text) if involved else []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            group = 1 if kind == SpanKind.NAME else 0
            found.append(Span(match.start(group), match.end(group), kind))
    found.sort(key=lambda span: (span.start, -(span.end - span.start)))
    kept: list[Span] = []
    for span in found:
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def redact(text: str, spans: list[Span] | None = None) -> str:
    """``text`` with each span (by default the suggested ones) replaced by ``MARK``."""
    chosen = suggest_spans(text) if spans is None else sorted(spans, key=lambda s: s.start)
    pieces: list[str] = []
    position = 0
    for span in chosen:
        if span.start < position:
            continue
        pieces.extend((text[position : span.start], MARK))
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


def phrase_spans(text: str, phrase: str) -> list[Span]:
    """Every occurrence of ``phrase`` in ``text``, upper and lower case alike."""
    pattern = re.compile(re.escape(phrase), re.IGNORECASE)
    return [Span(m.start(), m.end(), SpanKind.MARKED) for m in pattern.finditer(text)]


def merge_spans(spans: list[Span]) -> list[Span]:
    """The spans in order, overlapping or touching ones joined into one."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if merged and span.start <= merged[-1].end:
            last = merged[-1]
            if span.end > last.end:
                merged[-1] = Span(last.start, span.end, last.kind)
            continue
        merged.append(span)
    return merged
