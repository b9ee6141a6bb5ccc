"""Request helpers shared by the case pages and the case API: who acts, opening a case with
the refusal audited, and the streamed attachment download."""

from __future__ import annotations

import re

from flask import Response, current_app

from sipadu.audit.recorder import audit
from sipadu.cases.attachments import open_attachment
from sipadu.casework.access import Actor, CaseForbiddenError, OpenCase, normalise_code, open_case
from sipadu.db import db_session
from sipadu.sessions.web import StaffPrincipal
from sipadu.storage.base import BlobStore
from sipadu.unit_of_work import commit_now, discard_now
from sipadu.web.auth import current_principal
from sipadu.web.downloads import download_response

_CODE = re.compile(r"^[A-Z0-9-]{1,32}$")


def current_actor() -> Actor | None:
    """The signed-in staff member as an ``Actor`` (``None`` without a staff session)."""
    principal = current_principal()
    if not isinstance(principal, StaffPrincipal):
        return None
    return Actor(principal.staff_id, principal.role, principal.private_key)


def audit_code(code: str) -> str | None:
    """The case code as the audit log may hold it (a malformed one is left out)."""
    normal = normalise_code(code)
    return normal if _CODE.match(normal) else None


def load_case(code: str, actor: Actor, tag: str) -> OpenCase:
    """Open the case for ``actor``; a refusal is audited as ``tag`` with outcome denied
    (and committed, since the request then ends in an error)."""
    db = db_session()
    try:
        return open_case(db, code, actor)
    except CaseForbiddenError:
        discard_now(db)  # nothing of the refused opening is kept, only its audit event:
        audit(tag, actor=actor.audit_actor, case_code=audit_code(code), outcome="denied")
        commit_now(db)  # kept although the request then ends in an error
        raise


def attachment_response(opened: OpenCase, actor: Actor, attachment_id: str) -> Response:
    """Stream one decrypted file as a download, never inline; the download is audited.

    ``attachment_id`` is the file's public identifier (``cases.record_ids``), never its
    sequential row id. Raises ``AttachmentNotFoundError`` when it names no file of this case.
    """
    db = db_session()
    store: BlobStore = current_app.extensions["sipadu.blobs"]
    view, chunks = open_attachment(db, opened.case, opened.dek, attachment_id, store)
    audit(
        "attachment:downloaded",
        actor=actor.audit_actor,
        case_code=opened.case.code,
        detail={"attachment": view.id},
    )  # committed by the request's unit of work before the first chunk streams out
    return download_response(chunks, view.filename, view.stored_size)
