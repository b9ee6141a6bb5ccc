"""The reporter downloads the files the Inspektorat sent them, from the case page.

Only files staff attached for the reporter: the reporter's own files are not served back
(a stolen case key should not yield the evidence again). The view is added to the
follow-up blueprint by :func:`add_download_routes` (``sipadu/reporting/routes.py``).
"""

from __future__ import annotations

from flask import Blueprint, current_app
from flask.typing import ResponseReturnValue

from sipadu.audit.actors import Actor
from sipadu.audit.recorder import audit
from sipadu.cases.attachments import AttachmentNotFoundError, find_attachment, open_attachment
from sipadu.cases.kinds import AuthorKind
from sipadu.db import db_session
from sipadu.reporting import service
from sipadu.reporting.reporter_login import reporter_required
from sipadu.sessions.web import ReporterPrincipal
from sipadu.storage.base import BlobStore
from sipadu.web.auth import public
from sipadu.web.downloads import download_response
from sipadu.web.user_errors import NotFoundError


def download_from_inspektorat(
    reporter: ReporterPrincipal, attachment_id: str
) -> ResponseReturnValue:
    """Download a file the Inspektorat sent, decrypted as it streams, never shown inline."""
    db = db_session()
    case = service.reporter_case(db, reporter.case_id)
    store: BlobStore = current_app.extensions["sipadu.blobs"]
    try:
        if find_attachment(db, case, attachment_id).uploaded_by != AuthorKind.STAFF:
            raise AttachmentNotFoundError(attachment_id)
        view, chunks = open_attachment(db, case, reporter.dek, attachment_id, store)
    except AttachmentNotFoundError:
        raise NotFoundError() from None
    audit(
        "attachment:downloaded",
        actor=Actor.REPORTER,
        case_code=case.code,
        detail={"attachment": view.id},
    )
    return download_response(chunks, view.filename, view.stored_size)


def add_download_routes(blueprint: Blueprint) -> None:
    """Put the download on the follow-up blueprint."""
    view = public(reporter_required(download_from_inspektorat))
    blueprint.add_url_rule("/kasus/saya/lampiran/<attachment_id>", view_func=view, methods=["GET"])
