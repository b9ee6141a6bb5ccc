"""The per-code case-key throttle becomes a ceiling per hour: ``case_key_throttle`` gains
``window_started_at``, the start of the window its ``failures`` are counted in.

Existing rows start their window at their last failure. Nothing is lost on the way down.

Revision ID: 0022_case_key_window
Revises: 0021_read_markers
Create Date: 2026-12-07 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_case_key_window"
down_revision: str | None = "0021_read_markers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_key_throttle", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE case_key_throttle SET window_started_at = last_failure_at")
    with op.batch_alter_table("case_key_throttle", schema=None) as batch_op:
        batch_op.alter_column(
            "window_started_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("case_key_throttle", schema=None) as batch_op:
        batch_op.drop_column("window_started_at")
