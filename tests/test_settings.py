"""Settings and key files: clear refusals instead of a half-secure start."""

from __future__ import annotations

from pathlib import Path

import pytest

from sipadu import create_app
from sipadu.keyring import KeyFileError, generate_missing_keys, load_keyring, make_test_keyring
from sipadu.settings import SettingsError, settings_from_env
from tests.conftest import build_app, make_settings
from tests.support.instance import Database


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = settings_from_env({})
    assert settings.database_url == f"sqlite:///{tmp_path / 'instance' / 'sipadu.sqlite3'}"
    assert settings.keys_dir == tmp_path / "keys"
    assert settings.default_locale == "id"
    assert settings.argon2.time_cost >= 3 and settings.argon2.memory_cost >= 64 * 1024
    assert not settings.uses_https


def test_environment_overrides(tmp_path: Path) -> None:
    settings = settings_from_env(
        {
            "SIPADU_DATABASE_URL": "postgresql+psycopg://u@db/sipadu",
            "SIPADU_KEYS_DIR": str(tmp_path / "k"),
            "SIPADU_BASE_URL": "https://lapor.example",
            "SIPADU_ARGON2_MEMORY_KIB": str(128 * 1024),
            "SIPADU_DEFAULT_LOCALE": "en",
        }
    )
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert settings.database_connect_timeout == 5  # bounded even when not configured
    assert (
        settings_from_env({"SIPADU_DATABASE_CONNECT_TIMEOUT": "12"}).database_connect_timeout == 12
    )
    assert settings.keys_dir == tmp_path / "k"
    assert settings.uses_https and settings.argon2.memory_cost == 128 * 1024


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SIPADU_MAX_REQUEST_BYTES", "lots"),
        ("SIPADU_ARGON2_TIME_COST", "1"),
        ("SIPADU_ARGON2_MEMORY_KIB", "1024"),
        ("SIPADU_DEFAULT_LOCALE", "fr"),
        ("SIPADU_BASE_URL", "ftp://x"),
        ("SIPADU_TRUSTED_PROXIES", "-1"),
        ("SIPADU_ARGON2_SLOTS", "0"),
        ("SIPADU_ARGON2_WAIT_SECONDS", "-1"),
        ("SIPADU_RATE_LIMITS_ENABLED", "maybe"),
        ("SIPADU_DATABASE_CONNECT_TIMEOUT", "1"),
    ],
)
def test_bad_values_are_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        settings_from_env({name: value})


def test_rate_limit_and_argon2_gate_settings() -> None:
    defaults = settings_from_env({})
    assert defaults.rate_limits_enabled and defaults.argon2_slots == 2
    assert defaults.argon2_wait_seconds == 30.0
    settings = settings_from_env(
        {
            "SIPADU_RATE_LIMITS_ENABLED": "false",
            "SIPADU_ARGON2_SLOTS": "4",
            "SIPADU_ARGON2_WAIT_SECONDS": "0",
        }
    )
    assert not settings.rate_limits_enabled and settings.argon2_slots == 4
    assert settings.argon2_wait_seconds == 0.0
    assert settings_from_env({"SIPADU_RATE_LIMITS_ENABLED": " ON "}).rate_limits_enabled


def _settings_with_keys(tmp_path: Path) -> object:
    generate_missing_keys(tmp_path / "keys")
    return settings_from_env(
        {
            "SIPADU_KEYS_DIR": str(tmp_path / "keys"),
            "SIPADU_INSTANCE_DIR": str(tmp_path / "instance"),
        }
    )


def test_app_refuses_missing_key_and_names_the_fix(tmp_path: Path) -> None:
    settings = _settings_with_keys(tmp_path)
    (tmp_path / "keys" / "flask_secret.key").unlink()
    with pytest.raises(KeyFileError, match=r"flask_secret\.key is missing.*sipadu init"):
        create_app(settings)  # type: ignore[arg-type]


@pytest.mark.parametrize("content", ["changeme", "00" * 32, "ab" * 8, "not hex at all!"])
def test_app_refuses_default_or_weak_secrets(tmp_path: Path, content: str) -> None:
    settings = _settings_with_keys(tmp_path)
    path = tmp_path / "keys" / "audit_hmac.key"
    path.write_text(content)
    with pytest.raises(KeyFileError, match=r"audit_hmac\.key"):
        create_app(settings)  # type: ignore[arg-type]


def test_app_refuses_world_readable_keys(tmp_path: Path) -> None:
    settings = _settings_with_keys(tmp_path)
    (tmp_path / "keys" / "flask_secret.key").chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        create_app(settings)  # type: ignore[arg-type]


def test_generated_keys_load_and_differ(tmp_path: Path) -> None:
    generate_missing_keys(tmp_path / "a")
    generate_missing_keys(tmp_path / "b")
    first, second = load_keyring(tmp_path / "a"), load_keyring(tmp_path / "b")
    assert first.flask_secret != second.flask_secret
    assert first.audit_hmac_key != first.flask_secret
    assert first.ratelimit_key != second.ratelimit_key
    assert first.ratelimit_key not in (first.flask_secret, first.audit_hmac_key)


def test_keyring_never_prints_its_secrets() -> None:
    keyring = make_test_keyring()
    assert keyring.flask_secret.hex() not in repr(keyring)
    assert keyring.audit_hmac_key.hex() not in str(keyring)
    assert keyring.ratelimit_key.hex() not in repr(keyring)


def test_flask_debug_in_the_environment_does_not_turn_debug_mode_on(
    tmp_path: Path, sqlite_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = build_app(make_settings(tmp_path, sqlite_database))
    assert app.debug is False
