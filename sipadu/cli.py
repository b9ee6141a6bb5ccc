"""The `sipadu` command: a Flask CLI group (also reachable as `flask --app sipadu`)."""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, NoAppException

from sipadu.app import StartupError, create_app
from sipadu.app_context import current_settings
from sipadu.audit.actors import Actor
from sipadu.audit.service import count_events, record_event
from sipadu.commands import APP_COMMANDS
from sipadu.db import db_session, get_engine
from sipadu.escrow.cli import OFFLINE_FILE_NAME, announce_escrow, escrow_reminder, framed
from sipadu.escrow.service import create_escrow, generate_escrow_passphrase
from sipadu.keyring import ESCROW_PUBLIC_FILE, KeyFileError, generate_missing_keys
from sipadu.metrics import disable_multiprocess
from sipadu.metrics_exposition import MetricsBindError, MetricsExposition, parse_bind
from sipadu.migrate import is_up_to_date
from sipadu.ops.restore_marker import unfinished_restore_problem
from sipadu.settings import Settings, SettingsError, settings_from_env
from sipadu.staff.cli import seal_legacy_totp_secrets
from sipadu.storage.base import BlobStoreError
from sipadu.unit_of_work import commit_now
from sipadu.web.proxies import is_proxy_peer


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(2)


def _load_app() -> Flask:
    try:
        app = create_app()
    except (KeyFileError, SettingsError, StartupError) as error:
        _fail(str(error))
        raise  # unreachable; keeps type checkers content
    _check_blob_store(app)
    return app


def _check_blob_store(app: Flask) -> None:
    """A store that cannot be used stops the start, naming the settings to look at."""
    try:
        app.extensions["sipadu.blobs"].check()
    except BlobStoreError as error:
        _fail(f"the blob store cannot be used: {error}")


@click.command("init", help="Create the instance folder, missing keys and the database.")
def init_command() -> None:
    """Idempotent: safe to run on every start."""
    try:
        settings = settings_from_env()
    except SettingsError as error:
        _fail(str(error))
        return
    unfinished = unfinished_restore_problem(settings.instance_dir)
    if unfinished is not None:
        _fail(unfinished)  # new keys or tables would only hide what the restore left out
    os.umask(0o077)  # the database, blobs and keys are for this account only
    settings.instance_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for path in generate_missing_keys(settings.keys_dir):
        click.echo(f"Created key file {path} (mode 0600).")
    app = _load_app()
    with app.app_context():
        from sipadu import migrate

        migrate.upgrade(get_engine(), "head")
        session = db_session()
        if count_events(session) == 0:
            # A used instance always has rows, so an emptied log cannot pass as new.
            keyring = current_settings().keyring
            assert keyring is not None  # noqa: S101
            record_event(session, keyring.audit_hmac_key, "system:initialised", actor=Actor.CLI)
            commit_now(session)  # the command's unit: kept before the escrow step may fail
        seal_legacy_totp_secrets()
    click.echo(f"Instance ready: {settings.instance_dir} (keys in {settings.keys_dir}).")
    _ensure_escrow(settings)  # last, so its one-time passphrase is the last thing on screen


def _ensure_escrow(settings: Settings) -> None:
    """First run: create an escrow key so no case is ever readable by nobody.

    Only in a terminal: the passphrase is shown once, and output that is not a terminal
    (systemd's journal, a pipe, a file) may be a log, which must never hold it."""
    public_path = settings.keys_dir / ESCROW_PUBLIC_FILE
    if public_path.exists():
        return
    if not sys.stdout.isatty():
        click.echo(
            framed(
                [
                    f"NO ESCROW KEY YET ({public_path} is missing). Not created here because",
                    "this output is not a terminal and the passphrase must not land in a log.",
                    "Run `sipadu escrow init` in a terminal (see docs/operations.md).",
                ]
            )
        )
        return
    passphrase = generate_escrow_passphrase()
    private_path = settings.instance_dir / OFFLINE_FILE_NAME
    create_escrow(settings.keys_dir, private_path, passphrase)
    announce_escrow(public_path, private_path, passphrase)


@click.command("serve", help="Serve SIPADU with gunicorn.")
@click.option("--bind", envvar="SIPADU_BIND", default="127.0.0.1:8000", show_default=True)
@click.option(
    "--workers",
    envvar="SIPADU_WORKERS",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes (default: one per core, at least 2).",
)
@click.option(
    "--timeout",
    envvar="SIPADU_WORKER_TIMEOUT",
    type=click.IntRange(10, 3600),
    default=60,
    show_default=True,
    help="Seconds a worker process may stop answering before it is restarted.",
)
@click.option(
    "--threads",
    envvar="SIPADU_THREADS",
    type=click.IntRange(1, 64),
    default=None,
    help="Threads per worker process (default: 8; 1 on SQLite); each serves one request.",
)
@click.option(
    "--metrics-bind",
    envvar="SIPADU_METRICS_BIND",
    default=None,
    help="HOST:PORT for Prometheus metrics (default: none). Never the public address.",
)
def serve_command(
    bind: str, workers: int | None, timeout: int, threads: int | None, metrics_bind: str | None
) -> None:
    """Check keys and schema first, so a misconfigured server never starts."""
    from sipadu.serve import SipaduServer, default_threads, default_workers, gunicorn_options

    os.umask(0o077)
    use_bind_as_base_url(bind)
    app = _load_app()
    _refuse_a_balancer_it_cannot_trust(bind, current_settings(app))
    with app.app_context():
        if not is_up_to_date(get_engine()):
            _fail("the database schema is not current; run `sipadu init` or `sipadu db upgrade`")
    # Before the first-run link: a start that fails on the metrics bind must not leave a
    # one-time link in the scrollback that the next start will not print again.
    metrics = _start_metrics(bind, metrics_bind)
    try:
        with app.app_context():
            _announce_first_run(current_settings(app).base_url)
            get_engine().dispose()
        settings = current_settings(app)
        reminder = escrow_reminder(settings.instance_dir, settings.keys_dir / ESCROW_PUBLIC_FILE)
        if reminder is not None:
            click.echo(reminder, err=True)
        click.echo(f"SIPADU is serving on http://{bind}/  (Ctrl+C stops it)")
        threads = threads or default_threads(settings.database_url)
        options = gunicorn_options(bind, workers or default_workers(), timeout, metrics, threads)
        SipaduServer(options).run()
    finally:
        if metrics is not None:
            metrics.close()  # also gunicorn's on_exit; a no-op in a worker


def _start_metrics(bind: str, metrics_bind: str | None) -> MetricsExposition | None:
    """The metrics bind's server, before gunicorn forks a worker; ``None`` when not asked."""
    if not metrics_bind:
        disable_multiprocess()
        return None
    try:
        if parse_bind(metrics_bind)[1] == _public_port(bind):
            _fail("SIPADU_METRICS_BIND must use another port than the public address (--bind)")
        metrics = MetricsExposition(metrics_bind)
    except MetricsBindError as error:
        _fail(str(error))
        raise
    except OSError as error:
        _fail(f"SIPADU_METRICS_BIND {metrics_bind}: cannot listen there ({error.strerror})")
        raise
    click.echo(f"Metrics for Prometheus on http://{metrics_bind}/metrics")
    return metrics


def _refuse_a_balancer_it_cannot_trust(bind: str, settings: Settings) -> None:
    """Behind a balancer on another machine, the default proxy addresses (loopback) would
    ignore every forwarded header, and all clients would share one set of rate limits."""
    if not settings.trusted_proxies or os.environ.get("SIPADU_PROXY_ADDRESSES"):
        return
    try:
        host = parse_bind(bind)[0]
    except MetricsBindError:
        return  # a unix socket, or whatever gunicorn itself will refuse
    if host == "localhost" or is_proxy_peer(host, settings.proxy_addresses):
        return
    _fail(
        f"SIPADU_TRUSTED_PROXIES is set and the server listens on {host}, so the balancer is "
        "another machine: set SIPADU_PROXY_ADDRESSES to its address(es) (e.g. 10.0.0.2 or "
        "10.0.0.0/29). Forwarded headers are believed only from those peers."
    )


def _public_port(bind: str) -> int | None:
    try:
        return parse_bind(bind)[1]
    except MetricsBindError:  # a unix socket, or whatever gunicorn itself will refuse
        return None


def use_bind_as_base_url(bind: str, env: MutableMapping[str, str] = os.environ) -> None:
    """Without ``SIPADU_BASE_URL``, links the server prints or shows (first-run and account
    setup links) name the address it serves on, in this process and its workers alike."""
    if not env.get("SIPADU_BASE_URL"):
        env["SIPADU_BASE_URL"] = f"http://{bind}"


def _announce_first_run(base_url: str) -> None:
    """While no account exists, print a one-time URL that creates the first admin (or, when
    another server or an earlier start already printed one that is still valid, until when)."""
    from sipadu.staff.setup import SETUP_TOKEN_LIFETIME, first_run_link

    session = db_session()
    link = first_run_link(session)
    commit_now(session)  # the token must exist before its link is printed
    if link is None:
        return
    if link.token is None:
        until = link.expires_at.strftime("%H:%M UTC")
        where = f"a one-time link printed earlier by this or another server (valid until {until})"
    else:
        minutes = int(SETUP_TOKEN_LIFETIME.total_seconds() // 60)
        where = (
            f"this one-time link (valid {minutes} minutes, once):\n"
            f"      {base_url.rstrip('/')}/staff/setup/{link.token}"
        )
    click.echo(
        "No staff account exists yet. Create the first administrator with either:\n"
        f"  - {where}\n"
        "  - or the shell: sipadu account create --username NAME --role admin\n"
        "Then sign in at /staff/login and set up the authenticator app."
    )


def _create_app_for_cli() -> Flask:
    # NoAppException makes Flask print one clear line instead of a traceback.
    try:
        return create_app()
    except (KeyFileError, SettingsError, StartupError) as error:
        raise NoAppException(str(error)) from None


class SipaduGroup(FlaskGroup):
    """Flask's group, but listing commands (``--help``) never loads the app: every command
    is added to the group itself, and help must work before ``sipadu init`` made the keys.

    Flask's own ``run``, ``shell`` and ``routes`` are left out: the service is served by
    ``serve``, and Werkzeug's development server (with its debugger a way to run code) must
    not pass for one of its commands. Developers still have ``flask --app sipadu run``."""

    # Flask's group options: --debug would turn the served app's debug mode on (exceptions
    # propagate past the error pages), --app would load another app, --env-file read a file
    # of settings the deployment never declared. SIPADU is configured by its environment.
    _DROPPED_OPTIONS = frozenset({"debug", "app", "env_file"})

    def __init__(self, **extra: Any) -> None:
        super().__init__(**extra)
        self.params = [param for param in self.params if param.name not in self._DROPPED_OPTIONS]

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(super(FlaskGroup, self).list_commands(ctx))


main = SipaduGroup(
    name="sipadu",
    create_app=_create_app_for_cli,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    help="SIPADU command line.",
)
for command in (init_command, serve_command, *APP_COMMANDS):
    main.add_command(command)
