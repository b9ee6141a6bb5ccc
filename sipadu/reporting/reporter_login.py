"""The reporter's follow-up pages admit only a browser whose reporter session opened a case.

``@reporter_required`` is that check, written once: without a live reporter session the
browser is sent back to the case key form with a short notice; with one the view receives
the ``ReporterPrincipal`` (the case and its key for this request) as its first argument.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from sipadu.sessions.web import ReporterPrincipal, cookie_name, current_reporter

P = ParamSpec("P")
ENDED_TEXT = lazy_gettext("Your session has ended. Please enter your case key again.")
# Without any session cookie nothing has ended: the visitor has not opened a case yet.
SIGN_IN_TEXT = lazy_gettext("To open your case, enter your case key.")
_MARK = "_sipadu_reporter_required"


def reporter_required(
    view: Callable[Concatenate[ReporterPrincipal, P], ResponseReturnValue],
) -> Callable[P, ResponseReturnValue]:
    """Run ``view`` with the signed-in reporter, or redirect to the case key form (303).

    Put it directly above the view function, below the route, limit and CSRF decorators, so
    those run first as they always did."""

    @wraps(view)
    def checked(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        reporter = current_reporter()
        if reporter is None:
            had_session = bool(request.cookies.get(cookie_name("reporter")))
            flash(ENDED_TEXT if had_session else SIGN_IN_TEXT, "info")
            return redirect(url_for("followup.enter_key"), code=303)
        return view(reporter, *args, **kwargs)

    setattr(checked, _MARK, True)
    return checked


def requires_reporter(view: Callable[..., object] | None) -> bool:
    """True when ``view`` (as registered, wrappers included) is guarded by the decorator."""
    return bool(getattr(view, _MARK, False))
