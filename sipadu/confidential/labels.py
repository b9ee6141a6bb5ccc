"""Words for the four-eyes requests, in the visitor's language."""

from __future__ import annotations

from flask_babel import lazy_gettext

from sipadu.confidential.models import ExportView, RequestReason

REASON_LABELS = {
    RequestReason.PROTECTION: lazy_gettext("The reporter needs protection"),
    RequestReason.CONTACT: lazy_gettext("The reporter must be contacted outside SIPADU"),
    RequestReason.WITNESS: lazy_gettext("A witness statement is needed"),
    RequestReason.LEGAL: lazy_gettext("Law enforcement or a court requires it"),
}
VIEW_LABELS = {
    ExportView.FULL: lazy_gettext("Full: everything but internal notes and the identity"),
    ExportView.REDACTED: lazy_gettext(
        "Redacted: names, NIP, NIK, telephone numbers and e-mail addresses removed, no files"
    ),
}
