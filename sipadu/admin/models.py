"""Instance settings, public texts and one-time setup tokens, all editable without a deploy."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
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


class SetupToken(Base):
    """A one-time setup token; only its SHA-256 is stored.

    Without ``staff_id`` it is the first-run token (creates the first admin); with it, the
    setup link of that account (its owner chooses the password and enrols TOTP).
    """

    __tablename__ = "setup_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
