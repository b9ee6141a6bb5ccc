"""Forwarding that hands off: the receiving institution, its reference and its outcome.

Three nullable columns on ``cases``: ``forwarded_to`` (the destination code),
``forward_reference_sealed`` (the institution's reference number, sealed under the case DEK)
and ``forward_result`` (handled / not handled). A forwarded case now waits for the outcome
instead of being closed; cases already forwarded keep their status and wait too (their
destination stays on the timeline; the columns start empty).

Revision ID: 0015_forwarding
Revises: 0011_channels
Create Date: 2026-12-07 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_forwarding"
down_revision: str | None = "0013_feedback"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copied, not imported: a migration describes the schema as it was at this revision.
_DESTINATIONS = ("kpk", "aph", "ombudsman", "bkd", "opd_lain", "lapor")
_RESULTS = ("ditangani", "tidak_ditangani")


def _listed(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("forwarded_to", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("forward_reference_sealed", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("forward_result", sa.String(length=16), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_cases_forwarded_to"), f"forwarded_to IN ({_listed(_DESTINATIONS)})"
        )
        batch_op.create_check_constraint(
            op.f("ck_cases_forward_result"), f"forward_result IN ({_listed(_RESULTS)})"
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_cases_forward_result"), type_="check")
        batch_op.drop_constraint(op.f("ck_cases_forwarded_to"), type_="check")
        batch_op.drop_column("forward_result")
        batch_op.drop_column("forward_reference_sealed")
        batch_op.drop_column("forwarded_to")
