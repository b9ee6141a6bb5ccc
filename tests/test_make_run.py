"""`make run`'s listen address: PORT, else SIPADU_BIND, else 127.0.0.1:8000."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from sipadu.cli import serve_command

ROOT = Path(__file__).resolve().parents[1]


def _serve_line(*make_args: str, env: dict[str, str] | None = None) -> str:
    """The `sipadu serve` command `make run` would run (dry run: nothing starts)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    clean = {k: v for k, v in os.environ.items() if k not in {"PORT", "SIPADU_BIND"}}
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", "-C", str(ROOT), "run", *make_args],
        env=clean | (env or {}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = [line for line in done.stdout.splitlines() if "sipadu serve" in line]
    assert len(lines) == 1, done.stdout
    return lines[0].split("sipadu serve", 1)[1].strip()


def test_port_binds_localhost_on_that_port() -> None:
    assert _serve_line("PORT=8080") == "--bind 127.0.0.1:8080"


def test_port_wins_over_sipadu_bind() -> None:
    assert _serve_line("PORT=8081", env={"SIPADU_BIND": "0.0.0.0:9000"}) == "--bind 127.0.0.1:8081"


def test_without_port_serve_gets_no_bind_so_sipadu_bind_applies() -> None:
    assert _serve_line(env={"SIPADU_BIND": "127.0.0.1:9000"}) == ""


def _bind_of_serve(monkeypatch: pytest.MonkeyPatch, bind: str | None) -> str:
    if bind is None:
        monkeypatch.delenv("SIPADU_BIND", raising=False)
    else:
        monkeypatch.setenv("SIPADU_BIND", bind)
    return str(serve_command.make_context("serve", []).params["bind"])


def test_serve_takes_sipadu_bind_else_localhost_8000(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _bind_of_serve(monkeypatch, "127.0.0.1:9000") == "127.0.0.1:9000"
    assert _bind_of_serve(monkeypatch, None) == "127.0.0.1:8000"
