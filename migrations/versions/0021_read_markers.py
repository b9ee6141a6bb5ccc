"""Read markers for the "new" (Baru) mark on messages: ``cases.reporter_seen_message`` (the
newest message the reporter's case page has shown, one per case) and ``case_reads`` (the same
for each officer who opened the case page); ``cases.reporter_seen_entry`` is the reporter's
marker for timeline entries (status changes, the answer to an objection).

No existing data changes: with no marker every message from the other side counts as new
once, on the next visit, and so does every timeline entry after the report's own first one;
that visit marks them read. On the way down the markers are dropped.

Revision ID: 0021_read_markers
Revises: 0020_forward_requests
Create Date: 2026-12-07 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_read_markers"
down_revision: str | None = "0020_forward_requests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_reads",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("seen_message", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_reads_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_case_reads_staff_id_staff_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "staff_id", name=op.f("pk_case_reads")),
    )
    with op.batch_alter_table("case_reads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_reads_staff_id"), ["staff_id"], unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reporter_seen_message", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reporter_seen_entry", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("reporter_seen_entry")
        batch_op.drop_column("reporter_seen_message")
    with op.batch_alter_table("case_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_reads_staff_id"))
    op.drop_table("case_reads")
