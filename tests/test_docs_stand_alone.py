"""The repository stands alone: a newcomer who clones SIPADU has only what is in it.

No README, doc, code comment, template, stylesheet, bench or migration may send a reader to a
design file outside the repository, to a sibling folder, to a section of that design file, or
to a tracker number. Each says the thing itself or points into ``docs/``.

The patterns are assembled from pieces so that this file does not trip its own scan.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED = (
    "README.md",
    "docs",
    "sipadu",
    "templates",
    "bench",
    "migrations",
    "tests",
    "keys",
    "Makefile",
    "pyproject.toml",
    ".ci",
)
SKIPPED_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}

_FILE_STEM = "DESI" + "GN"
FORBIDDEN = {
    "the external design file": re.compile(re.escape(_FILE_STEM + ".md")),
    "a section of the external design file": re.compile(_FILE_STEM + r"\s*\u00a7"),
    "a sibling folder outside the repository": re.compile(re.escape(".." + "/sha" + "red")),
    "a tracker number": re.compile(r"\b" + "iss" + r"ues?\s+#?\d", re.IGNORECASE),
}


def _text_files() -> list[Path]:
    files: list[Path] = []
    for name in SCANNED:
        top = ROOT / name
        candidates = [top] if top.is_file() else sorted(top.rglob("*"))
        for path in candidates:
            if not path.is_file() or SKIPPED_DIRS.intersection(path.parts):
                continue
            data = path.read_bytes()
            if b"\0" in data:
                continue  # binary (compiled catalogs, images)
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            files.append(path)
    return files


def _offences(text: str) -> list[str]:
    return [what for what, pattern in FORBIDDEN.items() if pattern.search(text)]


def test_no_text_points_outside_the_repository() -> None:
    found = []
    for path in _text_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for what in _offences(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {what}: {line.strip()}")
    assert not found, "say the thing itself or point into docs/:\n" + "\n".join(found)


def test_the_scan_covers_the_docs_and_the_code() -> None:
    scanned = {path.relative_to(ROOT).as_posix() for path in _text_files()}
    assert {"README.md", "docs/crypto.md", "sipadu/app.py", "templates/base.html"} <= scanned


@pytest.mark.parametrize(
    "line",
    [
        "The rules of " + _FILE_STEM + ".md apply.",
        "see " + _FILE_STEM + " \u00a74",
        "in " + _FILE_STEM + "\u00a72",
        "the file in " + ".." + "/sha" + "red",
        "(" + "iss" + "ue 7)",
        "Iss" + "ue 3 sets no target",
        "iss" + "ues 4 and 5",
        "iss" + "ue #12",
    ],
)
def test_each_way_of_pointing_outside_is_caught(line: str) -> None:
    assert _offences(line)


@pytest.mark.parametrize(
    "line",
    [
        "See docs/operations.md \u00a73.",
        "tokens issued 3 minutes ago",
        "an issuer 5",
        "shared by every worker",
        "designed by the Inspektorat; a designated custodian",
        "the issue is that a count of 3 could name a reporter",
    ],
)
def test_legitimate_words_pass(line: str) -> None:
    assert not _offences(line)
