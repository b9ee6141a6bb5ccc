"""Domain checks: columns that hold a domain word refuse any other value.

Roles, categories, statuses, outcomes, grant reasons, authors, timeline kinds, session kinds
and channels and notification kinds were free VARCHARs; each gets a CHECK constraint
``ck_<table>_<column>`` listing the values the code's enums define (sipadu/coltypes.py).
The stored strings do not change. The lists are copied here, not imported: a migration
describes the schema as it was at this revision.

SQLite cannot add a constraint to a table, so batch mode rebuilds each table (env.py turns
foreign keys off for the rebuild, so dropping the old ``cases`` does not cascade).

Revision ID: 0009_domain_checks
Revises: 0008_reporter_event_queue
Create Date: 2026-12-07 12:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_domain_checks"
down_revision: str | None = "0008_reporter_event_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = (
    "diterima",
    "verifikasi",
    "perlu_dilengkapi",
    "tidak_dapat_ditindaklanjuti",
    "diteruskan",
    "investigasi",
    "selesai",
    "diarsipkan",
)
_AUTHORS = ("reporter", "staff")

# table -> column -> the values it admits
CHECKS: dict[str, dict[str, tuple[str, ...]]] = {
    "staff_accounts": {"role": ("admin", "supervisor", "investigator", "auditor")},
    "cases": {
        "category": (
            "penyalahgunaan_wewenang",
            "pelanggaran_administratif",
            "kkn",
            "pelanggaran_disiplin",
            "gratifikasi",
            "pungli",
            "lainnya",
        ),
        "status": _STATUSES,
        "outcome": ("terbukti", "tidak_terbukti"),
    },
    "case_grants": {"reason": ("supervisor", "assignment", "recovery")},
    "case_messages": {"author_kind": _AUTHORS},
    "timeline_entries": {
        "kind": ("status", "objection", "objection_answer", "evidence_added"),
        "status": _STATUSES,
    },
    "attachments": {"uploaded_by": _AUTHORS},
    "auth_sessions": {"kind": ("staff", "reporter"), "channel": ("web", "api")},
    "pending_notifications": {"kind": ("new_case", "reporter_reply", "new_supervisor")},
}


def _condition(column: str, values: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({listed})"


def upgrade() -> None:
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for column, values in columns.items():
                batch_op.create_check_constraint(
                    op.f(f"ck_{table}_{column}"), _condition(column, values)
                )


def downgrade() -> None:
    for table, columns in reversed(CHECKS.items()):
        with op.batch_alter_table(table) as batch_op:
            for column in columns:
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
