"""Channels: service accounts of other systems, their intake records, the webhook outbox.

No column holds report content, a case key in clear, a token or a channel's ticket id: the
token is kept as a SHA-256 verifier, the ticket id and Idempotency-Key as HMACs under the
channel's token, and the case key (for 24 hours) sealed under a key derived from it.

Revision ID: 0011_channels
Revises: 0009_domain_checks
Create Date: 2026-12-07 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_channels"
down_revision: str | None = "0010_units"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copied, not imported: a migration describes the schema as it was at this revision.
_CHANNELS = ("jaki", "lapor", "crm", "email", "other")
_COARSE = ("received", "in_progress", "forwarded", "closed")


def _check(table: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=op.f(f"ck_{table}_{column}"))


def upgrade() -> None:
    op.create_table(
        "service_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("token_verifier", sa.LargeBinary(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("webhook_url", sa.String(length=2048), nullable=True),
        sa.Column("webhook_salt", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_accounts")),
        sa.UniqueConstraint("key_id", name=op.f("uq_service_accounts_key_id")),
        sa.UniqueConstraint("name", name=op.f("uq_service_accounts_name")),
    )
    op.create_table(
        "channel_intakes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("ref_hash", sa.String(length=64), nullable=False),
        sa.Column("idem_hash", sa.String(length=64), nullable=False),
        sa.Column("body_mac", sa.String(length=64), nullable=False),
        sa.Column("key_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("key_kept_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("coarse_status", sa.String(length=16), nullable=False),
        sa.Column("status_on", sa.Date(), nullable=False),
        _check("channel_intakes", "channel", _CHANNELS),
        _check("channel_intakes", "coarse_status", _COARSE),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["service_accounts.id"],
            name=op.f("fk_channel_intakes_account_id_service_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_channel_intakes_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_intakes")),
        sa.UniqueConstraint("account_id", "idem_hash", name="uq_channel_intakes_idem"),
        sa.UniqueConstraint("account_id", "ref_hash", name="uq_channel_intakes_ref"),
        sa.UniqueConstraint("case_id", name=op.f("uq_channel_intakes_case_id")),
    )
    op.create_index(op.f("ix_channel_intakes_account_id"), "channel_intakes", ["account_id"])
    op.create_index(
        op.f("ix_channel_intakes_key_kept_until"), "channel_intakes", ["key_kept_until"]
    )
    op.create_table(
        "webhook_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("case_code", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_on", sa.Date(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=64), nullable=True),
        _check("webhook_outbox", "status", _COARSE),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["service_accounts.id"],
            name=op.f("fk_webhook_outbox_account_id_service_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_webhook_outbox_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_outbox")),
    )
    op.create_index(op.f("ix_webhook_outbox_account_id"), "webhook_outbox", ["account_id"])
    op.create_index(op.f("ix_webhook_outbox_case_id"), "webhook_outbox", ["case_id"])
    op.create_index(
        op.f("ix_webhook_outbox_next_attempt_at"), "webhook_outbox", ["next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_webhook_outbox_next_attempt_at"), table_name="webhook_outbox")
    op.drop_index(op.f("ix_webhook_outbox_case_id"), table_name="webhook_outbox")
    op.drop_index(op.f("ix_webhook_outbox_account_id"), table_name="webhook_outbox")
    op.drop_table("webhook_outbox")
    op.drop_index(op.f("ix_channel_intakes_key_kept_until"), table_name="channel_intakes")
    op.drop_index(op.f("ix_channel_intakes_account_id"), table_name="channel_intakes")
    op.drop_table("channel_intakes")
    op.drop_table("service_accounts")
