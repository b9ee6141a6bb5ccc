"""Redaction marked by hand: ``case_redactions`` holds a case's draft and its published
redaction, the marks sealed under the case DEK.

No existing data changes: cases start without a redaction (a redacted export then waits
until one is published).

Revision ID: 0018_redactions
Revises: 0017_export_reasons
Create Date: 2026-12-07 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_redactions"
down_revision: str | None = "0017_export_reasons"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copied, not imported: a migration describes the schema as it was at this revision.
_STATES = ("draft", "published")


def upgrade() -> None:
    listed = ", ".join(f"'{value}'" for value in _STATES)
    op.create_table(
        "case_redactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("marks_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("marked_by", sa.Integer(), nullable=True),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"state IN ({listed})", name=op.f("ck_case_redactions_state")),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_redactions_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["marked_by"],
            ["staff_accounts.id"],
            name=op.f("fk_case_redactions_marked_by_staff_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["approval_requests.id"],
            name=op.f("fk_case_redactions_request_id_approval_requests"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_redactions")),
        sa.UniqueConstraint("case_id", "state", name=op.f("uq_case_redactions_case_id")),
    )
    op.create_index(op.f("ix_case_redactions_case_id"), "case_redactions", ["case_id"])


def downgrade() -> None:
    # The marks are sealed case content nothing older reads: they go with the table.
    op.drop_index(op.f("ix_case_redactions_case_id"), table_name="case_redactions")
    op.drop_table("case_redactions")
