"""Closing the loop: the reporter's one rating of a closed case.

``case_ratings`` holds one row per rated case: the score (1-5, metadata that statistics
count with small-cell suppression) and the score with the reporter's optional comment,
sealed under the case DEK and bound to the row's random record id.

Revision ID: 0013_feedback
Revises: 0009_domain_checks
Create Date: 2026-12-07 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_feedback"
down_revision: str | None = "0012_confidential"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("record_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_case_ratings_score")),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_ratings_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_ratings")),
        sa.UniqueConstraint("record_id", name=op.f("uq_case_ratings_record_id")),
    )
    op.create_index(op.f("ix_case_ratings_case_id"), "case_ratings", ["case_id"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_case_ratings_case_id"), table_name="case_ratings")
    op.drop_table("case_ratings")
