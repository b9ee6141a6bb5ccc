"""The shared column types behave the same on SQLite and PostgreSQL: timestamps come back
aware and in UTC whatever was written, enum columns hand back the enum's members."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, Table, insert, select, text
from sqlalchemy.exc import IntegrityError

from sipadu.coltypes import UtcDateTime, as_utc, enum_column
from sipadu.db import NAMING_CONVENTION, make_engine
from tests.support.instance import Database

WIB = timezone(timedelta(hours=7))


class Colour(StrEnum):
    RED = "red"
    GREEN = "green"


_metadata = MetaData(naming_convention=NAMING_CONVENTION)
_rows = Table(
    "coltype_rows",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime),
    Column("colour", enum_column(Colour, "colour", 8)),
)


@pytest.fixture
def engine(database: Database) -> Iterator[Engine]:
    eng = make_engine(database.url, database.schema)
    _metadata.create_all(eng)
    yield eng
    _metadata.drop_all(eng)
    eng.dispose()


def test_timestamps_come_back_aware_utc(engine: Engine) -> None:
    written = {
        1: datetime(2026, 12, 7, 19, 30, tzinfo=WIB),
        2: datetime(2026, 12, 7, 12, 30),  # naive: taken as UTC
        3: datetime(2026, 12, 7, 12, 30, tzinfo=UTC),
    }
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # A session zone other than UTC must not leak into what the code sees.
            connection.execute(text("SET TIME ZONE 'Asia/Jakarta'"))
        for row_id, moment in written.items():
            connection.execute(insert(_rows).values(id=row_id, at=moment, colour=Colour.RED))
        read = {row.id: row.at for row in connection.execute(select(_rows.c.id, _rows.c.at))}
    expected = datetime(2026, 12, 7, 12, 30, tzinfo=UTC)
    for row_id in written:
        assert read[row_id] == expected
        assert read[row_id].utcoffset() == timedelta(0)


def test_enum_column_returns_members_and_refuses_other_values(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(insert(_rows).values(id=1, colour="green"))
        colour = connection.execute(select(_rows.c.colour)).scalar_one()
    assert colour is Colour.GREEN
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text("INSERT INTO coltype_rows (id, colour) VALUES (2, 'blue')"))


def test_as_utc_takes_naive_as_utc_and_converts_aware() -> None:
    assert as_utc(datetime(2026, 1, 1, 7)) == datetime(2026, 1, 1, 7, tzinfo=UTC)
    converted = as_utc(datetime(2026, 1, 1, 7, tzinfo=WIB))
    assert converted.tzinfo is UTC and converted.hour == 0
