"""A non-editable install carries templates, static files, migrations and catalogs, and
serves from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.support.instance import free_port
from tests.support.live import serving

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--disable-pip-version-check",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        timeout=300,
        capture_output=True,
    )
    return next(out.glob("sipadu-*.whl"))


def test_wheel_carries_everything_the_app_reads(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "sipadu/templates/base.html",
        "sipadu/templates/public/landing.html",
        "sipadu/templates/errors/error.html",
        "sipadu/static/css/sipadu.css",
        "sipadu/migrations/env.py",
        "sipadu/migrations/script.py.mako",
        "sipadu/migrations/versions/0001_audit_log.py",
        "sipadu/translations/id/LC_MESSAGES/messages.mo",
        "sipadu/staff/common_passwords.txt",
        "sipadu/units/jakarta_areas.json",
    ):
        assert expected in names, expected
    assert not any(name.startswith(("tests/", "keys/", "instance/")) for name in names)


def _venv_with_outer_dependencies(venv: Path) -> Path:
    """A bare venv that sees this venv's installed packages after its own.

    Installing every dependency again would dominate the test; they are not what it checks.
    A path line in a .pth file is appended to sys.path without running the .pth files found
    there, so the source checkout's editable hook stays out and only the wheel provides
    sipadu.
    """
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    own = sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)})
    outer = sysconfig.get_path("purelib")
    Path(own, "outer-dependencies.pth").write_text(f"{outer}\n", encoding="utf-8")
    return venv


@pytest.mark.slow
def test_installed_wheel_serves_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    venv = _venv_with_outer_dependencies(tmp_path / "venv")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-index",
            "--no-compile",
            str(wheel),
        ],
        check=True,
        timeout=300,
        capture_output=True,
    )
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SIPADU_", "PYTHON", "VIRTUAL_ENV"))
    }
    imported = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sipadu; print(sipadu.__file__)"],
        cwd=workdir,
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    ).stdout
    assert Path(imported.strip()).is_relative_to(venv), "not the installed wheel's sipadu"
    sipadu = str(venv / "bin" / "sipadu")
    subprocess.run(
        [sipadu, "init"], cwd=workdir, env=env, check=True, timeout=120, capture_output=True
    )
    assert (workdir / "keys" / "flask_secret.key").exists()
    port = free_port()
    command = [sipadu, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    with serving(env, tmp_path, port=port, command=command, cwd=workdir, ready="port"):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            page = response.read().decode()
            assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert "Laporkan pelanggaran dengan aman" in page
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/css/sipadu.css", timeout=10
        ) as response:
            assert response.status == 200
