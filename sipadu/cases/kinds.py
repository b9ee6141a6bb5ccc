"""The case vocabulary besides statuses (``statuses.py``): categories, grant reasons, who
wrote a record and what a timeline entry records. Each is stored as its value; the columns
carry CHECK constraints built from these enums (migration 0009_domain_checks)."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """What a report is about, as the reporter chose it."""

    PENYALAHGUNAAN_WEWENANG = "penyalahgunaan_wewenang"
    PELANGGARAN_ADMINISTRATIF = "pelanggaran_administratif"
    KKN = "kkn"
    PELANGGARAN_DISIPLIN = "pelanggaran_disiplin"
    GRATIFIKASI = "gratifikasi"
    PUNGLI = "pungli"
    LAINNYA = "lainnya"


class GrantReason(StrEnum):
    """Why a staff member holds a case's data key."""

    SUPERVISOR = "supervisor"  # every approved supervisor, at submission or on approval
    ASSIGNMENT = "assignment"  # an investigator the case was assigned to
    RECOVERY = "recovery"  # re-granted from the escrow key


class IntakeChannel(StrEnum):
    """How a report filed by an intake officer reached the Inspektorat (NULL: online)."""

    LOKET_INSPEKTORAT = "loket_inspektorat"  # walk-in at the Inspektorat's counter
    BALAI_KOTA = "balai_kota"
    KANTOR_WALIKOTA = "kantor_walikota"  # a kantor wali kota / bupati
    KANTOR_KECAMATAN = "kantor_kecamatan"
    KANTOR_KELURAHAN = "kantor_kelurahan"
    SURAT = "surat"  # a letter
    TELEPON = "telepon"  # a call
    EMAIL = "email"
    PESAN = "pesan"  # SMS or a chat message
    MEDIA_SOSIAL = "media_sosial"  # a social-media referral


class AuthorKind(StrEnum):
    """Who wrote a message or uploaded a file: a reporter only ever sees "Inspektorat" for staff."""

    REPORTER = "reporter"
    STAFF = "staff"


class TimelineKind(StrEnum):
    """What a timeline entry the reporter sees records."""

    STATUS = "status"
    OBJECTION = "objection"
    OBJECTION_ANSWER = "objection_answer"
    EVIDENCE_ADDED = "evidence_added"
    # The reporter's sealed identity was read by a staff member a custodian approved; the
    # sealed text names their role, never their name.
    IDENTITY_OPENED = "identity_opened"


# The order forms, filters and statistics list categories in.
CATEGORIES: tuple[Category, ...] = tuple(Category)
# Grants that make a case an investigator's own (the supervisor grant does not).
ASSIGNED_REASONS: tuple[GrantReason, ...] = (GrantReason.ASSIGNMENT, GrantReason.RECOVERY)
