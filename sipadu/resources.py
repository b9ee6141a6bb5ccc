"""Locate the templates and migrations, in a source checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """``sipadu/<name>`` when installed from a wheel; ``<checkout>/<name>`` in a source tree."""
    installed = PACKAGE_DIR / name
    if installed.is_dir():
        return installed
    return PACKAGE_DIR.parent / name
