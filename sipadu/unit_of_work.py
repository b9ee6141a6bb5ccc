"""The transaction policy: one unit of work per request, and named ways to step outside it.

A request's session (:func:`sipadu.db.db_session`) is committed in one place, the hook
installed by :func:`init_app`: when the view answered with a success (below 400) its work
is committed; on an error response or an exception it is rolled back. Views do not commit.

Named helpers say when a piece of code deliberately does something else:

- :func:`no_transaction` ends the current transaction before slow work (Argon2, file I/O,
  a streamed upload, SMTP); :func:`end_transaction` does the same where the slow part is
  not a block of the caller (an upload body that streams in after the caller returns).
  On SQLite every transaction takes the write lock at ``BEGIN IMMEDIATE`` (see
  :mod:`sipadu.db`), so even a read left open would stall every other writer for the
  whole slow part; on PostgreSQL it would hold a transaction open for it.
- :func:`commit_now` commits a unit that must persist whatever follows: a counted login
  failure before its error page, an audit event of a refused access, one case of a purge,
  the step of a CLI command before it prints what it did.
- :func:`discard_now` throws away work although the response is a success (a redirect
  with a flashed refusal).

CLI commands have no response: each commits through :func:`commit_now` at the end of the
unit it reports, and the app context's teardown rolls back whatever was left.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, Response, current_app, g, request, session
from sqlalchemy.orm import Session

from sipadu.db import db_session


def commit_now(db: Session | None = None) -> None:
    """Commit the work so far, on purpose, before the request or command ends.

    Every caller says in a comment why this work must persist before (or regardless of)
    the outcome of the rest; ``db`` defaults to the request's session.
    """
    (db or db_session()).commit()


def discard_now(db: Session | None = None) -> None:
    """Roll back the work so far, on purpose, although the response will be a success."""
    (db or db_session()).rollback()


def end_transaction(db: Session | None = None) -> None:
    """End the current transaction because slow work follows that must not hold it.

    What was done so far is committed (it was going to be kept anyway). For when the slow
    part is not a block of the caller; otherwise use :func:`no_transaction`.
    """
    (db or db_session()).commit()


@contextmanager
def no_transaction(db: Session | None = None) -> Iterator[None]:
    """Run the block with no transaction open: what was done so far is committed first.

    For slow work that needs no database: Argon2 hashing or verification, file I/O, a
    streamed upload, SMTP. The write lock of SQLite (and a PostgreSQL transaction) is
    released for the block; the next statement after it begins a new transaction, which
    the request's unit of work commits or rolls back as usual.
    """
    end_transaction(db)
    yield


def _end_unit_of_work(response: Response) -> Response:
    session: Session | None = g.get("db_session")
    if session is None:
        return response
    if response.status_code >= 400:
        session.rollback()
        return response
    try:
        session.commit()
    except Exception as error:
        return _answer_failed_commit(error)
    return response


def _answer_failed_commit(error: Exception) -> Response:
    # What the view put in the cookie session (a flash, a form remembered as sent) assumed
    # its work was kept: the browser gets the session it sent.
    sent = current_app.session_interface.open_session(current_app, request)
    session.clear()
    session.update(sent or {})
    # The same handler a view's failed commit reaches (503 for an unavailable database);
    # this hook runs before the app's others, so the error page gets their headers too.
    answer = current_app.make_response(current_app.handle_user_exception(error))
    db: Session | None = g.get("db_session")
    if db is not None:
        db.rollback()
    return answer


def init_app(app: Flask) -> None:
    """Install the request's unit of work. Call last in the factory: Flask runs the app's
    ``after_request`` hooks in reverse order, so this one runs first and an error page that
    replaces a failed commit still passes through every other hook."""
    app.after_request(_end_unit_of_work)
