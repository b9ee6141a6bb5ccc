"""A bounded gate for Argon2 work.

Every case-key check and staff login runs Argon2id with 64 MiB or more. Without a bound, a
flood of guesses on a threaded server would run as many derivations at once as there are
requests, exhausting memory, and real users would queue behind them. The gate admits a few
derivations per process at a time; a request that cannot get a slot within a short wait is
refused with a bilingual "server busy" page (503 with ``Retry-After``) instead of piling up.

Use it around the Argon2 call only, not the whole request::

    with argon2_gate.admit():
        verifier.verify(stored_hash, password)

`sipadu serve` runs threaded workers, so a burst of sign-ins or reports waits here (up to
``SIPADU_ARGON2_WAIT_SECONDS``, 30 by default) rather than in the listen backlog as it did
under sync workers; a flood of case-key guesses is refused before it by the instance-wide
key-check slots (``key_check_slots.py``) and the rate limits.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, has_app_context
from flask_babel import lazy_gettext
from werkzeug.wrappers import Response

from sipadu.metrics import record
from sipadu.settings import Settings
from sipadu.web.errors import render_error

DEFAULT_SLOTS = 2
# Threaded workers queue a burst of sign-ins and reports here, where sync workers queued it in
# the listen backlog: the wait must cover a burst, not only a moment's contention.
DEFAULT_WAIT_SECONDS = 30.0
RETRY_AFTER_SECONDS = 10
BUSY_TEXT = lazy_gettext(
    "The server is busy right now. Please wait a moment and try again. Nothing you sent was stored."
)
_EXTENSION = "sipadu.argon2_gate"


class Argon2GateBusyError(Exception):
    """No Argon2 slot became free within the wait; the request should be refused as busy."""


class Argon2Gate:
    """At most ``slots`` concurrent Argon2 derivations in this process."""

    def __init__(
        self, slots: int = DEFAULT_SLOTS, wait_seconds: float = DEFAULT_WAIT_SECONDS
    ) -> None:
        if slots < 1:
            raise ValueError("an Argon2 gate needs at least one slot")
        if wait_seconds < 0:
            raise ValueError("the wait cannot be negative")
        self.slots = slots
        self.wait_seconds = wait_seconds
        self._semaphore = threading.BoundedSemaphore(slots)

    @contextmanager
    def admit(self) -> Iterator[None]:
        """Hold one slot for the duration of the block, or raise ``Argon2GateBusyError``."""
        if not self._semaphore.acquire(timeout=self.wait_seconds):
            record(lambda found: found.argon2_busy.inc())
            raise Argon2GateBusyError(f"no Argon2 slot free within {self.wait_seconds} s")
        try:
            yield
        finally:
            self._semaphore.release()


# Outside an app (CLI commands, scripts) the process-wide default applies.
_default_gate = Argon2Gate()


def current_gate() -> Argon2Gate:
    """The current app's gate, or the process default outside an app context."""
    if has_app_context():
        gate = current_app.extensions.get(_EXTENSION)
        if isinstance(gate, Argon2Gate):
            return gate
    return _default_gate


@contextmanager
def admit() -> Iterator[None]:
    """``with argon2_gate.admit():`` — hold a slot of the current gate for the block."""
    with current_gate().admit():
        yield


def configure_argon2_gate(app: Flask, settings: Settings) -> None:
    """Give ``app`` its gate (sized from settings) and turn a full gate into a 503 page."""
    app.extensions[_EXTENSION] = Argon2Gate(settings.argon2_slots, settings.argon2_wait_seconds)

    @app.errorhandler(Argon2GateBusyError)
    def _busy(_error: Argon2GateBusyError) -> tuple[str | Response, int, dict[str, str]]:
        body, status = render_error(503, BUSY_TEXT)
        return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}
