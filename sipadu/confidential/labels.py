"""Words for the four-eyes requests, in the visitor's language."""

from __future__ import annotations

from flask_babel import lazy_gettext

from sipadu.confidential.models import ApprovalState, RequestReason

REASON_LABELS = {
    RequestReason.PROTECTION: lazy_gettext("The reporter needs protection"),
    RequestReason.CONTACT: lazy_gettext("The reporter must be contacted outside SIPADU"),
    RequestReason.WITNESS: lazy_gettext("A witness statement is needed"),
    RequestReason.LEGAL: lazy_gettext("Law enforcement or a court requires it"),
}
STATE_LABELS = {
    ApprovalState.PENDING: lazy_gettext("waiting for an identity custodian"),
    ApprovalState.APPROVED: lazy_gettext("approved"),
    ApprovalState.REFUSED: lazy_gettext("refused"),
    ApprovalState.EXPIRED: lazy_gettext("expired"),
    ApprovalState.WITHDRAWN: lazy_gettext("withdrawn by the reporter"),
}
