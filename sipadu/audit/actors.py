"""Who an audit event names as its actor: a staff member (``staff:<id>``), the reporter, the
system itself or an operator at the command line. The one place these labels are spelled."""

from __future__ import annotations

import re
from enum import StrEnum

_STAFF_PREFIX = "staff:"


class Actor(StrEnum):
    """The actors that are not a staff member."""

    REPORTER = "reporter"
    SYSTEM = "system"
    CLI = "cli"


def staff_actor(staff_id: int | str) -> str:
    """The audit label of staff account ``staff_id``: ``staff:<id>``."""
    return f"{_STAFF_PREFIX}{staff_id}"


# What ``record_event`` accepts: a staff label with a plausible id, or one of ``Actor``.
ACTOR_PATTERN = re.compile(
    rf"^({_STAFF_PREFIX}\d{{1,12}}|{'|'.join(re.escape(a.value) for a in Actor)})$"
)
