"""Forwarding with four eyes: a forwarding request keeps its details (the institution, its
reference number, the reason for the reporter) sealed under the case DEK in
``approval_requests.details_sealed`` until a second supervisor decides.

No existing data changes: the other requests have no details (NULL). On the way down, pending
forwarding requests are withdrawn (their details cannot be kept without the column).

Revision ID: 0020_forward_requests
Revises: 0019_deadline_reminders
Create Date: 2026-12-07 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_forward_requests"
down_revision: str | None = "0019_deadline_reminders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("approval_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details_sealed", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.execute(
        "UPDATE approval_requests SET state = 'withdrawn'"
        " WHERE action = 'forward_case' AND state = 'pending'"
    )
    with op.batch_alter_table("approval_requests", schema=None) as batch_op:
        batch_op.drop_column("details_sealed")
