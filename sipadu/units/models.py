"""Units of the Inspektorat and the admin's routing rules (metadata only, no case content)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sipadu.coltypes import UtcDateTime
from sipadu.db import Base
from sipadu.units.agency_names import agency_shown_name


class Unit(Base):
    """A part of the Inspektorat whose supervisors receive the cases routed to it.

    The supervisors of a head unit (the Inspektur's office) receive every new case."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stable short name, kept on cases (``cases.unit``) and in the audit log.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    is_head: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RoutingRule(Base):
    """New cases whose incident happened in this kota/kabupaten go to this unit."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A Kemendagri code of a DKI Jakarta kota or kabupaten administrasi ("31.71").
    kota_code: Mapped[str] = mapped_column(String(8), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)


class Agency(Base):
    """A regional government body (OPD, SKPD or UKPD) a reporter may name as the reported one.

    With ``unit_id`` set, its cases go to that unit whatever the place (an admin rule)."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # Hidden agencies are no longer offered; reports that named one keep its code, sealed.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), index=True
    )

    @property
    def shown_name(self) -> str:
        """The name in the page's language (a shipped description translated)."""
        return agency_shown_name(self.name)
