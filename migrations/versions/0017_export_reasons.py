"""Export reasons: an export request names where the case goes (KPK, the police, the
prosecutor's office, BPK, the reported agency for clarification, another legal duty)
instead of reusing the identity reasons. The ``approval_requests.reason`` CHECK admits the
new values; requests made before keep their identity reason. On the way down, export
requests with a new reason take ``legal`` (the nearest old reason).

Revision ID: 0017_export_reasons
Revises: 0016_identity_versions
Create Date: 2026-12-07 19:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017_export_reasons"
down_revision: str | None = "0016_identity_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copied, not imported: a migration describes the schema as it was at this revision.
_BEFORE = ("protection", "contact", "witness", "legal")
_AFTER = (
    *_BEFORE,
    "to_kpk",
    "to_police",
    "to_prosecutor",
    "to_bpk",
    "agency_clarify",
    "legal_duty",
)
_CHECK = "ck_approval_requests_reason"


def _recreate(values: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{value}'" for value in values)
    with op.batch_alter_table("approval_requests", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(_CHECK), type_="check")
        batch_op.create_check_constraint(op.f(_CHECK), f"reason IN ({listed})")


def upgrade() -> None:
    _recreate(_AFTER)


def downgrade() -> None:
    listed = ", ".join(f"'{value}'" for value in _BEFORE)
    op.execute(f"UPDATE approval_requests SET reason = 'legal' WHERE reason NOT IN ({listed})")  # noqa: S608 - fixed values
    _recreate(_BEFORE)
