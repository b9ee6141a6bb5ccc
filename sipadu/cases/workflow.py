"""The case workflow (docs/workflow.md) as data and pure functions.

Statuses and the transitions between them are a table (``RULES``); ``check_transition`` is the
one gate every status change goes through, in the browser and in the API. It knows roles only:
whether *this* investigator is assigned to *this* case (need-to-know, conflicts of interest) is
checked by the caller before it asks.

See docs/workflow.md for the same table with the reasoning.

Supervisors triage: only they accept, refuse, forward, open an investigation, archive and
reopen. Investigators work the cases assigned to them: they may ask the reporter for more
(verifikasi → perlu_dilengkapi), resume verification, and close an investigation with its
outcome. While a case is under investigation, questions to the reporter are messages, not a
status change, so the case never falls back out of ``investigasi``. Admins and auditors change
no status. Every reason is shown to the reporter on the timeline: it is written for them;
internal remarks belong in internal notes. ``diarsipkan`` is final: archived cases are not
reopened (the retention clock runs).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, TypeVar

from flask_babel import lazy_gettext

from sipadu.cases.statuses import (
    CLOSED,
    CLOSURES,
    DESTINATION_LABELS,
    FORWARD_RESULT_LABELS,
    OBJECTABLE,
    OUTCOME_LABELS,
    STATUS_TEXTS,
    Destination,
    ForwardResult,
    Outcome,
    Role,
    Status,
    StatusText,
    is_closed,
)

MAX_TEXT_CHARS = 20_000
MAX_REFERENCE_CHARS = 64
# The receiving body's reference number: one identifier-like token (letters, digits and
# - / . _ :), never free text: with spaces allowed, "Pelapor Budi 0812-…" was accepted and then
# shown on every staff page, so nothing the reporter wrote may end up in it.
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9./_:-]*")
_E = TypeVar("_E", bound=StrEnum)


@dataclass(frozen=True)
class Rule:
    """Who may take one transition and what it needs."""

    roles: frozenset[Role]
    needs_reason: bool = False
    needs_outcome: bool = False
    needs_destination: bool = False
    needs_forward_result: bool = False
    is_reopen: bool = False


_S = Status
_SUP = frozenset({Role.SUPERVISOR})
_STAFF = frozenset({Role.SUPERVISOR, Role.INVESTIGATOR})


def _build_rules() -> dict[tuple[Status, Status], Rule]:
    rules: dict[tuple[Status, Status], Rule] = {
        (_S.DITERIMA, _S.VERIFIKASI): Rule(_SUP),
        (_S.VERIFIKASI, _S.PERLU_DILENGKAPI): Rule(_STAFF, needs_reason=True),
        (_S.VERIFIKASI, _S.TIDAK_DAPAT_DITINDAKLANJUTI): Rule(_SUP, needs_reason=True),
        (_S.VERIFIKASI, _S.DITERUSKAN): Rule(_SUP, needs_reason=True, needs_destination=True),
        (_S.VERIFIKASI, _S.INVESTIGASI): Rule(_SUP),
        (_S.PERLU_DILENGKAPI, _S.VERIFIKASI): Rule(_STAFF | {Role.REPORTER}),
        (_S.INVESTIGASI, _S.SELESAI): Rule(_STAFF, needs_reason=True, needs_outcome=True),
        # The receiving body's outcome closes a forwarded case; the message is optional.
        (_S.DITERUSKAN, _S.SELESAI): Rule(_SUP, needs_forward_result=True),
    }
    for closed in CLOSURES:
        rules[(closed, _S.DIARSIPKAN)] = Rule(_SUP)
    # A forwarded case comes back (the body returned it, or an objection was upheld) the
    # same way a closed one is reopened.
    for decided in OBJECTABLE:
        for reopened in (_S.VERIFIKASI, _S.INVESTIGASI):
            rules[(decided, reopened)] = Rule(_SUP, needs_reason=True, is_reopen=True)
    return rules


RULES: Mapping[tuple[Status, Status], Rule] = _build_rules()


class WorkflowError(Exception):
    """A workflow request was refused; ``message`` is translatable, ``http_status`` a hint."""

    http_status = 400

    def __init__(self, message: Any, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class TransitionNotAllowedError(WorkflowError):
    """The workflow does not allow this change from the current status (HTTP 409)."""

    http_status = 409


class RoleNotPermittedError(TransitionNotAllowedError):
    """The transition exists, but not for this role (HTTP 403)."""

    http_status = 403


class TransitionIncompleteError(WorkflowError):
    """A reason, outcome or destination the transition needs is missing or invalid (422)."""

    http_status = 422


class ObjectionNotAllowedError(WorkflowError):
    """The reporter may not object now: the case is not closed or the objection is used (409)."""

    http_status = 409


@dataclass(frozen=True)
class Transition:
    """A checked status change, ready to be stored, audited and shown on the timeline."""

    source: Status
    target: Status
    role: Role
    reason: str | None = None
    outcome: Outcome | None = None
    destination: Destination | None = None
    is_reopen: bool = False
    reference: str | None = field(default=None, repr=False)
    forward_result: ForwardResult | None = None

    @property
    def closes(self) -> bool:
        """True when this change closes the case (the reporter may then object once)."""
        return self.target in CLOSURES


def _status(value: str, field: str) -> Status:
    try:
        return Status(value)
    except ValueError:
        raise TransitionNotAllowedError(lazy_gettext("Unknown case status."), field=field) from None


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise RoleNotPermittedError(
            lazy_gettext("Your role cannot change the status of a case."), field="role"
        ) from None


def _text(value: str | None, field: str, missing: Any) -> str:
    text = (value or "").strip()
    if not text:
        raise TransitionIncompleteError(missing, field=field)
    if len(text) > MAX_TEXT_CHARS:
        raise TransitionIncompleteError(
            lazy_gettext(
                "The text is too long (at most %(limit)s characters).", limit=MAX_TEXT_CHARS
            ),
            field=field,
        )
    return text


def _choice(kind: type[_E], value: str | None, field: str, missing: Any) -> _E:
    try:
        return kind((value or "").strip())
    except ValueError:
        raise TransitionIncompleteError(missing, field=field) from None


def check_reference(value: str | None) -> str:
    """The receiving body's reference number as typed, if it is one identifier-like token,
    else TransitionIncompleteError (422, field ``reference``)."""
    return _reference(value)


def _reference(value: str | None) -> str:
    text = (value or "").strip()
    if len(text) > MAX_REFERENCE_CHARS or not _REFERENCE.fullmatch(text):
        raise TransitionIncompleteError(
            lazy_gettext(
                "Give the receiving institution's reference number: at most %(limit)s letters, "
                "digits and the signs - / . _ :",
                limit=MAX_REFERENCE_CHARS,
            ),
            field="reference",
        )
    return text


def allowed_targets(current: str, role: str) -> tuple[Status, ...]:
    """The statuses ``role`` may move a case to from ``current`` (for buttons and menus)."""
    return tuple(
        target
        for (source, target), rule in RULES.items()
        if source == current and role in rule.roles
    )


def check_transition(
    current: str,
    target: str,
    role: str,
    *,
    reason: str | None = None,
    outcome: str | None = None,
    destination: str | None = None,
    reference: str | None = None,
    forward_result: str | None = None,
    objection_pending: bool = False,
) -> Transition:
    """Check one status change and return it normalised, or raise a ``WorkflowError``.

    Raises ``TransitionNotAllowedError`` (409) for a change the workflow forbids,
    ``RoleNotPermittedError`` (a subclass, 403) for a change this role may not make, and
    ``TransitionIncompleteError`` (422) when the reason, outcome, destination, reference or
    forward result it needs is missing or invalid. An outcome, destination, reference or
    forward result given to a transition that takes none is dropped.
    """
    source, goal, actor = _status(current, "current"), _status(target, "status"), _role(role)
    rule = RULES.get((source, goal))
    if rule is None:
        raise TransitionNotAllowedError(
            lazy_gettext(
                "A case that is “%(current)s” cannot be moved to “%(target)s”.",
                current=STATUS_TEXTS[source].staff_label,
                target=STATUS_TEXTS[goal].staff_label,
            ),
            field="status",
        )
    if actor not in rule.roles:
        raise RoleNotPermittedError(
            lazy_gettext(
                "Your role may not move a case from “%(current)s” to “%(target)s”.",
                current=STATUS_TEXTS[source].staff_label,
                target=STATUS_TEXTS[goal].staff_label,
            ),
            field="role",
        )
    if goal is _S.DIARSIPKAN and objection_pending:
        raise TransitionNotAllowedError(
            lazy_gettext("The reporter's objection must be answered before the case is archived."),
            field="status",
        )
    forwarding = _forwarding(destination, reference) if rule.needs_destination else {}
    if rule.needs_forward_result:
        forwarding = {
            "forward_result": _choice(
                ForwardResult,
                forward_result,
                "forward_result",
                lazy_gettext("Choose the outcome: handled or not handled by the institution."),
            )
        }
    if (
        forwarding.get("forward_result") is ForwardResult.TIDAK_DITANGANI
        and not (reason or "").strip()
    ):
        # "No wrong door": a reporter whose case the institution did not handle must be told
        # what happens next, not left with a bare "closed".
        raise TransitionIncompleteError(
            lazy_gettext(
                "The institution did not handle the case: tell the reporter what happens next "
                "(the message is required)."
            ),
            field="message",
        )
    return replace(_complete(source, goal, actor, rule, reason, outcome), **forwarding)


def _forwarding(destination: str | None, reference: str | None) -> dict[str, Any]:
    checked = _choice(
        Destination,
        destination,
        "destination",
        lazy_gettext(
            "Choose where the case is forwarded: KPK, APH, Ombudsman, BKD, another OPD "
            "or CRM / SP4N-LAPOR!."
        ),
    )
    return {"destination": checked, "reference": _reference(reference)}


def _complete(
    source: Status,
    goal: Status,
    actor: Role,
    rule: Rule,
    reason: str | None,
    outcome: str | None,
) -> Transition:
    checked_outcome = None
    if rule.needs_outcome:
        checked_outcome = _choice(
            Outcome, outcome, "outcome", lazy_gettext("Choose the outcome: proven or not proven.")
        )
    if rule.needs_reason:
        missing = (
            lazy_gettext("Write the conclusion for the reporter.")
            if rule.needs_outcome
            else lazy_gettext("Give the reason; the reporter will read it.")
        )
        checked_reason: str | None = _text(reason, "reason", missing)
    else:
        # An optional note for the reporter, with the same length limit.
        checked_reason = _text(reason, "reason", None) if (reason or "").strip() else None
    return Transition(source, goal, actor, checked_reason, checked_outcome, None, rule.is_reopen)


def can_object(status: str, objection_used: bool) -> bool:
    """True when the reporter may object: the case was just closed or forwarded and no
    objection was made."""
    return status in OBJECTABLE and not objection_used


def check_objection(status: str, objection_used: bool, text: str | None) -> str:
    """Check the reporter's objection to a closure and return its cleaned text."""
    if objection_used:
        raise ObjectionNotAllowedError(lazy_gettext("You have already objected to this decision."))
    if not can_object(status, objection_used):
        raise ObjectionNotAllowedError(
            lazy_gettext("You can only object to a decision that closed the case.")
        )
    return _text(text, "objection", lazy_gettext("Explain why you object to the decision."))


def check_objection_answer(
    status: str,
    role: str,
    *,
    answer: str | None,
    reopen_to: str | None = None,
) -> Transition | None:
    """Check a supervisor's answer to an objection; with ``reopen_to``, the reopening too.

    Returns the reopening transition (its reason is the answer), or ``None`` when the answer
    keeps the case closed.
    """
    if _role(role) is not Role.SUPERVISOR:
        raise RoleNotPermittedError(
            lazy_gettext("Only a supervisor answers an objection."), field="role"
        )
    if _status(status, "current") not in OBJECTABLE:
        raise ObjectionNotAllowedError(lazy_gettext("There is no open objection on this case."))
    text = _text(answer, "answer", lazy_gettext("Write the answer for the reporter."))
    if reopen_to is None:
        return None
    return check_transition(status, reopen_to, role, reason=text)


__all__ = [
    "CLOSED",
    "CLOSURES",
    "DESTINATION_LABELS",
    "FORWARD_RESULT_LABELS",
    "OBJECTABLE",
    "OUTCOME_LABELS",
    "RULES",
    "STATUS_TEXTS",
    "Destination",
    "ForwardResult",
    "ObjectionNotAllowedError",
    "Outcome",
    "Role",
    "RoleNotPermittedError",
    "Rule",
    "Status",
    "StatusText",
    "Transition",
    "TransitionIncompleteError",
    "TransitionNotAllowedError",
    "WorkflowError",
    "allowed_targets",
    "can_object",
    "check_objection",
    "check_objection_answer",
    "check_transition",
    "is_closed",
]
