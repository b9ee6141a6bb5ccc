"""Reporter event queue: reporter events wait, sealed, until their day is over.

Reporter events used to join the audit chain at once, between staff events timed to the second,
which placed a reporter's action to within seconds. They now wait in ``audit_queue`` (random
id, day, sealed event) and are appended, shuffled, once their day has ended;
``audit_queue_state`` keeps the HMAC'd count that exposes a deleted queue row.
``audit_checkpoint`` lets the auditor console verify only the rows written since its last view.

Revision ID: 0008_reporter_event_queue
Revises: 0007_envelope_binding
Create Date: 2026-12-07 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_reporter_event_queue"
down_revision: str | None = "0007_envelope_binding"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_queue",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_queue")),
    )
    op.create_index(op.f("ix_audit_queue_day"), "audit_queue", ["day"])
    state = op.create_table(
        "audit_queue_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("queued_total", sa.Integer(), nullable=False),
        sa.Column("hmac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_queue_state")),
    )
    # Unsigned like the genesis head: no key is at hand here; the first event signs it.
    op.bulk_insert(state, [{"id": 1, "pending": 0, "queued_total": 0, "hmac": ""}])
    # The auditor console's last verified row: the unsigned genesis until its first view.
    checkpoint = op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("hmac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoint")),
    )
    op.bulk_insert(checkpoint, [{"id": 1, "seq": 0, "hash": "0" * 64, "hmac": ""}])


def downgrade() -> None:
    op.drop_table("audit_checkpoint")
    op.drop_table("audit_queue_state")
    op.drop_index(op.f("ix_audit_queue_day"), table_name="audit_queue")
    op.drop_table("audit_queue")
