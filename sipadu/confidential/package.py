"""An export package: a printable PDF of the case plus its files, in one ZIP, encrypted with
age (a standard format: ``age -d`` or any age library opens it) to the recipient's age
public key or to a passphrase shown once. Its SHA-256 is what the audit chain records.

No database and no Flask here: the caller gathers the content and records the digest.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import pyrage

# The file time inside the ZIP: fixed, so the package does not date the export to the second.
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
# Letters and digits that cannot be mistaken for one another when read aloud or typed.
_PASSPHRASE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 - an alphabet
PASSPHRASE_GROUPS = 6
_PASSPHRASE_RE = re.compile(rf"[{_PASSPHRASE_ALPHABET}]{{5}}(-[{_PASSPHRASE_ALPHABET}]{{5}}){{5}}")
_AGE_RECIPIENT_RE = re.compile(r"age1[02-9ac-hj-np-z]{58}")


class PackageRecipientError(ValueError):
    """The recipient key or the passphrase is not one this export accepts."""


@dataclass(frozen=True)
class Section:
    """One titled part of the PDF: paragraphs of plain text."""

    title: str
    paragraphs: Sequence[str]


@dataclass(frozen=True)
class PackageFile:
    """A file that goes into the package beside the PDF."""

    name: str
    data: bytes = field(repr=False)


def case_pdf(title: str, sections: Sequence[Section]) -> bytes:
    """A plain, printable A4 PDF: the title, then each section's paragraphs (text escaped)."""
    # Imported here: reportlab (with Pillow) takes a tenth of a second to import, paid by every
    # `sipadu` command and server start that loads the casework views but never builds a PDF.
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    story: list[object] = [Paragraph(escape(title), styles["Title"])]
    for section in sections:
        story.append(Paragraph(escape(section.title), styles["Heading2"]))
        for text in section.paragraphs:
            lines = escape(text).replace("\n", "<br/>")
            story.append(Paragraph(lines, styles["BodyText"]))
        story.append(Spacer(1, 8))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=title, author="SIPADU", creator="SIPADU").build(story)
    return out.getvalue()


def zip_package(pdf_name: str, pdf: bytes, files: Sequence[PackageFile]) -> bytes:
    """The PDF and the files in one ZIP (stored names are safe, times fixed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(pdf_name, _ZIP_TIME), pdf)
        for number, item in enumerate(files, start=1):
            info = zipfile.ZipInfo(f"lampiran/{number:02d}-{item.name}", _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, item.data)
    return out.getvalue()


def new_passphrase() -> str:
    """Six groups of five characters (about 148 bits), easy to read aloud and type."""
    groups = (
        "".join(secrets.choice(_PASSPHRASE_ALPHABET) for _ in range(5))
        for _ in range(PASSPHRASE_GROUPS)
    )
    return "-".join(groups)


def check_passphrase(text: str) -> str:
    """A passphrase as ``new_passphrase`` makes it, or PackageRecipientError."""
    value = text.strip()
    if not _PASSPHRASE_RE.fullmatch(value):
        raise PackageRecipientError("not an export passphrase")
    return value


def check_recipient(text: str) -> str:
    """An age X25519 public key (``age1…``), or PackageRecipientError."""
    value = text.strip().lower()
    if not _AGE_RECIPIENT_RE.fullmatch(value):
        raise PackageRecipientError("not an age public key")
    try:
        pyrage.x25519.Recipient.from_str(value)
    except Exception:  # pyrage raises types of its own for a bad key
        raise PackageRecipientError("not an age public key") from None
    return value


def encrypt_package(
    data: bytes, *, recipient: str | None = None, passphrase: str | None = None
) -> bytes:
    """Encrypt with age to exactly one of a public key or a passphrase (scrypt: slow, call
    it with no database transaction open)."""
    if (recipient is None) == (passphrase is None):
        raise PackageRecipientError("give a recipient or a passphrase")
    if recipient is not None:
        key = pyrage.x25519.Recipient.from_str(check_recipient(recipient))
        return bytes(pyrage.encrypt(data, [key]))
    return bytes(pyrage.passphrase.encrypt(data, check_passphrase(passphrase or "")))


def package_digest(data: bytes) -> str:
    """The SHA-256 of the package as the recipient holds it (hex)."""
    return hashlib.sha256(data).hexdigest()
