"""The redaction page's form, which works without JavaScript, and reading what it posts.

Each text is shown with its candidate spans as checkboxes (value ``key:start:end``): the
spans saved before, and the local suggestions (``redaction.suggest_spans``), ticked as long
as nobody has saved marks for that text. A box takes phrases typed by hand, one per line:
every occurrence in every text is marked, upper and lower case alike. Each text's key is
posted back in a hidden ``text`` field, so the marks record which texts were reviewed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext

from sipadu.confidential.redaction import (
    INVOLVED_FIELD,
    Span,
    SpanKind,
    merge_spans,
    phrase_spans,
    suggest_spans,
)
from sipadu.confidential.redaction_texts import Marks, RedactableText, Redactor

MAX_PHRASES = 20
MAX_PHRASE_CHARS = 200
# Shorter phrases would mark parts of most words.
MIN_PHRASE_CHARS = 3
MAX_MARK_VALUES = 5000

STALE_TEXT = lazy_gettext(
    "The texts changed since the page was opened, or the form was altered. Nothing was "
    "saved: open the redaction page again."
)
NOT_FOUND_TEXT = lazy_gettext(
    "A phrase you typed does not occur in any text of this case. Nothing was saved: copy it "
    "exactly from the text."
)
PHRASE_LIMITS_TEXT = lazy_gettext(
    "Type at most 20 phrases, one per line, each 3 to 200 characters long. Nothing was saved."
)


class RedactionFormError(ValueError):
    """What the form posted cannot be saved; ``message`` says why (never a text)."""

    def __init__(self, message: Any) -> None:
        super().__init__("redaction form refused")
        self.message = message


@dataclass(frozen=True)
class MarkOption:
    """One checkbox: a span of a text, ticked or not."""

    value: str
    shown: str
    kind: str
    ticked: bool


@dataclass(frozen=True)
class TextBlock:
    """One text on the page: its pieces (marked or not) and its checkboxes."""

    item: RedactableText
    segments: tuple[tuple[str, bool], ...]
    options: tuple[MarkOption, ...]


def option_value(key: str, span: Span) -> str:
    """What a checkbox posts for ``span`` of the text ``key``."""
    return f"{key}:{span.start}:{span.end}"


def _segments(text: str, spans: list[Span]) -> tuple[tuple[str, bool], ...]:
    pieces: list[tuple[str, bool]] = []
    position = 0
    for span in merge_spans(spans):
        if span.start > position:
            pieces.append((text[position : span.start], False))
        pieces.append((text[span.start : span.end], True))
        position = span.end
    if position < len(text):
        pieces.append((text[position:], False))
    return tuple(pieces)


def _block(
    item: RedactableText, saved: tuple[Span, ...] | None, ticked: set[str] | None
) -> TextBlock:
    candidates: dict[tuple[int, int], Span] = {}
    involved = item.source == "report" and item.label == INVOLVED_FIELD
    # Suggestions first: a saved mark at a suggested place keeps its suggested kind (saving
    # stores only where marks are, not why).
    for span in [*suggest_spans(item.text, involved=involved), *(saved or ())]:
        candidates.setdefault((span.start, span.end), span)
    kept = {(s.start, s.end) for s in saved or ()}
    options, chosen = [], []
    for where, span in sorted(candidates.items()):
        value = option_value(item.key, span)
        # A refused post keeps its ticks; else saved marks decide, and a text nobody
        # reviewed starts with every suggestion ticked.
        on = value in ticked if ticked is not None else saved is None or where in kept
        options.append(MarkOption(value, item.text[span.start : span.end], span.kind, on))
        if on:
            chosen.append(span)
    return TextBlock(item, _segments(item.text, chosen), tuple(options))


def text_blocks(
    texts: list[RedactableText], basis: Marks | None, ticked: set[str] | None = None
) -> list[TextBlock]:
    """The page's blocks: ticks from ``basis`` (the draft, else the published marks), the
    suggestions for a text never reviewed, or exactly ``ticked`` (a refused post shown
    again)."""
    return [_block(item, None if basis is None else basis.get(item.key), ticked) for item in texts]


def preview(texts: list[RedactableText], marks: Marks) -> list[tuple[RedactableText, str]]:
    """Each text as a redacted export would show it with these marks."""
    redactor = Redactor(marks, frozenset())
    return [(item, redactor(item.text)) for item in texts]


def _span(value: str, current: dict[str, RedactableText], reviewed: set[str]) -> tuple[str, Span]:
    try:
        key, raw_start, raw_end = value.split(":")
        start, end = int(raw_start), int(raw_end)
    except ValueError:
        raise RedactionFormError(STALE_TEXT) from None
    if key not in reviewed or not 0 <= start < end <= len(current[key].text):
        raise RedactionFormError(STALE_TEXT)
    return key, Span(start, end, SpanKind.MARKED)


def typed_phrases(raw: str) -> list[str]:
    """The phrases typed by hand, one per line; limits as ``PHRASE_LIMITS_TEXT`` says."""
    phrases = [line.strip() for line in raw.splitlines() if line.strip()]
    too_long_or_short = any(not MIN_PHRASE_CHARS <= len(p) <= MAX_PHRASE_CHARS for p in phrases)
    if len(phrases) > MAX_PHRASES or too_long_or_short:
        raise RedactionFormError(PHRASE_LIMITS_TEXT)
    return phrases


def parse_marks(
    texts: list[RedactableText], keys: list[str], values: list[str], raw_phrases: str
) -> dict[str, tuple[Span, ...]]:
    """The marks a post asks for: the ticked spans and every occurrence of each phrase in
    the reviewed texts (posted ``keys`` still in the case)."""
    current = {item.key: item for item in texts}
    reviewed = {key for key in keys if key in current}
    if len(values) > MAX_MARK_VALUES or not reviewed:
        raise RedactionFormError(STALE_TEXT)
    spans: dict[str, list[Span]] = {key: [] for key in reviewed}
    for value in values:
        key, span = _span(value, current, reviewed)
        spans[key].append(span)
    for phrase in typed_phrases(raw_phrases):
        hits = [(key, phrase_spans(current[key].text, phrase)) for key in reviewed]
        if not any(found for _key, found in hits):
            raise RedactionFormError(NOT_FOUND_TEXT)
        for key, found in hits:
            spans[key].extend(found)
    return {key: tuple(merge_spans(found)) for key, found in spans.items()}
