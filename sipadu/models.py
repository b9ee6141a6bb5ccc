"""Import every model so the metadata (and Alembic's comparison) sees all tables."""

from sipadu.accounts.models import SetupToken, StaffAccount
from sipadu.admin.models import InstanceSetting, PublicText
from sipadu.audit.models import (
    AuditCheckpoint,
    AuditEvent,
    AuditHead,
    AuditQueueEntry,
    AuditQueueState,
)
from sipadu.cases.models import (
    Attachment,
    Case,
    CaseConflict,
    CaseGrant,
    CaseKeyThrottle,
    CaseMessage,
    CaseRating,
    CaseRead,
    IdentityKeyGrant,
    IdentityVersionRead,
    TimelineEntry,
)
from sipadu.channels.models import ChannelIntake, ServiceAccount, WebhookDelivery
from sipadu.confidential.models import ApprovalRequest, CaseRedaction
from sipadu.notify.models import NotificationLog, PendingNotification
from sipadu.sessions.models import AuthSession
from sipadu.units.models import Agency, RoutingRule, Unit

__all__ = [
    "Agency",
    "ApprovalRequest",
    "Attachment",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditHead",
    "AuditQueueEntry",
    "AuditQueueState",
    "AuthSession",
    "Case",
    "CaseConflict",
    "CaseGrant",
    "CaseKeyThrottle",
    "CaseMessage",
    "CaseRating",
    "CaseRead",
    "CaseRedaction",
    "ChannelIntake",
    "IdentityKeyGrant",
    "IdentityVersionRead",
    "InstanceSetting",
    "NotificationLog",
    "PendingNotification",
    "PublicText",
    "RoutingRule",
    "ServiceAccount",
    "SetupToken",
    "StaffAccount",
    "TimelineEntry",
    "Unit",
    "WebhookDelivery",
]
