"""Words for the four-eyes requests, in the visitor's language."""

from __future__ import annotations

from flask_babel import lazy_gettext

from sipadu.confidential.models import (
    EXPORT_REASONS,
    IDENTITY_REASONS,
    ExportView,
    RequestReason,
)
from sipadu.confidential.redaction import SpanKind

REASON_LABELS = {
    RequestReason.PROTECTION: lazy_gettext("The reporter needs protection"),
    RequestReason.CONTACT: lazy_gettext("The reporter must be contacted outside SIPADU"),
    RequestReason.WITNESS: lazy_gettext("A witness statement is needed"),
    RequestReason.LEGAL: lazy_gettext("Law enforcement or a court requires it"),
    RequestReason.TO_KPK: lazy_gettext("To KPK, for follow-up"),
    RequestReason.TO_POLICE: lazy_gettext("To the police, for criminal proceedings"),
    RequestReason.TO_PROSECUTOR: lazy_gettext("To the prosecutor's office"),
    RequestReason.TO_BPK: lazy_gettext("To BPK auditors"),
    RequestReason.AGENCY_CLARIFY: lazy_gettext("To the reported agency, for clarification"),
    RequestReason.OTHER_LEGAL_DUTY: lazy_gettext("Another duty under the law"),
}
# The choices each form offers (the service accepts only these for its action).
IDENTITY_REASON_LABELS = {reason: REASON_LABELS[reason] for reason in IDENTITY_REASONS}
EXPORT_REASON_LABELS = {reason: REASON_LABELS[reason] for reason in EXPORT_REASONS}
VIEW_LABELS = {
    ExportView.FULL: lazy_gettext("Full: everything but internal notes and the identity"),
    ExportView.REDACTED: lazy_gettext(
        "Redacted: the spans marked in the published redaction removed, no files"
    ),
}
SPAN_LABELS = {
    SpanKind.NIP: lazy_gettext("NIP"),
    SpanKind.NIK: lazy_gettext("NIK"),
    SpanKind.PHONE: lazy_gettext("telephone number"),
    SpanKind.EMAIL: lazy_gettext("e-mail address"),
    SpanKind.NAME: lazy_gettext("name"),
    SpanKind.MARKED: lazy_gettext("marked by hand"),
}
