"""Refused staff forms survive the redirect: ``auth_sessions.held_form`` keeps the values of a
form the server just refused, sealed under the session token's secret like the payload, until
the case page it redirects to shows them again.

No existing data changes (every session holds nothing: NULL). On the way down the held forms
are dropped with the column; a staff member at most retypes one refused form.

Revision ID: 0023_held_forms
Revises: 0022_case_key_window
Create Date: 2026-12-07 21:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_held_forms"
down_revision: str | None = "0022_case_key_window"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held_form", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.drop_column("held_form")
