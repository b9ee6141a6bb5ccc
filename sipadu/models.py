"""Import every model so the metadata (and Alembic's comparison) sees all tables."""

from sipadu.audit.models import AuditEvent, AuditHead

__all__ = ["AuditEvent", "AuditHead"]
