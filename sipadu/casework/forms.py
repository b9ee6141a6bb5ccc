"""Forms of the case pages and the inbox query. CSRF is checked globally (Flask-WTF's
CSRFProtect); these only read and bound what was sent; the services validate."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sipadu.cases.kinds import CATEGORIES
from sipadu.cases.statuses import Status
from sipadu.casework.inbox import DUE_FILTERS, PER_PAGE, SORTS, InboxFilters
from sipadu.crypto.casekey import CASE_CODE_PREFIX, CODE_LENGTH
from sipadu.web.buttons import pressed_choice

_MAX_PAGE = 100_000
# Longest text field kept from a form; the services refuse anything over their own limits.
_MAX_FIELD = 40_000


def _field(form: Mapping[str, str], name: str) -> str | None:
    value = form.get(name)
    return value[:_MAX_FIELD] if isinstance(value, str) else None


# The message forms' submit buttons ("kind.message", "kind.note"): each act has its own, and any
# other value, or none, is refused rather than guessed, since a wrong guess would show an
# internal note to the reporter.
MESSAGE_KINDS = {"message": False, "note": True}


@dataclass(frozen=True)
class MessageForm:
    """A message to the reporter, or an internal note (``internal`` is ``None`` when the
    form did not say which, with a missing or unknown button value)."""

    body: str
    internal: bool | None

    @classmethod
    def read(cls, form: Mapping[str, str]) -> MessageForm:
        """Read the submitted form; the pressed button says which act it is."""
        kind = pressed_choice(form, "kind")
        return cls(_field(form, "body") or "", MESSAGE_KINDS.get(kind))


@dataclass(frozen=True)
class StatusForm:
    """A status change with what it may need: reason, outcome (forwarding has its own form)."""

    status: str
    reason: str | None
    outcome: str | None

    @classmethod
    def read(cls, form: Mapping[str, str]) -> StatusForm:
        """Read the submitted form (empty choices become ``None``)."""
        return cls(
            _field(form, "status") or "",
            _field(form, "reason"),
            _field(form, "outcome") or None,
        )


@dataclass(frozen=True)
class ForwardForm:
    """Forwarding: the receiving institution, its reference number, the reason."""

    destination: str | None
    reference: str | None
    reason: str | None

    @classmethod
    def read(cls, form: Mapping[str, str]) -> ForwardForm:
        """Read the submitted form (an empty choice becomes ``None``)."""
        return cls(
            _field(form, "destination") or None, _field(form, "reference"), _field(form, "reason")
        )


@dataclass(frozen=True)
class ForwardOutcomeForm:
    """The receiving institution's outcome and an optional message to the reporter."""

    result: str | None
    message: str | None

    @classmethod
    def read(cls, form: Mapping[str, str]) -> ForwardOutcomeForm:
        """Read the submitted form (an empty choice becomes ``None``)."""
        return cls(_field(form, "forward_result") or None, _field(form, "message"))


@dataclass(frozen=True)
class ObjectionAnswerForm:
    """A supervisor's answer to the reporter's objection, optionally reopening."""

    answer: str
    reopen_to: str | None

    @classmethod
    def read(cls, form: Mapping[str, str]) -> ObjectionAnswerForm:
        """Read the submitted form."""
        return cls(_field(form, "answer") or "", _field(form, "reopen_to") or None)


def username(form: Mapping[str, str]) -> str:
    """The ``username`` field (assignment, conflict marking)."""
    return (_field(form, "username") or "")[:64]


def _page(raw: str | None) -> int:
    try:
        return min(max(1, int(raw or "1")), _MAX_PAGE)
    except ValueError:
        return 1


def _truthy(raw: str | None) -> bool:
    return (raw or "").lower() in ("1", "true", "yes", "on")


_CODE_CHARS = re.compile(r"[^A-Z0-9-]")
_CODE_START = f"{CASE_CODE_PREFIX}-"


def case_code_search(raw: str | None) -> str | None:
    """A case code or its beginning as typed ("spd-7k " -> "SPD-7K"); anything but letters,
    digits and the dash is dropped, and a search of nothing is no filter. The "SPD-" prefix
    may be left out or typed without its dash ("7k3q", "spd7k" -> "SPD-7K3Q", "SPD-7K"); a
    beginning of the prefix itself ("sp") matches every code."""
    cleaned = _CODE_CHARS.sub("", (raw or "")[:32].upper())
    if not cleaned or _CODE_START.startswith(cleaned) or cleaned.startswith(_CODE_START):
        return cleaned or None
    if cleaned.startswith(CASE_CODE_PREFIX):
        cleaned = cleaned[len(CASE_CODE_PREFIX) :]
    return _CODE_START + cleaned.lstrip("-")


def code_of_pasted_key(raw: str | None) -> str | None:
    """The case code when a search holds more than a code (a whole case key pasted in), so
    the inbox can search again by the code alone and the key leaves the address bar; None
    for an ordinary search."""
    code = case_code_search(raw)
    if code is None or not code.startswith(_CODE_START):
        return None
    symbols = code[len(_CODE_START) :].replace("-", "")
    return _CODE_START + symbols[:CODE_LENGTH] if len(symbols) > CODE_LENGTH else None


def inbox_filters(args: Mapping[str, str]) -> InboxFilters:
    """Read the inbox filters from a query string; unknown values are ignored, not errors."""
    status = args.get("status") or None
    category = args.get("category") or None
    due = args.get("due") or None
    sort = args.get("sort") or "received_desc"
    return InboxFilters(
        status=status if status in {s.value for s in Status} else None,
        category=category if category in CATEGORIES else None,
        assigned_to_me=_truthy(args.get("mine")),
        due=due if due in DUE_FILTERS else None,
        replied=_truthy(args.get("replied")),
        objection=_truthy(args.get("objection")),
        code=case_code_search(args.get("q")),
        sort=sort if sort in SORTS else "received_desc",
        page=_page(args.get("page")),
        per_page=PER_PAGE,
    )
