"""Inspektorat units, routing rules, reported agencies, a supervisor's unit and the
incident's kota.

``units`` are the parts of the Inspektorat whose supervisors receive the cases routed to
them; a head unit (the Inspektur's office) receives every case. The seed is the Inspektur's
office and one Inspektur Pembantu per kota/kabupaten administrasi, each with the routing rule
of its kota (Kemendagri codes). ``agencies`` is the list of provincial bodies (OPD, SKPD,
UKPD) a reporter may name, seeded with the most common ones; an agency may route its cases
to a unit. ``staff_accounts.unit_id`` is NULL for every existing account, which counts as the
head unit: supervisors keep receiving every new case until the admin puts them in a unit,
and no grant of an existing case changes. ``cases.area_kota`` holds the kota of a new case's
incident (the finer place stays sealed in the report).

Revision ID: 0010_units
Revises: 0009_domain_checks
Create Date: 2026-12-07 16:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0010_units"
down_revision: str | None = "0009_domain_checks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A fixed time: a clone of the migrated template must equal a migrated database.
SEEDED_AT = datetime(2026, 12, 7, tzinfo=UTC)
HEAD = ("inspektur", "Kantor Inspektur")
# unit code, unit name, the kota (Kemendagri code) it receives the cases of
REGIONAL = (
    ("irban-jakpus", "Inspektur Pembantu Wilayah Kota Administrasi Jakarta Pusat", "31.71"),
    ("irban-jakut", "Inspektur Pembantu Wilayah Kota Administrasi Jakarta Utara", "31.72"),
    ("irban-jakbar", "Inspektur Pembantu Wilayah Kota Administrasi Jakarta Barat", "31.73"),
    ("irban-jaksel", "Inspektur Pembantu Wilayah Kota Administrasi Jakarta Selatan", "31.74"),
    ("irban-jaktim", "Inspektur Pembantu Wilayah Kota Administrasi Jakarta Timur", "31.75"),
    (
        "irban-kepseribu",
        "Inspektur Pembantu Wilayah Kabupaten Administrasi Kepulauan Seribu",
        "31.01",
    ),
)


def _create_tables() -> None:
    units = op.create_table(
        "units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("is_head", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint("code", name=op.f("uq_units_code")),
        sa.UniqueConstraint("name", name=op.f("uq_units_name")),
    )
    op.create_table(
        "routing_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kota_code", sa.String(length=8), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            name=op.f("fk_routing_rules_unit_id_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rules")),
        sa.UniqueConstraint("kota_code", name=op.f("uq_routing_rules_kota_code")),
    )
    op.create_index(op.f("ix_routing_rules_unit_id"), "routing_rules", ["unit_id"])
    # No ids given: PostgreSQL's sequences must stay ahead of the seeded rows.
    seeded = [(HEAD[0], HEAD[1], True)] + [(code, name, False) for code, name, _ in REGIONAL]
    op.bulk_insert(
        units,
        [
            {"code": code, "name": name, "is_head": head, "created_at": SEEDED_AT}
            for code, name, head in seeded
        ],
    )
    for code, _, kota in REGIONAL:
        op.execute(
            sa.text(
                "INSERT INTO routing_rules (kota_code, unit_id) "
                "SELECT :kota, id FROM units WHERE code = :code"
            ).bindparams(kota=kota, code=code)
        )


# The provincial bodies reporters most often name (code, name); the admin edits the list.
AGENCIES = (
    ("disdik", "Dinas Pendidikan"),
    ("dinkes", "Dinas Kesehatan"),
    ("dinsos", "Dinas Sosial"),
    ("dukcapil", "Dinas Kependudukan dan Pencatatan Sipil"),
    ("dishub", "Dinas Perhubungan"),
    ("dlh", "Dinas Lingkungan Hidup"),
    ("bina-marga", "Dinas Bina Marga"),
    ("sda", "Dinas Sumber Daya Air"),
    ("citata", "Dinas Cipta Karya, Tata Ruang dan Pertanahan"),
    ("dprkp", "Dinas Perumahan Rakyat dan Kawasan Permukiman"),
    ("dpmptsp", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu"),
    ("satpol-pp", "Satuan Polisi Pamong Praja"),
    ("gulkarmat", "Dinas Penanggulangan Kebakaran dan Penyelamatan"),
    ("bapenda", "Badan Pendapatan Daerah"),
    ("bpkd", "Badan Pengelolaan Keuangan Daerah"),
    ("bpad", "Badan Pengelolaan Aset Daerah"),
    ("bkd", "Badan Kepegawaian Daerah"),
    ("bpbj", "Biro Pengadaan Barang dan Jasa"),
    ("rsud", "Rumah Sakit Umum Daerah (RSUD)"),
    ("puskesmas", "Puskesmas"),
    ("sekolah", "Sekolah negeri (SD, SMP, SMA, SMK)"),
    ("kantor-walikota", "Kantor wali kota / bupati"),
    ("kecamatan", "Kantor kecamatan"),
    ("kelurahan", "Kantor kelurahan"),
)


def _create_agencies() -> None:
    agencies = op.create_table(
        "agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_agencies_unit_id_units"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("code", name=op.f("uq_agencies_code")),
        sa.UniqueConstraint("name", name=op.f("uq_agencies_name")),
    )
    op.create_index(op.f("ix_agencies_unit_id"), "agencies", ["unit_id"])
    op.bulk_insert(
        agencies,
        [{"code": code, "name": name, "active": True, "unit_id": None} for code, name in AGENCIES],
    )


def _add_columns() -> None:
    with op.batch_alter_table("staff_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_staff_accounts_unit_id"), ["unit_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_staff_accounts_unit_id_units"),
            "units",
            ["unit_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("area_kota", sa.String(length=8), nullable=True))


_ROLES = ("admin", "supervisor", "investigator", "auditor")
_INTAKE_ROLE = "intake_officer"
_CHANNELS = (
    "loket_inspektorat",
    "balai_kota",
    "kantor_walikota",
    "kantor_kecamatan",
    "kantor_kelurahan",
    "surat",
    "telepon",
    "email",
    "pesan",
    "media_sosial",
)


def _role_check(roles: Sequence[str]) -> str:
    return "role IN ({})".format(", ".join(f"'{role}'" for role in roles))


def _allow_intake_officer_role() -> None:
    """A separate step: the role CHECK admits ``intake_officer`` (merges with other role
    changes touch only this function)."""
    with op.batch_alter_table("staff_accounts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_staff_accounts_role"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_staff_accounts_role"), _role_check((*_ROLES, _INTAKE_ROLE))
        )


def _drop_intake_officer_role() -> None:
    # The role did not exist before: its accounts go (they hold no case key or grant).
    op.execute("DELETE FROM staff_accounts WHERE role = 'intake_officer'")
    with op.batch_alter_table("staff_accounts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_staff_accounts_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_staff_accounts_role"), _role_check(_ROLES))


def _add_intake_channel() -> None:
    listed = ", ".join(f"'{channel}'" for channel in _CHANNELS)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intake_channel", sa.String(length=32), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_cases_intake_channel"), f"intake_channel IN ({listed})"
        )


def upgrade() -> None:
    _create_tables()
    _create_agencies()
    _add_columns()
    _add_intake_channel()
    _allow_intake_officer_role()


def downgrade() -> None:
    _drop_intake_officer_role()
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_cases_intake_channel"), type_="check")
        batch_op.drop_column("intake_channel")
        batch_op.drop_column("area_kota")
    with op.batch_alter_table("staff_accounts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_staff_accounts_unit_id_units"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_staff_accounts_unit_id"))
        batch_op.drop_column("unit_id")
    op.drop_index(op.f("ix_agencies_unit_id"), table_name="agencies")
    op.drop_table("agencies")
    op.drop_index(op.f("ix_routing_rules_unit_id"), table_name="routing_rules")
    op.drop_table("routing_rules")
    op.drop_table("units")
