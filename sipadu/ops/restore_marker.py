"""The mark an unfinished restore leaves in its target instance.

``sipadu backup restore`` writes it before it touches the keys, the database or the blob
store and removes it only once the restore succeeded (or was rolled back). A restore killed
half-way (SIGKILL, a power cut) cannot remove it: the instance may then hold rows and key
files but not all blobs, and the audit check still passes. So while it exists, ``init``,
``serve`` and every command that builds the app refuse, naming the way out.
"""

from __future__ import annotations

import os
from pathlib import Path

MARKER_NAME = "RESTORE-UNFINISHED"
UNFINISHED_MESSAGE = (
    "a backup restore into this instance did not finish ({marker}): the database, keys and "
    "blobs may be incomplete. Run `sipadu backup restore ... --replace` again and wait for "
    "its success line."
)


def marker_path(instance_dir: Path) -> Path:
    """Where the mark of an unfinished restore lives in ``instance_dir``."""
    return instance_dir / MARKER_NAME


def mark_restore_started(instance_dir: Path) -> None:
    """Leave the mark, durably, before anything of the target is touched."""
    path = marker_path(instance_dir)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, b"sipadu backup restore started; remove only by a successful restore\n")
        os.fsync(fd)
    finally:
        os.close(fd)


def mark_restore_finished(instance_dir: Path) -> None:
    """Remove the mark: the instance is whole again."""
    marker_path(instance_dir).unlink(missing_ok=True)


def unfinished_restore_problem(instance_dir: Path) -> str | None:
    """The refusal to give while an unfinished restore's mark exists, else ``None``."""
    path = marker_path(instance_dir)
    return UNFINISHED_MESSAGE.format(marker=path) if path.exists() else None


def remove_partial_blobs(blob_dir: Path) -> list[Path]:
    """Remove the temporary files a killed restore (or upload) left in a blob folder."""
    removed = []
    for path in blob_dir.glob("tmp-*.partial") if blob_dir.is_dir() else []:
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed
