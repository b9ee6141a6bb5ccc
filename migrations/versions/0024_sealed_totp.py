"""Staff TOTP secrets sealed at rest: ``staff_accounts.totp_sealed`` holds the secret as an
AES-256-GCM envelope under a key derived from the audit key, bound to the account.

No existing data changes here: a migration has no keys. The plaintext ``totp_secret`` of
existing accounts keeps working and is sealed (then emptied) by the first sign-in, and all at
once by `sipadu init` and `sipadu db upgrade`, which run right after the migrations. On the
way down the sealed secrets are dropped with the column: those accounts can no longer sign
in until an administrator resets them (their owner enrols the authenticator app again).

Revision ID: 0024_sealed_totp
Revises: 0023_held_forms
Create Date: 2026-12-08 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_sealed_totp"
down_revision: str | None = "0023_held_forms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_sealed", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_accounts", schema=None) as batch_op:
        batch_op.drop_column("totp_sealed")
