"""Instance-wide slots for case-key checks: a guessing flood cannot take every core.

Each case-key check costs one Argon2id derivation (a quarter of a second or more of a core
and 64 MiB). The per-process Argon2 gate bounds memory, but with one sync worker per core
a flood of wrong keys from many addresses would keep every worker deriving, and new reports
(which need a derivation of their own) would wait behind the guesses. So at most
``slots`` key checks run at once across all workers of the instance; a check that finds
every slot taken is refused at once (503 with ``Retry-After``) rather than queued, because a
queued guess would hold a worker just the same. The slots are ``flock`` locks on files in
``<instance>/run/``: the kernel releases them when a worker dies, so none can leak.

Submissions and staff logins do not take a slot: they keep the cores the guesses cannot.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app
from flask_babel import lazy_gettext
from werkzeug.wrappers import Response

from sipadu.settings import Settings
from sipadu.web.argon2_gate import admit
from sipadu.web.errors import render_error

RETRY_AFTER_SECONDS = 5
BUSY_TEXT = lazy_gettext(
    "Many case keys are being checked right now. Please wait a few "
    "seconds and try again. Nothing was counted against your case."
)
_EXTENSION = "sipadu.key_check_slots"


class KeyCheckBusyError(Exception):
    """Every case-key check slot of the instance is taken."""


class KeyCheckSlots:
    """At most ``slots`` holders at once among every process using ``directory``."""

    def __init__(self, directory: Path, slots: int) -> None:
        if slots < 1:
            raise ValueError("key checks need at least one slot")
        self.paths = [directory / f"key-check-{number}.lock" for number in range(slots)]

    def prepare(self) -> None:
        """Create the folder (owner only) so the first check does not race to make it."""
        self.paths[0].parent.mkdir(mode=0o700, parents=True, exist_ok=True)

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold a free slot for the block, or raise ``KeyCheckBusyError`` without waiting."""
        fd = self._take_free_slot()
        try:
            yield
        finally:
            os.close(fd)  # closing the descriptor drops its lock

    def _take_free_slot(self) -> int:
        for path in self.paths:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return fd
        raise KeyCheckBusyError(f"all {len(self.paths)} case-key check slots are taken")


@contextmanager
def case_key_check() -> Iterator[None]:
    """``with case_key_check():`` around a case-key check: an instance slot, then the gate."""
    slots: KeyCheckSlots = current_app.extensions[_EXTENSION]
    with slots.hold(), admit():
        yield


def configure_key_check_slots(app: Flask, settings: Settings) -> None:
    """Give ``app`` the instance's slots and turn ``KeyCheckBusyError`` into a 503."""
    slots = KeyCheckSlots(settings.instance_dir / "run", settings.case_key_check_slots)
    slots.prepare()
    app.extensions[_EXTENSION] = slots

    @app.errorhandler(KeyCheckBusyError)
    def _busy(_error: KeyCheckBusyError) -> tuple[str | Response, int, dict[str, str]]:
        body, status = render_error(503, BUSY_TEXT)
        return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}
