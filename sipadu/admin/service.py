"""Instance settings and public texts an admin edits.

The settings an admin saves override the environment's; other packages read the values in
force through ``sipadu.effective_settings`` (which also states the precedence), never from
here. ``get_instance_settings(db)`` shows those values as the console edits them. Public
texts are limited HTML, sanitised with bleach on save *and* on display, so a row written
around the service (a restored backup, a manual edit) still cannot inject markup.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import bleach
from flask_babel import LazyString, lazy_gettext
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.admin.models import InstanceSetting, PublicText
from sipadu.audit.service import record_event
from sipadu.cases.deadlines import DeadlinePolicy
from sipadu.cases.holidays import format_holidays
from sipadu.effective_settings import OVERRIDES_KEY, effective_settings
from sipadu.settings import MIB

# Whose service this is, shown on every page: built-in Jakarta defaults until an admin saves
# a text (an emptied text shows the default again). The hotline has none: a wrong number on
# a whistleblowing page is worse than none, so it shows once an admin enters it.
TRUST_TEXT_KEYS = (
    "institution_name",
    "institution_address",
    "hotline",
    "legal_basis",
    "whistleblower_protection",
)
PUBLIC_TEXT_KEYS = ("landing_intro", "guidance", "privacy_notice", *TRUST_TEXT_KEYS)
TRUST_TEXT_DEFAULTS: dict[str, LazyString] = {
    "institution_name": lazy_gettext("Inspektorat of the Province of DKI Jakarta"),
    "institution_address": lazy_gettext(
        "Balai Kota DKI Jakarta, Jl. Medan Merdeka Selatan No. 8-9, Central Jakarta 10110"
    ),
    "legal_basis": lazy_gettext(
        "Reports are handled under Law No. 31 of 1999 as amended by Law No. 20 of 2001 on "
        "eradicating corruption, and Government Regulation No. 43 of 2018 on public "
        "participation in preventing and eradicating corruption."
    ),
    "whistleblower_protection": lazy_gettext(
        "A whistleblower who reports in good faith cannot be prosecuted or sued for the "
        "report (Law No. 13 of 2006 as amended by Law No. 31 of 2014 on the protection of "
        "witnesses and victims). You can ask the Witness and Victim Protection Agency (LPSK) "
        "for protection: call 148 or visit lpsk.go.id."
    ),
}
MAX_PUBLIC_TEXT_CHARS = 20_000
ALLOWED_TAGS = frozenset({"p", "br", "strong", "em", "ul", "ol", "li", "a"})
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})


class AdminServiceError(ValueError):
    """Base class of refused admin input."""


class InvalidSettingError(AdminServiceError):
    """A setting is out of range; ``field`` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


class UnknownPublicTextError(AdminServiceError):
    """Not one of ``PUBLIC_TEXT_KEYS``."""


class PublicTextTooLongError(AdminServiceError):
    """More than ``MAX_PUBLIC_TEXT_CHARS`` characters."""


@dataclass(frozen=True)
class InstanceSettings:
    """What admins configure, as the console edits it (file size in whole MiB); the defaults
    live in sipadu/settings.py and sipadu/cases/deadlines.py."""

    deadlines: DeadlinePolicy
    holidays: dict[date, str]  # days the admin adds to the national calendar
    retention_days: int
    max_file_mib: int
    max_files: int
    removed_holidays: dict[date, str] = field(default_factory=dict)  # national days removed

    @property
    def holiday_dates(self) -> frozenset[date]:
        """The days the admin added, as a set."""
        return frozenset(self.holidays)

    @property
    def holidays_text(self) -> str:
        """The holiday edits as the admin types them (removed days after ``-``)."""
        return format_holidays(self.holidays, self.removed_holidays)


def _validate(values: InstanceSettings) -> None:
    if not 30 <= values.retention_days <= 3650:
        raise InvalidSettingError("retention_days", "retention must be 30-3650 days")
    if not 1 <= values.max_file_mib <= 1024:
        raise InvalidSettingError("max_file_mib", "file size limit must be 1-1024 MiB")
    if not 1 <= values.max_files <= 50:
        raise InvalidSettingError("max_files", "files per upload must be 1-50")


def _to_json(values: InstanceSettings) -> str:
    document = {
        "deadlines": asdict(values.deadlines),
        "holidays": values.holidays_text,
        "retention_days": values.retention_days,
        "max_file_mib": values.max_file_mib,
        "max_files": values.max_files,
    }
    return json.dumps(document, sort_keys=True)


def get_instance_settings(db: Session) -> InstanceSettings:
    """The values in force as the console edits them: before any save the environment's, so
    the form shows, and a first save keeps, what is enforced rather than built-in values.
    Sizes are rounded down to whole MiB and kept within the form's ranges."""
    current = effective_settings(db)
    return InstanceSettings(
        deadlines=current.deadlines,
        holidays=dict(current.holiday_edits.added),
        removed_holidays=dict(current.holiday_edits.removed),
        retention_days=current.retention_days,
        max_file_mib=min(1024, max(1, current.max_file_bytes // MIB)),
        max_files=min(50, max(1, current.max_files)),
    )


def save_instance_settings(
    db: Session, values: InstanceSettings, *, audit_key: bytes, actor: str
) -> None:
    """Validate and store the settings (one row), audited as ``settings:changed``."""
    _validate(values)
    row = db.get(InstanceSetting, OVERRIDES_KEY)
    now = datetime.now(UTC)
    if row is None:
        db.add(InstanceSetting(key=OVERRIDES_KEY, value=_to_json(values), updated_at=now))
    else:
        row.value, row.updated_at = _to_json(values), now
    record_event(db, audit_key, "settings:changed", actor=actor)
    db.flush()


def _safe_link(tag: str, name: str, value: str) -> bool:
    return tag == "a" and name in ("href", "rel")


def sanitize_html(html: str) -> str:
    """Keep only the allow-listed tags; links only http(s)/mailto, opened without referrer."""
    cleaned = bleach.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=_safe_link,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )
    # Every remaining link gets rel="noopener noreferrer", whatever the admin typed.
    linker = bleach.linkifier.Linker(callbacks=[_force_rel], skip_tags=None, parse_email=False)
    return str(linker.linkify(cleaned))


def _force_rel(
    attrs: dict[tuple[str | None, str], str], new: bool = False
) -> dict[tuple[str | None, str], str] | None:
    href = attrs.get((None, "href"), "")
    if new:
        # Do not turn bare text into links: only what the admin marked up is a link.
        return None
    if not href:
        return attrs
    attrs[(None, "rel")] = "noopener noreferrer"
    return attrs


class _MarkupShape(HTMLParser):
    """The opening tags, attribute names and comments of a piece of HTML (text, values and
    closing tags aside: the cleaner closes an unclosed paragraph, which removes nothing)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shape: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # ``rel`` is added to every link on save; it is not something the admin lost.
        names = sorted(name for name, _value in attrs if name != "rel")
        self.shape.append(f"<{tag} {' '.join(names)}>")

    def handle_comment(self, data: str) -> None:
        self.shape.append("<!---->")


def _markup_shape(html: str) -> list[str]:
    parser = _MarkupShape()
    parser.feed(html)
    parser.close()
    return parser.shape


def markup_removed(typed: str, stored: str) -> bool:
    """True when saving dropped something the admin wrote: a tag, an attribute or a comment
    (a text with only allowed markup saves as it was typed, and says nothing more)."""
    return _markup_shape(typed) != _markup_shape(stored)


def set_public_text(db: Session, key: str, html: str, *, audit_key: bytes, actor: str) -> str:
    """Sanitise and store a public text (empty text removes it); returns what is stored."""
    if key not in PUBLIC_TEXT_KEYS:
        raise UnknownPublicTextError(key)
    if len(html) > MAX_PUBLIC_TEXT_CHARS:
        raise PublicTextTooLongError(key)
    clean = sanitize_html(html).strip()
    row = db.get(PublicText, key)
    if not clean:
        if row is not None:
            db.delete(row)
    elif row is None:
        db.add(PublicText(key=key, html=clean, updated_at=datetime.now(UTC)))
    else:
        row.html, row.updated_at = clean, datetime.now(UTC)
    record_event(db, audit_key, "public_text:changed", actor=actor, detail={"text": key})
    db.flush()
    return clean


def get_public_text(db: Session, key: str) -> Markup | None:
    """The stored text as safe markup (sanitised again on the way out), or ``None``."""
    row = db.get(PublicText, key)
    if row is None or not row.html:
        return None
    return Markup(sanitize_html(row.html))  # noqa: S704 - sanitised by the allow-list


def stored_public_texts(db: Session) -> dict[str, str]:
    """Every stored public text, raw, in one query (display sanitises it again)."""
    return {row.key: row.html for row in db.scalars(select(PublicText)) if row.html}


def trust_text(stored: dict[str, str], key: str) -> Markup | None:
    """A "whose service" text: the admin's (sanitised again), else the built-in default
    (escaped), else ``None`` (the hotline until an admin enters it)."""
    if key in stored:
        return Markup(sanitize_html(stored[key]))  # noqa: S704 - sanitised by the allow-list
    default = TRUST_TEXT_DEFAULTS.get(key)
    return None if default is None else escape(str(default))
