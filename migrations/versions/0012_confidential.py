"""Confidential mode: the custodian role, identities under their own key, four-eyes requests.

Each step is its own operation so another role or timeline kind can be merged beside it:

1. ``staff_accounts.role`` admits ``custodian`` (the CHECK dropped and recreated).
2. ``timeline_entries.kind`` admits ``identity_opened``; ``pending_notifications.kind``
   admits ``identity_request`` and ``identity_answer`` (each its own operation).
3. ``cases.identity_custodial`` and ``cases.identity_escrow_grant``: an identity sealed from
   now on is under its own key, wrapped for custodians and escrow. Identities stored before
   stay as they were (sealed under the case DEK, ``identity_custodial`` false): no key is
   at hand in a migration to re-seal them.
4. ``identity_key_grants``: the identity key wrapped per custodian or approved reader.
5. ``approval_requests``: four-eyes requests (metadata only).

The value lists are copied here, not imported: a migration describes the schema as it was.

Revision ID: 0012_confidential
Revises: 0009_domain_checks
Create Date: 2026-12-07 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_confidential"
down_revision: str | None = "0011_channels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROLES_BEFORE = ("admin", "supervisor", "investigator", "auditor", "intake_officer")
_ROLES_AFTER = (*_ROLES_BEFORE, "custodian")
_KINDS_BEFORE = ("status", "objection", "objection_answer", "evidence_added")
_KINDS_AFTER = (*_KINDS_BEFORE, "identity_opened")
_NOTIFY_BEFORE = ("new_case", "reporter_reply", "new_supervisor")
_NOTIFY_AFTER = (*_NOTIFY_BEFORE, "identity_request", "identity_answer")
_ACTIONS = ("open_identity", "forward_case", "export_case", "publish_redaction")
_STATES = ("pending", "approved", "refused", "expired", "withdrawn")
_REASONS = ("protection", "contact", "witness", "legal")


def _condition(column: str, values: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({listed})"


def _recheck(table: str, column: str, values: tuple[str, ...]) -> None:
    name = op.f(f"ck_{table}_{column}")
    with op.batch_alter_table(table) as batch_op:
        batch_op.drop_constraint(name, type_="check")
        batch_op.create_check_constraint(name, _condition(column, values))


def _custodian_role(upgrade: bool) -> None:
    _recheck("staff_accounts", "role", _ROLES_AFTER if upgrade else _ROLES_BEFORE)


def _identity_opened_kind(upgrade: bool) -> None:
    _recheck("timeline_entries", "kind", _KINDS_AFTER if upgrade else _KINDS_BEFORE)


def _identity_notifications(upgrade: bool) -> None:
    _recheck("pending_notifications", "kind", _NOTIFY_AFTER if upgrade else _NOTIFY_BEFORE)


def _identity_columns() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(
            sa.Column("identity_custodial", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("identity_escrow_grant", sa.LargeBinary(), nullable=True))


def _identity_key_grants() -> None:
    op.create_table(
        "identity_key_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_identity_key_grants_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_identity_key_grants_staff_id_staff_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_key_grants")),
        sa.UniqueConstraint("case_id", "staff_id", name=op.f("uq_identity_key_grants_case_id")),
    )
    for column in ("case_id", "staff_id"):
        op.create_index(op.f(f"ix_identity_key_grants_{column}"), "identity_key_grants", [column])


def _approval_requests() -> None:
    op.create_table(
        "approval_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("requester_role", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            _condition("action", _ACTIONS), name=op.f("ck_approval_requests_action")
        ),
        sa.CheckConstraint(
            _condition("requester_role", _ROLES_AFTER),
            name=op.f("ck_approval_requests_requester_role"),
        ),
        sa.CheckConstraint(
            _condition("reason", _REASONS), name=op.f("ck_approval_requests_reason")
        ),
        sa.CheckConstraint(_condition("state", _STATES), name=op.f("ck_approval_requests_state")),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_approval_requests_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["staff_accounts.id"],
            name=op.f("fk_approval_requests_requested_by_staff_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["staff_accounts.id"],
            name=op.f("fk_approval_requests_decided_by_staff_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_requests")),
    )
    op.create_index(op.f("ix_approval_requests_case_id"), "approval_requests", ["case_id"])
    op.create_index(
        op.f("ix_approval_requests_requested_by"), "approval_requests", ["requested_by"]
    )
    op.create_index("ix_approval_requests_state_action", "approval_requests", ["state", "action"])


def upgrade() -> None:
    _custodian_role(upgrade=True)
    _identity_opened_kind(upgrade=True)
    _identity_notifications(upgrade=True)
    _identity_columns()
    _identity_key_grants()
    _approval_requests()


def downgrade() -> None:
    op.drop_table("approval_requests")
    op.drop_table("identity_key_grants")
    # An identity sealed for custodians does not open with the DEK the older code uses:
    # without its key grants it is unreadable, so it goes with them.
    op.execute("UPDATE cases SET identity_sealed = NULL WHERE identity_custodial")
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("identity_escrow_grant")
        batch_op.drop_column("identity_custodial")
    op.execute(
        "DELETE FROM pending_notifications WHERE kind IN ('identity_request', 'identity_answer')"
    )
    _identity_notifications(upgrade=False)
    op.execute("DELETE FROM timeline_entries WHERE kind = 'identity_opened'")
    _identity_opened_kind(upgrade=False)
    # The older role list has no custodian: such accounts become inactive auditors (no case
    # content, no sign-in) rather than rows other tables' history would lose.
    op.execute(
        "UPDATE staff_accounts SET role = 'auditor', active = false WHERE role = 'custodian'"
    )
    _custodian_role(upgrade=False)
