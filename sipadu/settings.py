"""Typed, frozen settings read from the environment, plus the secrets kept in ``keys/``.

This module is the only reader of ``SIPADU_*`` deployment variables, and every default is
defined here once. They are read once, at startup: a value SIPADU cannot use stops the start
with a ``SettingsError`` that names the variable. The values an admin may override in the
console are resolved by ``sipadu.effective_settings`` (default < environment < override).

Every setting is documented in the README's configuration table. Secrets never come from
environment variables: they live in files under the keys folder, created by ``sipadu init``.
(The one exception, ``SIPADU_SMTP_PASSWORD``, exists for container secrets; the password
file is preferred.)
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from sipadu.crypto.params import DEFAULT_ARGON2, Argon2Params
from sipadu.keyring import KeyFileError, KeyRing, S3Credentials, load_keyring, read_s3_credentials

MIB = 1024 * 1024
DEFAULT_DATABASE_CONNECT_TIMEOUT = 5  # seconds
DEFAULT_BODY_READ_TIMEOUT = 30  # seconds without a byte of a request body
DEFAULT_BODY_TOTAL_TIMEOUT = 600  # seconds for a whole request body, however it trickles
DEFAULT_MAX_FILE_BYTES = 100 * MIB
DEFAULT_MAX_FILES = 10
# Peers whose X-Forwarded-* headers are believed: a balancer on the same machine.
DEFAULT_PROXY_ADDRESSES = "127.0.0.0/8,::1/128"
ProxyNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# Days an archived case is kept before `sipadu retention run` purges it (docs/operations.md).
DEFAULT_RETENTION_DAYS = 365
MIN_RETENTION_DAYS = 30
SMTP_TLS_MODES = ("starttls", "tls", "none")
DEFAULT_SMTP_SENDER = "sipadu@localhost"
BLOB_STORES = ("file", "s3")
DEFAULT_S3_REGION = "us-east-1"
# S3's bucket naming rules (lower-case letters, digits, dots and hyphens; 3-63 characters).
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def default_key_check_slots() -> int:
    """Half the cores, at least one: the other half stays free for new reports."""
    return max(1, (os.cpu_count() or 2) // 2)


class SettingsError(Exception):
    """A setting has a value SIPADU cannot use."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where notification digests are delivered (docs/deployment.md, "Notifications").

    The password file is named here and read only by the command that sends mail, so the
    web workers never read the file."""

    host: str
    port: int = 587
    tls: str = "starttls"
    user: str | None = None
    password_file: Path | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = DEFAULT_SMTP_SENDER


@dataclass(frozen=True)
class S3Settings:
    """Where the S3 blob store keeps blobs (docs/deployment.md, "Object storage")."""

    bucket: str
    credentials: S3Credentials = field(repr=False)
    endpoint_url: str | None = None
    region: str = DEFAULT_S3_REGION


@dataclass(frozen=True)
class Settings:
    """Everything the application needs to know about its deployment."""

    instance_dir: Path
    keys_dir: Path
    database_url: str
    database_schema: str | None = None
    # Seconds to wait for PostgreSQL to answer a new connection; past it the request gets
    # the "cannot reach its database" 503 instead of holding a worker until gunicorn kills it.
    database_connect_timeout: int = DEFAULT_DATABASE_CONNECT_TIMEOUT
    base_url: str = "http://127.0.0.1:8000"
    trusted_proxies: int = 0
    # The immediate peers (REMOTE_ADDR) whose forwarded headers count, when trusted_proxies
    # is set: a request from any other peer is taken as a direct client's.
    proxy_addresses: tuple[ProxyNetwork, ...] = field(
        default_factory=lambda: proxy_networks(DEFAULT_PROXY_ADDRESSES)
    )
    # Hosts besides SIPADU_BASE_URL's that requests may name behind a balancer (the onion).
    allowed_hosts: tuple[str, ...] = ()
    # Seconds a request body may go without a byte arriving before its connection is cut
    # (sipadu/web/slow_clients.py): a stalled upload must not hold a server thread.
    body_read_timeout: int = DEFAULT_BODY_READ_TIMEOUT
    # Seconds a whole request body may take: a client trickling a byte now and then never
    # trips the read timeout above, and each one holds a server thread.
    body_total_timeout: int = DEFAULT_BODY_TOTAL_TIMEOUT
    max_request_bytes: int = 105 * MIB
    # The upload limits until an admin overrides them (sipadu/effective_settings.py).
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_files: int = DEFAULT_MAX_FILES
    retention_days: int = DEFAULT_RETENTION_DAYS
    default_locale: str = "id"
    log_level: str = "INFO"
    redis_url: str | None = None
    # Argon2id cost for every key SIPADU derives or verifier it creates (docs/crypto.md).
    argon2: Argon2Params = DEFAULT_ARGON2
    argon2_slots: int = 2
    argon2_wait_seconds: float = 30.0
    # Case-key checks at once across every worker (sipadu/web/key_check_slots.py).
    case_key_check_slots: int = field(default_factory=default_key_check_slots)
    rate_limits_enabled: bool = True
    # A Server-Timing header on every answer, for benchmarks only (sipadu/web/server_timing.py).
    server_timing: bool = False
    # None: no SMTP, `sipadu notify send` logs a content-free line per digest instead.
    smtp: SmtpSettings | None = None
    # "file": blobs in ``blob_dir``; "s3": in the bucket ``s3`` names (sipadu/storage/factory.py).
    blob_store: str = "file"
    blob_folder: Path | None = None
    s3: S3Settings | None = None
    testing: bool = False
    keyring: KeyRing | None = None

    @property
    def uses_https(self) -> bool:
        """True when the public address is HTTPS: cookies become Secure and HSTS is sent."""
        return urlsplit(self.base_url).scheme == "https"

    @property
    def blob_dir(self) -> Path:
        """The filesystem store's folder: SIPADU_BLOB_DIR, else ``blobs`` in the instance."""
        return self.blob_folder or self.instance_dir / "blobs"

    def with_keyring(self) -> Settings:
        """Return a copy holding the secrets loaded from the keys folder."""
        return replace(self, keyring=load_keyring(self.keys_dir))


def proxy_networks(text: str, name: str = "SIPADU_PROXY_ADDRESSES") -> tuple[ProxyNetwork, ...]:
    """The comma-separated addresses and CIDR networks of ``text``."""
    networks = []
    for part in (piece.strip() for piece in text.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise SettingsError(
                f"{name} must list IP addresses or networks (e.g. 10.0.0.5,10.0.1.0/24), "
                f"got {part!r}"
            ) from None
    if not networks:
        raise SettingsError(f"{name} must name at least one address of the reverse proxy")
    return tuple(networks)


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def smtp_from_env(env: Mapping[str, str]) -> SmtpSettings | None:
    """The ``SIPADU_SMTP_*`` settings, or ``None`` when ``SIPADU_SMTP_HOST`` is unset."""
    host = env.get("SIPADU_SMTP_HOST", "").strip()
    if not host:
        return None
    tls = env.get("SIPADU_SMTP_TLS", "starttls").strip().lower()
    if tls not in SMTP_TLS_MODES:
        raise SettingsError(f"SIPADU_SMTP_TLS must be one of {', '.join(SMTP_TLS_MODES)}")
    password_file = env.get("SIPADU_SMTP_PASSWORD_FILE")
    return SmtpSettings(
        host=host,
        port=_int(env, "SIPADU_SMTP_PORT", 465 if tls == "tls" else 587, minimum=1),
        tls=tls,
        user=env.get("SIPADU_SMTP_USER") or None,
        password_file=Path(password_file) if password_file else None,
        password=env.get("SIPADU_SMTP_PASSWORD") or None,
        sender=env.get("SIPADU_SMTP_FROM") or DEFAULT_SMTP_SENDER,
    )


def s3_from_env(env: Mapping[str, str]) -> S3Settings:
    """The ``SIPADU_S3_*`` settings; the credentials file is read and checked here, so a bad
    one stops the start (its values never appear in a message)."""
    bucket = env.get("SIPADU_S3_BUCKET", "").strip()
    if not _BUCKET_NAME.fullmatch(bucket):
        raise SettingsError(
            "SIPADU_S3_BUCKET must name the bucket (3-63 lower-case letters, digits, dots "
            f"or hyphens), got {bucket!r}"
        )
    endpoint = env.get("SIPADU_S3_ENDPOINT_URL", "").strip() or None
    if endpoint is not None and (
        urlsplit(endpoint).scheme not in ("http", "https") or not urlsplit(endpoint).hostname
    ):
        raise SettingsError(
            f"SIPADU_S3_ENDPOINT_URL must be an http(s):// address, got {endpoint!r}"
        )
    credentials_file = env.get("SIPADU_S3_CREDENTIALS_FILE", "").strip()
    if not credentials_file:
        raise SettingsError("SIPADU_S3_CREDENTIALS_FILE must name the S3 credentials file")
    try:
        credentials = read_s3_credentials(Path(credentials_file))
    except KeyFileError as error:
        raise SettingsError(f"SIPADU_S3_CREDENTIALS_FILE: {error}") from None
    except OSError as error:
        raise SettingsError(
            f"SIPADU_S3_CREDENTIALS_FILE: cannot read {credentials_file} ({error.strerror})"
        ) from None
    return S3Settings(
        bucket=bucket,
        credentials=credentials,
        endpoint_url=endpoint,
        region=env.get("SIPADU_S3_REGION", "").strip() or DEFAULT_S3_REGION,
    )


def _blob_store(env: Mapping[str, str]) -> str:
    kind = (env.get("SIPADU_BLOB_STORE") or "file").strip().lower()
    if kind not in BLOB_STORES:
        raise SettingsError(f"SIPADU_BLOB_STORE must be 'file' or 's3', got {kind!r}")
    return kind


def settings_from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``SIPADU_*`` environment variables (see README)."""
    env = os.environ if env is None else env
    instance_dir = Path(env.get("SIPADU_INSTANCE_DIR") or "instance").resolve()
    keys_dir = Path(env.get("SIPADU_KEYS_DIR") or "keys").resolve()
    default_db = f"sqlite:///{instance_dir / 'sipadu.sqlite3'}"
    locale = env.get("SIPADU_DEFAULT_LOCALE") or "id"
    if locale not in ("id", "en"):
        raise SettingsError(f"SIPADU_DEFAULT_LOCALE must be 'id' or 'en', got {locale!r}")
    base_url = env.get("SIPADU_BASE_URL") or "http://127.0.0.1:8000"
    blob_store = _blob_store(env)
    if urlsplit(base_url).scheme not in ("http", "https"):
        raise SettingsError(f"SIPADU_BASE_URL must start with http(s)://, got {base_url!r}")
    return Settings(
        instance_dir=instance_dir,
        keys_dir=keys_dir,
        database_url=env.get("SIPADU_DATABASE_URL") or default_db,
        database_schema=env.get("SIPADU_DATABASE_SCHEMA") or None,
        # libpq rounds anything below 2 seconds up to 2.
        database_connect_timeout=_int(
            env, "SIPADU_DATABASE_CONNECT_TIMEOUT", DEFAULT_DATABASE_CONNECT_TIMEOUT, minimum=2
        ),
        base_url=base_url,
        trusted_proxies=_int(env, "SIPADU_TRUSTED_PROXIES", 0),
        proxy_addresses=proxy_networks(
            env.get("SIPADU_PROXY_ADDRESSES") or DEFAULT_PROXY_ADDRESSES
        ),
        allowed_hosts=tuple(
            host.strip() for host in env.get("SIPADU_ALLOWED_HOSTS", "").split(",") if host.strip()
        ),
        body_read_timeout=_int(
            env, "SIPADU_BODY_READ_TIMEOUT", DEFAULT_BODY_READ_TIMEOUT, minimum=1
        ),
        body_total_timeout=_int(
            env, "SIPADU_BODY_TOTAL_TIMEOUT", DEFAULT_BODY_TOTAL_TIMEOUT, minimum=1
        ),
        max_request_bytes=_int(env, "SIPADU_MAX_REQUEST_BYTES", 105 * MIB, minimum=64 * 1024),
        max_file_bytes=_int(env, "SIPADU_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES, minimum=1024),
        max_files=_int(env, "SIPADU_MAX_FILES", DEFAULT_MAX_FILES, minimum=1),
        retention_days=_int(
            env, "SIPADU_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, minimum=MIN_RETENTION_DAYS
        ),
        default_locale=locale,
        log_level=(env.get("SIPADU_LOG_LEVEL") or "INFO").upper(),
        redis_url=env.get("SIPADU_REDIS_URL") or None,
        argon2=Argon2Params(
            time_cost=_int(
                env,
                "SIPADU_ARGON2_TIME_COST",
                DEFAULT_ARGON2.time_cost,
                minimum=DEFAULT_ARGON2.time_cost,
            ),
            memory_cost=_int(
                env,
                "SIPADU_ARGON2_MEMORY_KIB",
                DEFAULT_ARGON2.memory_cost,
                minimum=DEFAULT_ARGON2.memory_cost,
            ),
            parallelism=_int(env, "SIPADU_ARGON2_PARALLELISM", 1, minimum=1),
        ),
        argon2_slots=_int(env, "SIPADU_ARGON2_SLOTS", 2, minimum=1),
        argon2_wait_seconds=float(_int(env, "SIPADU_ARGON2_WAIT_SECONDS", 30, minimum=0)),
        case_key_check_slots=_int(
            env, "SIPADU_CASE_KEY_CHECK_SLOTS", default_key_check_slots(), minimum=1
        ),
        rate_limits_enabled=_bool(env, "SIPADU_RATE_LIMITS_ENABLED", True),
        server_timing=_bool(env, "SIPADU_SERVER_TIMING", False),
        smtp=smtp_from_env(env),
        blob_store=blob_store,
        blob_folder=Path(env["SIPADU_BLOB_DIR"]).resolve() if env.get("SIPADU_BLOB_DIR") else None,
        s3=s3_from_env(env) if blob_store == "s3" else None,
    )
