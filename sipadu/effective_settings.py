"""The settings in force: one read path and one precedence for what an admin may override.

Precedence, lowest first, decided here and nowhere else:

1. the built-in default (``sipadu/settings.py``, ``DEFAULT_POLICY`` for the deadlines);
2. the environment (``SIPADU_*``), read once at startup into ``Settings``;
3. the admin's override, saved in the console (the one ``instance_settings`` row).

An override, once saved, holds every overridable value (the console saves them together); a
value missing from an older row falls back to the environment. Deadlines and holidays have no
environment variable, so for them it is default < override; the holidays' default is the
national calendar (``cases/national_holidays.py``), which the admin's list adds days to and
removes days from (``cases/holidays.py``). Everything else (database,
keys, Argon2 cost, SMTP, ...) is deployment-only: read it from ``Settings`` directly.

This is a core module: it imports no feature package, so every feature may read it. The
admin console writes the row (``sipadu/admin/service.py``); the row is read here through a
table clause rather than the admin's model, for the same reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import String, Text, column, select, table
from sqlalchemy.orm import Session

from sipadu.app_context import current_settings
from sipadu.cases.deadlines import DEFAULT_POLICY, DeadlinePolicy
from sipadu.cases.holidays import HolidayEdits, parse_holiday_edits
from sipadu.cases.national_holidays import national_holidays
from sipadu.settings import MIB, Settings

# The key of the one row holding the admin's overrides, as JSON.
OVERRIDES_KEY = "instance"
_OVERRIDES_TABLE = table("instance_settings", column("key", String), column("value", Text))


@dataclass(frozen=True)
class EffectiveSettings:
    """The overridable values in force, after the precedence above."""

    deadlines: DeadlinePolicy
    holidays: Mapping[date, str]  # in force: the national calendar with the admin's edits
    holiday_edits: HolidayEdits  # what the admin added and removed
    retention_days: int
    max_file_bytes: int
    max_files: int

    @property
    def holiday_dates(self) -> frozenset[date]:
        """The holidays as a set, for the working-day calendar."""
        return frozenset(self.holidays)


def saved_overrides(db: Session) -> dict[str, Any] | None:
    """The JSON document an admin saved, or ``None`` when none was ever saved."""
    value = db.execute(
        select(_OVERRIDES_TABLE.c.value).where(_OVERRIDES_TABLE.c.key == OVERRIDES_KEY)
    ).scalar_one_or_none()
    return None if value is None else dict(json.loads(value))


def resolve_settings(settings: Settings, overrides: Mapping[str, Any] | None) -> EffectiveSettings:
    """Apply the precedence to deployment ``settings`` and a saved ``overrides`` document."""
    saved = overrides or {}
    file_mib = saved.get("max_file_mib")
    edits = parse_holiday_edits(saved.get("holidays", ""))
    return EffectiveSettings(
        deadlines=DeadlinePolicy(**saved["deadlines"]) if "deadlines" in saved else DEFAULT_POLICY,
        holidays=edits.apply_to(national_holidays()),
        holiday_edits=edits,
        retention_days=int(saved.get("retention_days", settings.retention_days)),
        max_file_bytes=settings.max_file_bytes if file_mib is None else int(file_mib) * MIB,
        max_files=int(saved.get("max_files", settings.max_files)),
    )


def effective_settings(db: Session, settings: Settings | None = None) -> EffectiveSettings:
    """The values in force for this app (or the given ``settings``), read from ``db`` now.

    Not cached: an admin's save applies to the next request of every worker."""
    return resolve_settings(settings or current_settings(), saved_overrides(db))
