"""Retention extensions: who extended a case's retention and the reason, sealed under the DEK.

Revision ID: 0004_retention
Revises: 0003_staff_admin
Create Date: 2026-11-23 16:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_retention"
# The integrator re-chains this after 0003 once both branches are merged.
down_revision: str | None = "0003_staff_admin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch mode: SQLite cannot add a foreign key with ALTER TABLE.
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retention_extended_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("retention_reason_sealed", sa.LargeBinary(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_retention_extended_by_staff_accounts"),
            "staff_accounts",
            ["retention_extended_by"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_cases_retention_extended_by_staff_accounts"), type_="foreignkey"
        )
        batch_op.drop_column("retention_reason_sealed")
        batch_op.drop_column("retention_extended_by")
