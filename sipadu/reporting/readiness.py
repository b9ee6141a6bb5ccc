"""Refuse a new report before reading it while nobody at the Inspektorat could read it.

A report is accepted only when at least one approved supervisor exists to receive its key
(``readers_exist``). The escrow key alone does not count: its holder is offline and a report
wrapped only for it would wait unread while the reporter believes it was received. The check
runs before the body is parsed, so a refused report leaves nothing behind: no case, no blob.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask_babel import lazy_gettext

from sipadu.db import db_session
from sipadu.staff.activation import readers_exist
from sipadu.unit_of_work import end_transaction
from sipadu.web.user_errors import UserFacingError

View = TypeVar("View", bound=Callable[..., Any])

NOT_READY_TEXT = lazy_gettext(
    "SIPADU is not ready to receive reports yet: nobody at the Inspektorat could read them. "
    "Nothing you sent was stored. Please try again later."
)
NOT_READY_FORM_TEXT = lazy_gettext(
    "SIPADU cannot receive reports yet: nobody at the Inspektorat could read them. Please do "
    "not write your report now; come back later."
)
NOT_READY_API = lazy_gettext("The service cannot accept reports yet: nobody could read them.")


class ReportsNotAcceptedError(UserFacingError):
    """503: nobody could read a report yet (the API says it in fewer words)."""

    status = 503
    default_message = NOT_READY_TEXT
    code = "not_ready"

    def api_message(self) -> str:
        """The API's shorter text."""
        return str(NOT_READY_API)


def service_accepts_reports() -> bool:
    """True when at least one approved supervisor could read a new report."""
    db = db_session()
    ready = readers_exist(db)
    end_transaction(db)  # a read only: the view's Argon2 work must run outside a transaction
    return ready


def requires_case_readers(view: View) -> View:
    """Answer 503 before the view (and before the body is read) when no one could read it."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not service_accepts_reports():
            raise ReportsNotAcceptedError()
        return view(*args, **kwargs)

    return checked  # type: ignore[return-value]
