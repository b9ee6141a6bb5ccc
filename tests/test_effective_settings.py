"""The settings in force: built-in default < environment < the admin's saved override."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from sipadu.admin.service import InstanceSettings, get_instance_settings, save_instance_settings
from sipadu.app_context import current_audit_key, current_settings
from sipadu.cases.deadlines import DEFAULT_POLICY, DeadlinePolicy
from sipadu.cases.holidays import HolidayEdits
from sipadu.cases.national_holidays import national_holidays
from sipadu.effective_settings import effective_settings, resolve_settings
from sipadu.settings import MIB, settings_from_env

NEW_YEAR = {date(2027, 1, 1): "Tahun Baru"}
FULL_OVERRIDE: dict[str, Any] = {
    "deadlines": {"acknowledge_working_days": 5},
    "holidays": "2027-01-01  # Tahun Baru",
    "retention_days": 400,
    "max_file_mib": 2,
    "max_files": 4,
}


def national_holidays_without(day: date) -> dict[date, str]:
    """The national calendar less one day."""
    calendar = national_holidays()
    del calendar[day]
    return calendar


# Each overridable setting at each level: (setting, environment, saved override, in force).
PRECEDENCE = [
    ("retention_days", {}, None, 365),
    ("retention_days", {"SIPADU_RETENTION_DAYS": "730"}, None, 730),
    ("retention_days", {"SIPADU_RETENTION_DAYS": "730"}, {"retention_days": 400}, 400),
    ("max_file_bytes", {}, None, 100 * MIB),
    ("max_file_bytes", {"SIPADU_MAX_FILE_BYTES": "65536"}, None, 65536),
    ("max_file_bytes", {"SIPADU_MAX_FILE_BYTES": "65536"}, {"max_file_mib": 2}, 2 * MIB),
    ("max_files", {}, None, 10),
    ("max_files", {"SIPADU_MAX_FILES": "3"}, None, 3),
    ("max_files", {"SIPADU_MAX_FILES": "3"}, {"max_files": 4}, 4),
    # No environment variable: the override replaces the built-in default.
    ("deadlines", {}, None, DEFAULT_POLICY),
    ("deadlines", {}, {"deadlines": {"acknowledge_working_days": 5}}, DeadlinePolicy(5)),
    # The holidays' default is the national calendar; the admin's list edits it.
    ("holidays", {}, None, national_holidays()),
    ("holidays", {}, {"holidays": "-2027-01-01"}, national_holidays_without(date(2027, 1, 1))),
    ("holiday_edits", {}, {"holidays": "2027-01-01  # Tahun Baru"}, HolidayEdits(NEW_YEAR, {})),
]


@pytest.mark.parametrize(("name", "env", "override", "expected"), PRECEDENCE)
def test_precedence_of_each_overridable_setting(
    name: str, env: dict[str, str], override: dict[str, Any] | None, expected: object
) -> None:
    resolved = resolve_settings(settings_from_env(env), override)
    assert getattr(resolved, name) == expected


def test_an_override_missing_a_value_falls_back_to_the_environment() -> None:
    env = settings_from_env({"SIPADU_RETENTION_DAYS": "730", "SIPADU_MAX_FILES": "3"})
    resolved = resolve_settings(env, {"deadlines": {}, "holidays": ""})
    assert (resolved.retention_days, resolved.max_files) == (730, 3)
    assert resolved.deadlines == DEFAULT_POLICY


def test_the_saved_row_overrides_the_environment_on_both_databases(app: Flask, db: Session) -> None:
    env = replace(current_settings(app), retention_days=730, max_file_bytes=65536, max_files=3)
    before = effective_settings(db, env)
    assert (before.retention_days, before.max_file_bytes, before.max_files) == (730, 65536, 3)
    values = InstanceSettings(DeadlinePolicy(5), dict(NEW_YEAR), 400, 2, 4)
    save_instance_settings(db, values, audit_key=current_audit_key(app), actor="cli")
    db.commit()
    after = effective_settings(db, env)
    assert after == resolve_settings(env, FULL_OVERRIDE)
    assert after.holiday_edits.added == NEW_YEAR
    assert frozenset(NEW_YEAR) < after.holiday_dates  # with the national calendar


def test_the_console_shows_the_environment_values_before_any_save(app: Flask, db: Session) -> None:
    env = replace(current_settings(app), retention_days=730, max_file_bytes=64 * 1024)
    app.extensions["sipadu.settings"] = env
    shown = get_instance_settings(db)
    # Sizes are shown in whole MiB within the form's range: 64 KiB shows as 1 MiB.
    assert (shown.retention_days, shown.max_file_mib, shown.max_files) == (730, 1, 10)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SIPADU_RETENTION_DAYS", "7", "SIPADU_RETENTION_DAYS must be at least 30, got 7"),
        ("SIPADU_MAX_FILES", "many", "SIPADU_MAX_FILES must be a whole number, got 'many'"),
        ("SIPADU_SMTP_TLS", "maybe", "SIPADU_SMTP_TLS must be one of starttls, tls, none"),
    ],
)
def test_an_invalid_environment_value_stops_the_start_by_name(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    env = {key: val for key, val in os.environ.items() if not key.startswith("SIPADU_")}
    env.update(
        {
            "SIPADU_INSTANCE_DIR": str(tmp_path / "instance"),
            "SIPADU_KEYS_DIR": str(tmp_path / "keys"),
            "SIPADU_SMTP_HOST": "mail.example",
            name: value,
        }
    )
    sipadu = str(Path(sys.executable).with_name("sipadu"))
    result = subprocess.run(
        [sipadu, "notify", "send"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert f"Error: {message}" in result.stderr
