"""Envelope v2: a random record id on every message, timeline entry and attachment row.

New content is sealed with envelope version 2, whose associated data names the row (this
record id) and its author. Rows that exist at the upgrade keep a NULL record id and their
version 1 ciphertexts; the first write to their case gives them a record id and re-seals
them (sipadu/cases/sealing.py), which needs the case key and so cannot happen here.

Downgrading drops the record ids: version 2 content then no longer opens (older code reads
version 1 only), so downgrade only before anything was written with this revision.

Revision ID: 0007_envelope_binding
Revises: 0006_account_setup
Create Date: 2026-12-07 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_envelope_binding"
down_revision: str | None = "0006_account_setup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("case_messages", "timeline_entries", "attachments")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("record_id", sa.LargeBinary(16), nullable=True))
        op.create_index(f"ix_{table}_record_id", table, ["record_id"], unique=True)


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_record_id", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("record_id")
