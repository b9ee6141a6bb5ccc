"""Column types shared by the models: enum columns with a named CHECK constraint, and a
timestamp column that is timezone-aware on every backend.

SQLite has no timestamp type: SQLAlchemy stores the UTC wall-clock text and reads it back
naive. ``UtcDateTime`` writes UTC and always hands back an aware UTC datetime, so no caller
repairs a naive value. Enum columns store the enum's value (the same strings as before
enums were used) in a VARCHAR, and the database refuses any other value (migration
0009_domain_checks adds the constraints to existing databases).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime, Dialect, Enum
from sqlalchemy.types import TypeDecorator


def enum_values(enum: type[StrEnum]) -> list[str]:
    """The stored strings of ``enum``, in definition order (what the CHECK admits)."""
    return [member.value for member in enum]


def enum_column(enum: type[StrEnum], name: str, length: int) -> Enum:
    """A VARCHAR(``length``) column of ``enum``'s values with CHECK ``ck_<table>_<name>``.

    A fresh type per column: the CHECK belongs to the table the column is on.
    """
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        values_callable=enum_values,
        length=length,
    )


class UtcDateTime(TypeDecorator[datetime]):
    """``TIMESTAMP WITH TIME ZONE`` that stores UTC and returns aware UTC datetimes.

    A naive value written is taken as UTC (what SQLite handed back before this type).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Normalise to UTC before the driver sees it (SQLite would drop the offset)."""
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to SQLite's naive text; convert PostgreSQL's session zone to UTC."""
        return None if value is None else as_utc(value)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime; a naive value is taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
