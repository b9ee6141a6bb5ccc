"""Forwarding that hands off: a forwarded case names the receiving institution and keeps its
reference number sealed under the case DEK (staff read it; it never reaches logs, the audit
log or the reporter), and waits until a supervisor records the institution's outcome.

See docs/workflow.md ("Forwarding") for why a forwarded case is open while it waits.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale

from sipadu.cases.forward_reference import open_forward_reference, seal_forward_reference
from sipadu.cases.statuses import DESTINATION_LABELS, FORWARD_RESULT_LABELS, Destination, Status
from sipadu.cases.workflow import Transition, check_reference
from sipadu.casework.access import OpenCase
from sipadu.crypto.errors import DecryptionError


def timeline_text(transition: Transition, forwarded_to: str | None) -> str | None:
    """The reporter's timeline text of a status change: the reason, headed by the
    institution when forwarding and by the institution's outcome when recording it."""
    # The reporter reads Indonesian by default; the institution is part of what they are told.
    # The reference number stays with staff: it is the other institution's file, not theirs.
    with force_locale("id"):
        if transition.destination is not None:
            head: str | None = str(DESTINATION_LABELS[transition.destination])
        elif transition.forward_result is not None:
            result = str(FORWARD_RESULT_LABELS[transition.forward_result])
            body = DESTINATION_LABELS.get(Destination(forwarded_to)) if forwarded_to else None
            head = f"{body}: {result}" if body is not None else result
        else:
            head = None
    if head is None:
        return transition.reason
    return f"{head}\n\n{transition.reason}" if transition.reason else head


def read_forward_reference(opened: OpenCase) -> str | None:
    """The receiving institution's reference number, opened under the case DEK."""
    return open_forward_reference(opened.dek, opened.case)


def record_forwarding(opened: OpenCase, transition: Transition) -> None:
    """Keep the destination and sealed reference on forwarding, the result on the outcome."""
    case = opened.case
    if transition.destination is not None:
        case.forwarded_to = transition.destination
        case.forward_reference_sealed = seal_forward_reference(
            opened.dek, case, transition.reference
        )
        case.forward_result = None
    if transition.forward_result is not None:
        case.forward_result = transition.forward_result
    if transition.is_reopen:
        # Back in the Inspektorat's hands: no outcome of the receiving body stands any more.
        case.forward_result = None


class ReferenceNotCorrectableError(Exception):
    """The case was never forwarded, or it is archived (final): no reference to correct."""


def may_correct_reference(opened: OpenCase) -> bool:
    """A forwarded case not yet archived: its reference may be corrected."""
    case = opened.case
    return case.forwarded_to is not None and case.status != Status.DIARSIPKAN


def correct_forward_reference(opened: OpenCase, reference: str | None) -> None:
    """Replace a mistyped reference: checked like the forwarding form's, sealed under the
    DEK as before (the caller audits the correction without the value)."""
    if not may_correct_reference(opened):
        raise ReferenceNotCorrectableError(opened.case.code)
    checked = check_reference(reference)
    opened.case.forward_reference_sealed = seal_forward_reference(opened.dek, opened.case, checked)


@dataclass(frozen=True)
class ForwardingView:
    """Where a case was forwarded, for staff: the reference is ``None`` when it does not
    open under the case DEK (``reference_verified`` is then false)."""

    destination: str
    reference: str | None
    reference_verified: bool
    result: str | None


def forwarding_view(opened: OpenCase) -> ForwardingView | None:
    """The case's forwarding, or ``None`` when it was never forwarded (or before the
    institution was recorded in its own column)."""
    case = opened.case
    if case.forwarded_to is None:
        return None
    try:
        reference, verified = read_forward_reference(opened), True
    except DecryptionError:
        reference, verified = None, False
    return ForwardingView(case.forwarded_to, reference, verified, case.forward_result)
