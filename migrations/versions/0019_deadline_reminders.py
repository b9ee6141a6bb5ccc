"""Deadline reminders in the staff digests: ``pending_notifications.kind`` admits
``due_soon`` and ``overdue`` (the CHECK dropped and recreated).

The value lists are copied here, not imported: a migration describes the schema as it was.
On the way down the reminders still queued are deleted (the older code cannot send them).

Revision ID: 0019_deadline_reminders
Revises: 0018_redactions
Create Date: 2026-12-07 19:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019_deadline_reminders"
down_revision: str | None = "0018_redactions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = ("new_case", "reporter_reply", "new_supervisor", "identity_request", "identity_answer")
_AFTER = (*_BEFORE, "due_soon", "overdue")


def _recheck(values: tuple[str, ...]) -> None:
    name = op.f("ck_pending_notifications_kind")
    listed = ", ".join(f"'{value}'" for value in values)
    with op.batch_alter_table("pending_notifications") as batch_op:
        batch_op.drop_constraint(name, type_="check")
        batch_op.create_check_constraint(name, f"kind IN ({listed})")


def upgrade() -> None:
    _recheck(_AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM pending_notifications WHERE kind IN ('due_soon', 'overdue')")
    _recheck(_BEFORE)
