"""The audit log in words: actors by username, tags, outcomes and details by their labels.

The stored row keeps its keys (``staff:4``, ``case:status_changed``, ``{"to": "selesai"}``):
the hash chain covers them and filters match them. The console and the CSV export show what
they mean: "budi", "Case status changed", "To: Completed".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.audit.actors import Actor, staff_actor
from sipadu.audit.models import AuditEvent
from sipadu.audit.tags import outcome_label, tag_label
from sipadu.cases.kinds import GrantReason
from sipadu.cases.labels import (
    CHANNEL_LABELS,
    category_label,
    destination_label,
    status_label,
)
from sipadu.cases.labels import (
    outcome_label as case_outcome_label,
)
from sipadu.channels.models import Channel
from sipadu.confidential.labels import REASON_LABELS, VIEW_LABELS
from sipadu.units.agencies import list_agencies
from sipadu.units.areas import jakarta_areas
from sipadu.units.service import unit_names
from sipadu.web.i18n import role_label

ACTOR_LABELS: Mapping[str, Any] = {
    Actor.REPORTER: lazy_gettext("Reporter"),
    Actor.SYSTEM: lazy_gettext("System"),
    Actor.CLI: lazy_gettext("Operator (command line)"),
}
DETAIL_LABELS: Mapping[str, Any] = {
    "attachment": lazy_gettext("Attachment"),
    "by": lazy_gettext("By"),
    "cases": lazy_gettext("Cases"),
    "category": lazy_gettext("Category"),
    "destination": lazy_gettext("Forwarded to"),
    "events": lazy_gettext("Events"),
    "from": lazy_gettext("From"),
    "grants_removed": lazy_gettext("Case accesses removed"),
    "outcome": lazy_gettext("Outcome"),
    "reason": lazy_gettext("Reason"),
    "role": lazy_gettext("Role"),
    "setup": lazy_gettext("Setup"),
    "staff_id": lazy_gettext("Staff member"),
    "status": lazy_gettext("Status"),
    "target": lazy_gettext("Staff member"),
    "text": lazy_gettext("Text"),
    "to": lazy_gettext("To"),
    "until": lazy_gettext("Until"),
    "account": lazy_gettext("Channel account"),
    "active": lazy_gettext("Offered to reporters"),
    "agency": lazy_gettext("Agency"),
    "attempts": lazy_gettext("Attempts"),
    "channel": lazy_gettext("Channel"),
    "digest": lazy_gettext("SHA-256"),
    "granted": lazy_gettext("Case accesses granted"),
    "grantee": lazy_gettext("Staff member"),
    "head": lazy_gettext("Head unit"),
    "key_returned": lazy_gettext("Case key returned"),
    "kota": lazy_gettext("Kota or kabupaten"),
    "moved": lazy_gettext("Case moved"),
    "reopened_to": lazy_gettext("Reopened to"),
    "request": lazy_gettext("Request no."),
    "requester": lazy_gettext("Requested by"),
    "revoked": lazy_gettext("Case accesses removed"),
    "staff": lazy_gettext("Staff member"),
    "unit": lazy_gettext("Unit"),
    "view": lazy_gettext("Export"),
}
_STAFF_KEYS = frozenset({"target", "staff_id", "grantee", "staff", "requester"})
# Why a grant, a refusal or a four-eyes request happened.
REASON_WORDS: Mapping[str, Any] = {
    GrantReason.SUPERVISOR: lazy_gettext("Supervisor of the case's unit"),
    GrantReason.ASSIGNMENT: lazy_gettext("Assignment"),
    GrantReason.RECOVERY: lazy_gettext("Recovered from the escrow key"),
    "revoked": lazy_gettext("The channel account is revoked"),
    "wrong_secret": lazy_gettext("Wrong token secret"),
    **{str(reason): label for reason, label in REASON_LABELS.items()},
}
# The doors a report came through: a channel's system, or an intake officer's counter.
CHANNEL_WORDS: Mapping[str, Any] = {
    Channel.JAKI: "JAKI",
    Channel.LAPOR: "SP4N-LAPOR!",
    Channel.CRM: "CRM",
    Channel.EMAIL: lazy_gettext("E-mail"),
    Channel.OTHER: lazy_gettext("Another channel"),
    "web": lazy_gettext("The online report form"),
    **CHANNEL_LABELS,
}
NONE_WORD = lazy_gettext("None")
YES_WORD, NO_WORD = lazy_gettext("Yes"), lazy_gettext("No")


@dataclass(frozen=True)
class Names:
    """What the words of a page of events need from the database: usernames by actor
    (``staff:<id>``), unit names and agency names by code."""

    staff: Mapping[str, str]
    units: Mapping[str, str] = field(default_factory=dict)
    agencies: Mapping[str, str] = field(default_factory=dict)


def names_for(db: Session, staff: Mapping[str, str]) -> Names:
    """The usernames given, with every unit's and agency's name (short lists)."""
    agencies = {agency.code: agency.shown_name for agency in list_agencies(db)}
    return Names(staff, unit_names(db), agencies)


@dataclass(frozen=True)
class EventWords:
    """One audit row as people read it."""

    tag: str
    actor: str
    outcome: str
    detail: list[tuple[str, str]]


def staff_names(db: Session, actors: Iterable[str]) -> dict[str, str]:
    """``staff:<id>`` -> username for the staff actors given (one query)."""
    ids = {int(a.split(":", 1)[1]) for a in actors if a.startswith("staff:") and a[6:].isdigit()}
    if not ids:
        return {}
    rows = db.execute(
        select(StaffAccount.id, StaffAccount.username).where(StaffAccount.id.in_(ids))
    )
    return {staff_actor(staff_id): username for staff_id, username in rows}


def actor_label(actor: str, names: Mapping[str, str]) -> str:
    """A username, "Reporter", "System", or a deleted account's plain number."""
    if actor in names:
        return names[actor]
    label = ACTOR_LABELS.get(actor)
    if label is not None:
        return str(label)
    if actor.startswith("staff:"):
        return str(lazy_gettext("Staff account no. %(id)s", id=actor[6:]))
    return actor


def _words(labels: Mapping[str, Any]) -> Callable[[str, Names], str]:
    return lambda text, _names: str(labels.get(text, text))


def _unit(text: str, names: Names) -> str:
    return names.units.get(text, text)


# How each detail key's value is read (a key not here is shown as stored).
_READERS: Mapping[str, Callable[[str, Names], str]] = {
    **{key: lambda text, names: actor_label(staff_actor(text), names.staff) for key in _STAFF_KEYS},
    **{key: lambda text, _names: status_label(text) for key in ("from", "to", "status")},
    "reopened_to": lambda text, _names: status_label(text),
    "category": lambda text, _names: category_label(text),
    "role": lambda text, _names: role_label(text),
    "outcome": lambda text, _names: case_outcome_label(text),
    "destination": lambda text, _names: destination_label(text),
    "by": lambda text, names: actor_label(text, names.staff),
    "unit": _unit,
    "agency": lambda text, names: names.agencies.get(text, text),
    "kota": lambda text, _names: jakarta_areas().describe(text) or text,
    "reason": _words(REASON_WORDS),
    "channel": _words(CHANNEL_WORDS),
    "view": _words({str(view): label for view, label in VIEW_LABELS.items()}),
}
# Tags whose ``from``/``to`` name units, not statuses.
_UNIT_MOVES = frozenset({"case:routed"})


def _value(tag: str, key: str, value: object, names: Names) -> str:
    if value is None:
        return str(NONE_WORD)
    if isinstance(value, bool):
        return str(YES_WORD if value else NO_WORD)
    if tag in _UNIT_MOVES and key in ("from", "to"):
        return _unit(str(value), names)
    reader = _READERS.get(key)
    return str(value) if reader is None else reader(str(value), names)


def detail_words(tag: str, detail: str, names: Names) -> list[tuple[str, str]]:
    """The detail JSON as (label, value) pairs; a detail that is not an object is kept whole."""
    try:
        parsed = json.loads(detail or "{}")
    except ValueError:
        return [("", detail)]
    if not isinstance(parsed, dict):
        return [("", detail)]
    return [
        (str(DETAIL_LABELS.get(key, key)), _value(tag, key, value, names))
        for key, value in parsed.items()
    ]


def detail_staff_actors(events: Iterable[AuditEvent]) -> set[str]:
    """Every staff member an event names, as actor or in its detail."""
    found: set[str] = set()
    for event in events:
        found.add(event.actor)
        try:
            parsed = json.loads(event.detail or "{}")
        except ValueError:
            continue
        if isinstance(parsed, dict):
            found.update(staff_actor(str(parsed[k])) for k in _STAFF_KEYS if k in parsed)
    return found


def event_words(event: AuditEvent, names: Names) -> EventWords:
    """One row's tag, actor, outcome and detail in words."""
    return EventWords(
        tag_label(event.tag),
        actor_label(event.actor, names.staff),
        outcome_label(event.outcome),
        detail_words(event.tag, event.detail, names),
    )


def words_for(db: Session, events: list[AuditEvent]) -> list[EventWords]:
    """The words of a page of events, with the usernames they need read in one query."""
    names = names_for(db, staff_names(db, detail_staff_actors(events)))
    return [event_words(event, names) for event in events]
