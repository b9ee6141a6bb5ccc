"""Case statuses, outcomes and destinations, with their bilingual labels (docs/workflow.md).

Staff see a short working label; the reporter sees a plain label and an explanation of what the
status means for them. Labels are lazy (Flask-Babel): English msgids, Indonesian in the catalog.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext


class Status(StrEnum):
    """Where a case stands."""

    DITERIMA = "diterima"
    VERIFIKASI = "verifikasi"
    PERLU_DILENGKAPI = "perlu_dilengkapi"
    TIDAK_DAPAT_DITINDAKLANJUTI = "tidak_dapat_ditindaklanjuti"
    DITERUSKAN = "diteruskan"
    INVESTIGASI = "investigasi"
    SELESAI = "selesai"
    DIARSIPKAN = "diarsipkan"


class Role(StrEnum):
    """Who may act on the workflow (admins and auditors never do)."""

    SUPERVISOR = "supervisor"
    INVESTIGATOR = "investigator"
    REPORTER = "reporter"


class Outcome(StrEnum):
    """The finding that closes an investigation."""

    TERBUKTI = "terbukti"
    TIDAK_TERBUKTI = "tidak_terbukti"


class Destination(StrEnum):
    """Where a case outside the Inspektorat's authority is forwarded."""

    KPK = "kpk"
    APH = "aph"
    OMBUDSMAN = "ombudsman"
    BKD = "bkd"
    OPD_LAIN = "opd_lain"
    # An ordinary public-service complaint that landed here goes to the complaint channels.
    LAPOR = "lapor"


class ForwardResult(StrEnum):
    """What the receiving body answered about a forwarded case."""

    DITANGANI = "ditangani"
    TIDAK_DITANGANI = "tidak_ditangani"


_S = Status
# A forwarded case is open: it waits for the receiving body's outcome, which a supervisor
# records (diteruskan -> selesai); that closes it.
CLOSURES = frozenset({_S.SELESAI, _S.TIDAK_DAPAT_DITINDAKLANJUTI})
CLOSED = CLOSURES | {_S.DIARSIPKAN}
# The decisions the reporter may object to once: the closures and the decision to forward.
OBJECTABLE = CLOSURES | {_S.DITERUSKAN}


def is_closed(status: str) -> bool:
    """True for closed cases: selesai, tidak_dapat_ditindaklanjuti, diarsipkan."""
    return status in CLOSED


@dataclass(frozen=True)
class StatusText:
    """How a status is named for staff and explained to the reporter (the explanation never
    speaks of the objection: where it stands is the reporter's page's to say)."""

    staff_label: Any
    reporter_label: Any
    reporter_explanation: Any


STATUS_TEXTS: Mapping[Status, StatusText] = {
    _S.DITERIMA: StatusText(
        lazy_gettext("Received"),
        lazy_gettext("Received"),
        lazy_gettext("Your report has arrived safely. The Inspektorat will look at it soon."),
    ),
    _S.VERIFIKASI: StatusText(
        lazy_gettext("Verification"),
        lazy_gettext("Being assessed"),
        lazy_gettext("The Inspektorat is checking whether your report can be followed up."),
    ),
    _S.PERLU_DILENGKAPI: StatusText(
        lazy_gettext("Needs more information"),
        lazy_gettext("More information needed"),
        lazy_gettext(
            "The Inspektorat needs more from you. Please read the message and "
            "reply with your case key."
        ),
    ),
    _S.TIDAK_DAPAT_DITINDAKLANJUTI: StatusText(
        lazy_gettext("Cannot proceed"),
        lazy_gettext("Cannot be followed up"),
        lazy_gettext("The Inspektorat cannot follow up your report. The reason is given below."),
    ),
    _S.DITERUSKAN: StatusText(
        lazy_gettext("Forwarded, awaiting outcome"),
        lazy_gettext("Forwarded, awaiting the outcome"),
        lazy_gettext(
            "Your report is outside the Inspektorat's authority and has been "
            "passed to the institution named below. The Inspektorat is waiting for its "
            "outcome and will tell you here."
        ),
    ),
    _S.INVESTIGASI: StatusText(
        lazy_gettext("Investigation"),
        lazy_gettext("Under investigation"),
        lazy_gettext(
            "The Inspektorat is investigating your report. This can take some "
            "time; you will hear from us at least every three months."
        ),
    ),
    _S.SELESAI: StatusText(
        lazy_gettext("Completed"),
        lazy_gettext("Completed"),
        lazy_gettext("The investigation is finished. The conclusion is given below."),
    ),
    _S.DIARSIPKAN: StatusText(
        lazy_gettext("Archived"),
        lazy_gettext("Archived"),
        lazy_gettext(
            "The case is closed and archived. It will be deleted after the retention period."
        ),
    ),
}

OUTCOME_LABELS: Mapping[Outcome, Any] = {
    Outcome.TERBUKTI: lazy_gettext("Proven"),
    Outcome.TIDAK_TERBUKTI: lazy_gettext("Not proven"),
}

DESTINATION_LABELS: Mapping[Destination, Any] = {
    Destination.KPK: lazy_gettext("Corruption Eradication Commission (KPK)"),
    Destination.APH: lazy_gettext("Law enforcement (police or prosecutor)"),
    Destination.OMBUDSMAN: lazy_gettext("Ombudsman"),
    Destination.BKD: lazy_gettext("Regional Civil Service Agency (BKD)"),
    Destination.OPD_LAIN: lazy_gettext("Another regional government office (OPD)"),
    Destination.LAPOR: lazy_gettext("Public service complaints (CRM / SP4N-LAPOR!)"),
}

FORWARD_RESULT_LABELS: Mapping[ForwardResult, Any] = {
    ForwardResult.DITANGANI: lazy_gettext("Handled by the receiving institution"),
    ForwardResult.TIDAK_DITANGANI: lazy_gettext("Not handled by the receiving institution"),
}


def reporter_status_text(
    status: str, forwarded_to: str | None = None, forward_result: str | None = None
) -> StatusText:
    """The status as the reporter reads it, naming the institution a forwarded case went to.

    A forwarded case reads "Forwarded to <institution>, awaiting the outcome"; once the
    supervisor records the outcome (``selesai`` with a ``forward_result``) the explanation
    says the institution answered rather than speaking of an investigation.
    """
    text = STATUS_TEXTS[Status(status)]
    body = DESTINATION_LABELS.get(Destination(forwarded_to)) if forwarded_to else None
    if status == _S.DITERUSKAN and body is not None:
        return StatusText(
            text.staff_label,
            lazy_gettext("Forwarded to %(body)s, awaiting the outcome", body=body),
            text.reporter_explanation,
        )
    if status == _S.SELESAI and forward_result:
        return StatusText(
            text.staff_label,
            text.reporter_label,
            lazy_gettext(
                "The institution your report was forwarded to has answered; the outcome is "
                "given below."
            ),
        )
    return text
