"""Staff roles: the one definition every check, form, CLI option and column uses."""

from __future__ import annotations

from enum import StrEnum


class StaffRole(StrEnum):
    """What a staff account may do (docs/staff.md); stored as its value in ``staff_accounts``."""

    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    INVESTIGATOR = "investigator"
    AUDITOR = "auditor"
    # Counter staff who file reports on behalf of people; they hold no case key.
    INTAKE_OFFICER = "intake_officer"
    # Holds the key of every sealed identity; opens one only for a colleague's approved
    # request (four eyes, sipadu/confidential), never for themselves.
    CUSTODIAN = "custodian"


# The order the admin pages and the CLI list them in.
ROLES: tuple[StaffRole, ...] = tuple(StaffRole)
# Roles that hold case keys and work cases.
CASE_ROLES: tuple[StaffRole, ...] = (StaffRole.SUPERVISOR, StaffRole.INVESTIGATOR)
