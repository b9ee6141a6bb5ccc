"""Rules of the test harness itself (tests/support), checked over the source of tests/ and
bench/: nothing reaches into another module's private helpers, live servers are started in
one place only, and temporary files land in a folder of the test's own."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support.clock import pinned_limiter_env
from tests.support.instance import Database, instance_env

REPOSITORY = Path(__file__).resolve().parent.parent
SCANNED = ("tests", "bench")
# The harness is the one place that starts server processes; bench/transfer_limits.py starts
# a plain sender process (no server) to measure the loopback.
# live.py starts servers; cli.py runs one CLI command on a pseudo-terminal (no server);
# tests/media/measure.py starts the process that measures cleaners; bench/transfer_limits.py
# starts a sender.
POPEN_ALLOWED = {
    "tests/support/live.py",
    "tests/support/cli.py",
    "tests/media/measure.py",
    "bench/transfer_limits.py",
}


def _sources() -> list[Path]:
    return sorted(p for folder in SCANNED for p in (REPOSITORY / folder).rglob("*.py"))


def private_imports(source: str) -> list[str]:
    """``from tests... import _name`` (and ``import tests.x._y``) statements in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tests"):
            module = node.module or ""
            found += [f"{module}.{a.name}" for a in node.names if a.name.startswith("_")]
            found += [module] if any(p.startswith("_") for p in module.split(".")) else []
        elif isinstance(node, ast.Import):
            found += [
                a.name
                for a in node.names
                if a.name.startswith("tests.") and any(p.startswith("_") for p in a.name.split("."))
            ]
    return found


def test_the_check_sees_private_imports() -> None:
    assert private_imports("from tests.test_cli import _env, run") == ["tests.test_cli._env"]
    assert private_imports("from tests.crypto._util import flip") == ["tests.crypto._util"]
    assert private_imports("from tests.support.cli import run_sipadu") == []
    assert private_imports("from sipadu.x import _private") == []


def test_no_module_imports_a_private_name_from_another_test_module() -> None:
    offenders = {
        str(path.relative_to(REPOSITORY)): found
        for path in _sources()
        if (found := private_imports(path.read_text()))
    }
    assert offenders == {}, "make the helper public in tests/support instead"


def test_only_the_harness_starts_server_processes() -> None:
    starters = {
        str(path.relative_to(REPOSITORY))
        for path in _sources()
        if path != Path(__file__) and "subprocess.Popen(" in path.read_text()
    }
    assert starters <= POPEN_ALLOWED, "start servers with tests.support.live"


def test_temporary_files_land_in_the_tests_own_folder(private_temp_folder: Path) -> None:
    with tempfile.NamedTemporaryFile() as handle:
        assert Path(handle.name).parent == private_temp_folder
    assert os.environ["TMPDIR"] == str(private_temp_folder)
    system = Path(tempfile.gettempdir())
    assert system == private_temp_folder


def test_an_instance_gets_its_own_temporary_folder(tmp_path: Path) -> None:
    env = instance_env(tmp_path, Database.sqlite_file(tmp_path / "db.sqlite3"), port=8123)
    assert env["TMPDIR"] == str(tmp_path / "tmp") and (tmp_path / "tmp").is_dir()
    assert env["SIPADU_BASE_URL"] == "http://127.0.0.1:8123"


def test_a_server_process_sees_the_pinned_limiter_clock() -> None:
    env = {**os.environ, **pinned_limiter_env(now=1_000_000_030.0)}
    code = (
        "import time, limits.strategies as s, sipadu.web.ratelimit_store as r; "
        "print(s.time.time(), r.time.time(), time.time() > 1.1e9)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert shown == ["1000000030.0", "1000000030.0", "True"]  # only the limiter is pinned
