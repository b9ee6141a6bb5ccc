"""Identity versions: a reporter who adds new details no longer takes away an opened one.

1. ``cases.identity_version``: the number of the identity sealed now (0: none sealed yet).
   A case holding an identity starts at 1.
2. ``approval_requests.identity_version``: the version a decided identity request was
   decided on. Decided identity requests start at 1 (there was only ever one version).
3. ``identity_version_reads``: an earlier, opened version kept for its approved reader
   (sealed identity and the reader's wrapped key) until their permission ends.

Revision ID: 0016_identity_versions
Revises: 0015_forwarding
Create Date: 2026-12-07 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_identity_versions"
down_revision: str | None = "0015_forwarding"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = "identity_version_reads"


def _reads_table() -> None:
    op.create_table(
        _TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("identity_version", sa.Integer(), nullable=False),
        sa.Column("identity_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_identity_version_reads_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_identity_version_reads_staff_id_staff_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_version_reads")),
        sa.UniqueConstraint(
            "case_id",
            "staff_id",
            "identity_version",
            name=op.f("uq_identity_version_reads_case_id"),
        ),
    )
    for column in ("case_id", "staff_id"):
        op.create_index(op.f(f"ix_{_TABLE}_{column}"), _TABLE, [column])


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("identity_version", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute("UPDATE cases SET identity_version = 1 WHERE identity_sealed IS NOT NULL")
    with op.batch_alter_table("approval_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("identity_version", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE approval_requests SET identity_version = 1"
        " WHERE action = 'open_identity' AND decided_at IS NOT NULL"
    )
    _reads_table()


def downgrade() -> None:
    for column in ("staff_id", "case_id"):
        op.drop_index(op.f(f"ix_{_TABLE}_{column}"), table_name=_TABLE)
    op.drop_table(_TABLE)
    with op.batch_alter_table("approval_requests", schema=None) as batch_op:
        batch_op.drop_column("identity_version")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("identity_version")
