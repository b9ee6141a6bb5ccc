"""What code a benchmark ran: the git commit (and whether the tree had changes) and the
version of every installed distribution, so two reports can be compared honestly."""

from __future__ import annotations

import re
import shutil
import subprocess
from importlib.metadata import distributions
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent


def code_provenance(repository: Path = REPOSITORY) -> dict[str, Any]:
    """``commit`` (None outside a git checkout), ``dirty`` (uncommitted or untracked
    changes; None when unknown) and ``dependencies`` (name: version, sorted by name)."""
    commit = _git(repository, "rev-parse", "HEAD")
    status = _git(repository, "status", "--porcelain") if commit else None
    return {
        "commit": commit,
        "dirty": None if status is None else bool(status),
        "dependencies": installed_versions(),
    }


def installed_versions() -> dict[str, str]:
    """Every distribution installed in this environment (importlib.metadata), by name."""
    found: dict[str, str] = {}
    for dist in distributions():
        name = dist.metadata["Name"]
        if name:
            found[_normalised(name)] = dist.version
    return dict(sorted(found.items()))


def _normalised(name: str) -> str:
    """PEP 503 form, so ``Flask_WTF`` and ``flask-wtf`` are one entry."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _git(repository: Path, *args: str) -> str | None:
    """The stripped output of a git command in ``repository``; None if git fails."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [git, "-C", str(repository), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None
