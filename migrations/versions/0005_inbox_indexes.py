"""Inbox indexes: the reader's grants by reason, and cases by received day and by status.

The staff inbox (sipadu/casework/inbox.py) walks cases in received order checking the
reader's grant, filters by status and counts "due"/"overdue" cases from their deadline dates;
ix_cases_deadlines lets that count read a narrow index instead of every case row.

Revision ID: 0005_inbox_indexes
Revises: 0004_retention
Create Date: 2026-11-23 17:35:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_inbox_indexes"
down_revision: str | None = "0004_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_case_grants_staff_reason_case", "case_grants", ["staff_id", "reason", "case_id"]
    )
    op.create_index("ix_cases_received_on_id", "cases", ["received_on", "id"])
    op.create_index("ix_cases_status_received_on", "cases", ["status", "received_on"])
    op.create_index(
        "ix_cases_deadlines",
        "cases",
        ["status", "received_on", "acknowledged_on", "decided_on", "last_feedback_on"],
    )


def downgrade() -> None:
    op.drop_index("ix_cases_deadlines", table_name="cases")
    op.drop_index("ix_cases_status_received_on", table_name="cases")
    op.drop_index("ix_cases_received_on_id", table_name="cases")
    op.drop_index("ix_case_grants_staff_reason_case", table_name="case_grants")
