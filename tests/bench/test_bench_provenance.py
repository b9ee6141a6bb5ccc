"""The bench report names the code it measured: git commit, dirty tree, dependency versions."""

from __future__ import annotations

import json
import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest

from bench.provenance import code_provenance, installed_versions
from bench.report import Report, machine_info


def _git(repository: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repository), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    _git(tmp_path, "init", "-q")
    (tmp_path / "code.py").write_text("x = 1\n")
    _git(tmp_path, "add", "code.py")
    _git(
        tmp_path,
        "-c",
        "user.name=Bench",
        "-c",
        "user.email=bench@example.invalid",
        "commit",
        "-q",
        "-m",
        "first",
    )
    return tmp_path


def test_a_clean_checkout_is_named_by_its_commit(repository: Path) -> None:
    found = code_provenance(repository)
    assert found["commit"] == _git(repository, "rev-parse", "HEAD")
    assert len(found["commit"]) == 40 and found["dirty"] is False


def test_changed_and_new_files_make_the_tree_dirty(repository: Path) -> None:
    (repository / "code.py").write_text("x = 2\n")
    assert code_provenance(repository)["dirty"] is True
    _git(repository, "checkout", "-q", "code.py")
    (repository / "new.py").write_text("y = 1\n")
    assert code_provenance(repository)["dirty"] is True


def test_outside_a_checkout_the_commit_is_unknown(tmp_path: Path) -> None:
    found = code_provenance(tmp_path)
    assert found["commit"] is None and found["dirty"] is None


def test_every_installed_distribution_is_listed_with_its_version() -> None:
    found = installed_versions()
    for name in ("sipadu", "cryptography", "flask", "sqlalchemy", "gunicorn", "pytest"):
        assert found[name] == version(name)
    assert found["argon2-cffi"] == version("argon2-cffi")  # names in PEP 503 form
    assert list(found) == sorted(found)


def test_both_reports_carry_the_provenance(repository: Path, tmp_path: Path) -> None:
    (repository / "code.py").write_text("x = 3\n")
    report = Report(machine_info(), {"quick": True}, provenance=code_provenance(repository))
    md, js = report.write(tmp_path / "out")
    data = json.loads(js.read_text(encoding="utf-8"))
    commit = _git(repository, "rev-parse", "HEAD")
    assert data["source"] == {"commit": commit, "dirty": True}
    assert data["dependencies"] == installed_versions()
    markdown = md.read_text(encoding="utf-8")
    assert f"- Commit: {commit} (uncommitted changes)" in markdown
    assert f"| cryptography | {version('cryptography')} |" in markdown
