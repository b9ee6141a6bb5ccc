"""Account setup links and supervisor activation approval.

``setup_tokens.staff_id`` ties a one-time setup link to the account whose owner completes it
(no staff_id: the first-run link). ``staff_accounts.activation_approved_at`` records when
another supervisor approved a supervisor's key pair; only approved supervisors receive new
cases. Accounts that exist at upgrade time were already trusted, so they count as approved.

Revision ID: 0006_account_setup
Revises: 0005_inbox_indexes
Create Date: 2026-12-07 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_account_setup"
down_revision: str | None = "0005_inbox_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("activation_approved_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE staff_accounts SET activation_approved_at = created_at")
    with op.batch_alter_table("setup_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_setup_tokens_staff_id"), ["staff_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_setup_tokens_staff_id_staff_accounts"),
            "staff_accounts",
            ["staff_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    # Account links cannot exist without their column: drop them (first-run links stay).
    op.execute("DELETE FROM setup_tokens WHERE staff_id IS NOT NULL")
    with op.batch_alter_table("setup_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_setup_tokens_staff_id_staff_accounts"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_setup_tokens_staff_id"))
        batch_op.drop_column("staff_id")
    with op.batch_alter_table("staff_accounts", schema=None) as batch_op:
        batch_op.drop_column("activation_approved_at")
