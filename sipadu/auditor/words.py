"""The audit log in words: actors by username, tags, outcomes and details by their labels.

The stored row keeps its keys (``staff:4``, ``case:status_changed``, ``{"to": "selesai"}``):
the hash chain covers them and filters match them. The console and the CSV export show what
they mean: "budi", "Case status changed", "To: Completed".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.audit.actors import Actor, staff_actor
from sipadu.audit.models import AuditEvent
from sipadu.audit.tags import outcome_label, tag_label
from sipadu.cases.labels import (
    category_label,
    destination_label,
    status_label,
)
from sipadu.cases.labels import (
    outcome_label as case_outcome_label,
)
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
}
_STAFF_KEYS = frozenset({"target", "staff_id"})


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


def _value(key: str, value: object, names: Mapping[str, str]) -> str:
    text = str(value)
    if key in _STAFF_KEYS:
        return actor_label(staff_actor(text), names)
    if key in ("from", "to", "status"):
        return status_label(text)
    if key == "category":
        return category_label(text)
    if key == "role":
        return role_label(text)
    if key == "outcome":
        return case_outcome_label(text)
    if key == "destination":
        return destination_label(text)
    if key == "by":
        return actor_label(text, names)
    return text


def detail_words(detail: str, names: Mapping[str, str]) -> list[tuple[str, str]]:
    """The detail JSON as (label, value) pairs; a detail that is not an object is kept whole."""
    try:
        parsed = json.loads(detail or "{}")
    except ValueError:
        return [("", detail)]
    if not isinstance(parsed, dict):
        return [("", detail)]
    return [
        (str(DETAIL_LABELS.get(key, key)), _value(key, value, names))
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


def event_words(event: AuditEvent, names: Mapping[str, str]) -> EventWords:
    """One row's tag, actor, outcome and detail in words."""
    return EventWords(
        tag_label(event.tag),
        actor_label(event.actor, names),
        outcome_label(event.outcome),
        detail_words(event.detail, names),
    )


def words_for(db: Session, events: list[AuditEvent]) -> list[EventWords]:
    """The words of a page of events, with the usernames they need read in one query."""
    names = staff_names(db, detail_staff_actors(events))
    return [event_words(event, names) for event in events]
