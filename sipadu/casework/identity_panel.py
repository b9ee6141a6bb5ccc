"""What the case page shows its reader about the sealed identity and the export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from sipadu.cases.identity_versions import earlier_version_until
from sipadu.casework.access import Actor, OpenCase
from sipadu.confidential import export as exports
from sipadu.confidential import identity as custody
from sipadu.confidential.labels import (
    EXPORT_REASON_LABELS,
    IDENTITY_REASON_LABELS,
    REASON_LABELS,
    VIEW_LABELS,
)


@dataclass(frozen=True)
class IdentityPanel:
    """What the case page says about the sealed identity for this reader."""

    sealed: bool
    custodial: bool
    state: str | None
    until: datetime | None
    # This reader's export request: None, "pending" or "approved" (one export, until then).
    export_state: str | None = None
    export_until: datetime | None = None
    export_view: str | None = None
    # Until when this reader may still read an earlier version they opened (the reporter
    # has sealed a new one since).
    earlier_until: datetime | None = None
    # How this reader's newest request ended when nothing is live: "refused" or "withdrawn"
    # (the reporter withdrew or replaced the details), so they know and may ask again.
    last_ended: str | None = None


def identity_panel(db: Session, opened: OpenCase, actor: Actor) -> IdentityPanel:
    """Whether the case holds an identity and where this reader's request stands."""
    case = opened.case
    mine = custody.my_request(db, case, actor.staff_id)
    ended = None if mine is not None else custody.last_ended_request(db, case, actor.staff_id)
    export = exports.live_export_request(db, case, actor.staff_id)
    return IdentityPanel(
        sealed=case.identity_sealed is not None,
        custodial=case.identity_custodial,
        state=None if mine is None else str(mine.state),
        until=None if mine is None else mine.expires_at,
        export_state=None if export is None else str(export.state),
        export_until=None if export is None else export.expires_at,
        export_view=None if export is None else export.scope,
        earlier_until=earlier_version_until(db, case, actor.staff_id),
        last_ended=None if ended is None else str(ended.state),
    )


__all__ = [
    "EXPORT_REASON_LABELS",
    "IDENTITY_REASON_LABELS",
    "REASON_LABELS",
    "VIEW_LABELS",
    "IdentityPanel",
    "identity_panel",
]
