"""Instance settings and public texts, both editable without a deploy."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sipadu.coltypes import UtcDateTime
from sipadu.db import Base


class InstanceSetting(Base):
    """One admin-editable setting, stored as JSON text under a fixed key."""

    __tablename__ = "instance_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PublicText(Base):
    """A sanitised HTML text shown on the public pages (landing intro, guidance, privacy)."""

    __tablename__ = "public_texts"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    html: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
