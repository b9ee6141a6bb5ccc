"""The PDF cleaner keeps only what a document needs to display and print: embedded files,
scripts, private catalog entries and data hung where no viewer looks are gone, the reporter
is told so, and the page still shows its text."""

from __future__ import annotations

import functools
import io

import pikepdf

from sipadu.media import CleaningStatus, Removed, make_cleaner
from tests.media import samples

# A cleaned document is small; the sample's bomb alone is about 1 MiB raw.
CLEANED_MAX = 64 * 1024


@functools.cache
def active_pdf() -> bytes:
    return samples.pdf_with_active_content()


def clean(data: bytes) -> tuple[bytes, list[Removed], CleaningStatus]:
    cleaner = make_cleaner("bukti.pdf", "application/pdf")
    out = cleaner.feed(data) + cleaner.finish()
    return bytes(out), list(cleaner.report.removed), cleaner.report.status


def every_object_text(data: bytes) -> bytes:
    """Every object of a (small) PDF, streams decoded, so compressed markers show too."""
    assert len(data) < CLEANED_MAX  # never decode a bomb
    parts = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        parts.append(repr(pdf.trailer).encode())
        for obj in pdf.objects:
            parts.append(repr(obj).encode())
            if isinstance(obj, pikepdf.Stream):
                parts.append(obj.read_bytes())
    return b"\n".join(parts)


def assert_displays_its_text(data: bytes) -> None:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 1
        content = pdf.pages[0].obj.Contents.read_bytes()
        assert b"(" + samples.VISIBLE_TEXT + b") Tj" in content
        assert pdf.pages[0].obj.Resources.Font.F1.BaseFont == pikepdf.Name.Helvetica


def test_the_sample_carries_what_the_cleaner_must_remove() -> None:
    data = active_pdf()
    for marker in (
        b"MARKER-DOCX-AUTHOR",
        b"MARKER-JS-OPEN",
        b"MARKER-JS-PAGE",
        b"MARKER-ROOTSECRET",
        b"MARKER-ATTACHED-FILE",
        b"MARKER-XMP-PAGE",
        b"MARKER-BOMB",
        b"MARKER-LAUNCH",
        b"MARKER-OUTLINE",
    ):
        assert marker in data, marker
    assert len(data) > 1_000_000


def test_embedded_files_scripts_and_unknown_catalog_data_are_removed() -> None:
    cleaned, removed, status = clean(active_pdf())
    assert len(cleaned) < CLEANED_MAX  # the bomb is not carried over
    text = every_object_text(cleaned)
    assert b"MARKER" not in text and b"xpacket" not in text
    for gone in (
        b"/EmbeddedFiles",
        b"/AF",
        b"/OpenAction",
        b"/AA",
        b"/JavaScript",
        b"/FileAttachment",
        b"/Launch",
        b"/Custom",
        b"/Bomb",
        b"/Outlines",
        b"/EmbeddedFile",
    ):
        assert gone not in text, gone
    assert status is CleaningStatus.CLEANED
    for item in (Removed.EMBEDDED_FILES, Removed.SCRIPTS, Removed.DOCUMENT_EXTRAS, Removed.XMP):
        assert item in removed, item
    assert_displays_its_text(cleaned)
    with pikepdf.open(io.BytesIO(cleaned)) as pdf:
        links = [a for a in pdf.pages[0].obj.Annots if a.Subtype == pikepdf.Name.Link]
        # The web link keeps its address; the link that launched a program does nothing now.
        assert [str(a.A.URI) for a in links if pikepdf.Name.A in a] == ["https://example.org/"]
        assert len(links) == 2


def test_a_bomb_alone_is_not_labelled_as_carrying_nothing() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root[pikepdf.Name.Extra] = pdf.make_stream(b"\x00" * 4096)
    buffer = io.BytesIO()
    pdf.save(buffer)
    cleaned, removed, status = clean(buffer.getvalue())
    assert status is CleaningStatus.CLEANED and removed == [Removed.DOCUMENT_EXTRAS]
    assert b"/Extra" not in cleaned


def test_a_plain_document_still_reports_nothing_found() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(300, 200))
    page = pdf.pages[0].obj
    page[pikepdf.Name.Resources] = pikepdf.Dictionary(
        Font=pikepdf.Dictionary(
            F1=pikepdf.Dictionary(
                Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
            )
        )
    )
    page[pikepdf.Name.Contents] = pdf.make_stream(
        b"BT /F1 12 Tf 20 100 Td (" + samples.VISIBLE_TEXT + b") Tj ET"
    )
    buffer = io.BytesIO()
    pdf.save(buffer)
    cleaned, removed, status = clean(buffer.getvalue())
    assert (status, removed) == (CleaningStatus.NOTHING_FOUND, [])
    assert_displays_its_text(cleaned)
