"""What each audit tag means, in words: the auditor console and its export show these labels.

Tags stay the stored, searchable keys (``staff:login``); people read "Staff sign-in". Every tag
the code writes needs a label here (tests/audit/test_tag_labels.py finds the tags in the
source); an unknown tag (from an older version) is shown as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext

TAG_LABELS: Mapping[str, Any] = {
    "agency:changed": lazy_gettext("Reported agency changed"),
    "agency:created": lazy_gettext("Reported agency added"),
    "attachment:added": lazy_gettext("Attachment added"),
    "attachment:downloaded": lazy_gettext("Attachment downloaded"),
    "attachment:sent_to_reporter": lazy_gettext("File sent to the reporter"),
    "audit:exported": lazy_gettext("Audit log exported"),
    "audit:viewed": lazy_gettext("Audit log viewed"),
    "case:filed_by_operator": lazy_gettext("Report filed by an intake officer"),
    "case:forward_approved": lazy_gettext("Forwarding approved"),
    "case:forward_reference_corrected": lazy_gettext("Forwarding reference corrected"),
    "case:forward_refused": lazy_gettext("Forwarding request refused"),
    "case:forward_requested": lazy_gettext("Forwarding requested"),
    "case:objected": lazy_gettext("Reporter objected to the closure"),
    "case:purged": lazy_gettext("Case deleted after retention"),
    "case:rated": lazy_gettext("Reporter rated the handling"),
    "case:retention_extended": lazy_gettext("Retention extended"),
    "case:routed": lazy_gettext("Case handed to another unit"),
    "case:status_changed": lazy_gettext("Case status changed"),
    "case:submitted": lazy_gettext("Report submitted"),
    "case:viewed": lazy_gettext("Case opened"),
    "conflict:declared": lazy_gettext("Conflict of interest declared"),
    "conflict:marked": lazy_gettext("Conflict of interest marked"),
    "export:approved": lazy_gettext("Case export approved"),
    "export:issued": lazy_gettext("Case export issued"),
    "export:refused": lazy_gettext("Case export refused"),
    "export:requested": lazy_gettext("Case export requested"),
    "grant:created": lazy_gettext("Case access granted"),
    "grant:revoked": lazy_gettext("Case access removed"),
    "grant:shared": lazy_gettext("Open cases shared with a supervisor"),
    "identity:approved": lazy_gettext("Identity request approved"),
    "identity:disclosed": lazy_gettext("Reporter disclosed their identity"),
    "identity:opened": lazy_gettext("Reporter's identity opened"),
    "identity:refused": lazy_gettext("Identity request refused"),
    "identity:requested": lazy_gettext("Reporter's identity requested"),
    "identity:shared": lazy_gettext("Sealed identities shared with an identity custodian"),
    "identity:withdrawn": lazy_gettext("Reporter withdrew their identity"),
    "intake:filed": lazy_gettext("Report filed by a channel"),
    "intake:refused": lazy_gettext("Channel call refused"),
    "intake:replayed": lazy_gettext("Channel repeated a filing"),
    "intake:status_read": lazy_gettext("Channel read a case's status"),
    "message:sent": lazy_gettext("Message sent"),
    "note:added": lazy_gettext("Internal note added"),
    "notification:sent": lazy_gettext("Notification e-mail sent"),
    "objection:answered": lazy_gettext("Objection answered"),
    "public_text:changed": lazy_gettext("Public text changed"),
    "redaction:marked": lazy_gettext("Redaction marks saved"),
    "redaction:published": lazy_gettext("Redaction published"),
    "redaction:refused": lazy_gettext("Redaction publication refused"),
    "redaction:requested": lazy_gettext("Redaction publication requested"),
    "reporter:login": lazy_gettext("Reporter opened their case"),
    "reporter:login_failed": lazy_gettext("Wrong case key entered"),
    "service_account:created": lazy_gettext("Channel account created"),
    "service_account:revoked": lazy_gettext("Channel account revoked"),
    "service_account:webhook_set": lazy_gettext("Channel webhook set"),
    "settings:changed": lazy_gettext("Settings changed"),
    "setup:completed": lazy_gettext("First administrator created"),
    "staff:activation_approved": lazy_gettext(
        "Activation approved (supervisor or identity custodian)"
    ),
    "staff:created": lazy_gettext("Staff account created"),
    "staff:deactivated": lazy_gettext("Staff account deactivated"),
    "staff:email_changed": lazy_gettext("Staff e-mail changed"),
    "staff:login": lazy_gettext("Staff sign-in"),
    "staff:login_failed": lazy_gettext("Staff sign-in failed"),
    "staff:login_throttled": lazy_gettext("Staff sign-in slowed down after failures"),
    "staff:logout": lazy_gettext("Staff sign-out"),
    "staff:password_changed": lazy_gettext("Password changed"),
    "staff:reactivated": lazy_gettext("Staff account reactivated"),
    "staff:reset": lazy_gettext("Staff account reset"),
    "staff:setup_completed": lazy_gettext("Setup link used"),
    "staff:totp_enrolled": lazy_gettext("Authenticator app enrolled"),
    "system:initialised": lazy_gettext("Instance initialised"),
    "unit:changed": lazy_gettext("Unit changed"),
    "unit:created": lazy_gettext("Unit created"),
    "unit:member_set": lazy_gettext("Staff member's unit set"),
    "unit:route_set": lazy_gettext("Routing rule set for a kota"),
    "webhook:abandoned": lazy_gettext("Webhook delivery abandoned"),
}

# The groups the tag filter offers ("staff:" matches every staff event).
GROUP_LABELS: Mapping[str, Any] = {
    "attachment:": lazy_gettext("All attachment events"),
    "audit:": lazy_gettext("All audit log events"),
    "case:": lazy_gettext("All case events"),
    "conflict:": lazy_gettext("All conflict-of-interest events"),
    "export:": lazy_gettext("All case export events"),
    "grant:": lazy_gettext("All case access events"),
    "identity:": lazy_gettext("All reporter identity events"),
    "intake:": lazy_gettext("All channel filing events"),
    "redaction:": lazy_gettext("All redaction events"),
    "reporter:": lazy_gettext("All reporter sign-ins"),
    "staff:": lazy_gettext("All staff account events"),
    "unit:": lazy_gettext("All unit and routing events"),
}

OUTCOME_LABELS: Mapping[str, Any] = {
    "success": lazy_gettext("Success"),
    "failure": lazy_gettext("Failure"),
    "denied": lazy_gettext("Refused"),
}


def tag_label(tag: str) -> str:
    """The tag's meaning in the visitor's language (the tag itself when unknown)."""
    label = TAG_LABELS.get(tag) or GROUP_LABELS.get(tag)
    return tag if label is None else str(label)


def outcome_label(outcome: str) -> str:
    """An event's outcome in words."""
    label = OUTCOME_LABELS.get(outcome)
    return outcome if label is None else str(label)


def tag_choices() -> list[tuple[str, str]]:
    """The tag filter's options: each group ("All staff account events"), then each tag, by
    label in the visitor's language."""
    groups = sorted(((k, str(v)) for k, v in GROUP_LABELS.items()), key=lambda kv: kv[1])
    tags = sorted(((k, str(v)) for k, v in TAG_LABELS.items()), key=lambda kv: kv[1])
    return groups + tags
