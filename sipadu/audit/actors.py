"""Who an audit event names as its actor: a staff member (``staff:<id>``), another system's
service account (``service:<id>``), the reporter, the system itself or an operator at the
command line. The one place these labels are spelled."""

from __future__ import annotations

import re
from enum import StrEnum

_STAFF_PREFIX = "staff:"
_SERVICE_PREFIX = "service:"


class Actor(StrEnum):
    """The actors that are not a staff member."""

    REPORTER = "reporter"
    SYSTEM = "system"
    CLI = "cli"


def staff_actor(staff_id: int | str) -> str:
    """The audit label of staff account ``staff_id``: ``staff:<id>``."""
    return f"{_STAFF_PREFIX}{staff_id}"


def service_actor(account_id: int) -> str:
    """The audit label of service account ``account_id``: ``service:<id>``."""
    return f"{_SERVICE_PREFIX}{account_id}"


# What ``record_event`` accepts: a staff or service label with a plausible id, or an ``Actor``.
ACTOR_PATTERN = re.compile(
    rf"^((?:{_STAFF_PREFIX}|{_SERVICE_PREFIX})\d{{1,12}}|"
    rf"{'|'.join(re.escape(a.value) for a in Actor)})$"
)
