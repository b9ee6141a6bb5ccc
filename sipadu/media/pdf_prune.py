"""Keep only what a PDF needs to be displayed and printed (run inside the PDF sandbox).

Lists of what is *kept* (anything else goes), so an entry no one foresaw, a private one
or one from a later version of the format, does not survive by being unknown. Once the
catalog, the page tree and the annotations are pruned, what hung from the removed entries
(embedded files, scripts, a stream of any size) is no longer reachable, and the full rewrite
writes only what is reachable. See :mod:`sipadu.media.pdf` for the policy.
"""

from __future__ import annotations

from typing import Any

import pikepdf

from sipadu.media.base import CleaningReport, Removed


def _names(*names: str) -> frozenset[pikepdf.Name]:
    return frozenset(pikepdf.Name("/" + name) for name in names)


# The catalog: pages, their numbering, language and how a viewer opens the document.
# Not kept: /Outlines (bookmark titles are free text that may name people), /StructTreeRoot
# and /MarkInfo (tagging for assistive technology; it can carry any text), /OCProperties,
# /Metadata, /Names except its /Dests, /AF, /OpenAction, /AA, /URI, /Perms, /Collection,
# /Threads, /SpiderInfo, /Legal, /Requirements, /PieceInfo and anything unknown.
CATALOG_KEPT = _names(
    "Type",
    "Version",
    "Pages",
    "PageLabels",
    "PageLayout",
    "PageMode",
    "ViewerPreferences",
    "Lang",
    "Names",
    "Dests",
    "AcroForm",
)
NAMES_KEPT = _names("Dests")
# A form's fields and their appearance; not its scripts (/XFA holds its own data and code;
# /CO only orders calculation scripts).
ACROFORM_KEPT = _names("Fields", "NeedAppearances", "SigFlags", "DR", "DA", "Q")
# Page tree nodes and pages: what is drawn, where, and its annotations.
PAGE_KEPT = _names(
    "Type",
    "Parent",
    "Kids",
    "Count",
    "Resources",
    "MediaBox",
    "CropBox",
    "BleedBox",
    "TrimBox",
    "ArtBox",
    "Rotate",
    "Contents",
    "Annots",
    "Group",
    "UserUnit",
    "Tabs",
)
# Annotations that carry a file or play media: the file is gone with them.
ANNOTATIONS_WITH_FILES = _names("FileAttachment", "Sound", "Movie", "Screen", "RichMedia", "3D")
# Actions a link may keep: go to a place in the document, open a web address (shown to the
# reader, who chooses to follow it), turn a page.
SAFE_ACTIONS = _names("GoTo", "URI", "Named")
ACTION_KEYS = _names("A", "OpenAction", "PA")


def prune(pdf: pikepdf.Pdf, report: CleaningReport) -> None:
    """Prune the catalog, the page tree and the annotations of an open document in place."""
    root = pdf.Root
    if isinstance(root.get(pikepdf.Name.Names), pikepdf.Dictionary):
        names = root.Names
        for key in _remove_unlisted(names, NAMES_KEPT):
            report.note_removed(_NAMES_KINDS.get(key, Removed.DOCUMENT_EXTRAS))
        if not names.keys():
            del root[pikepdf.Name.Names]
    for key in _remove_unlisted(root, CATALOG_KEPT):
        report.note_removed(_CATALOG_KINDS.get(key, Removed.DOCUMENT_EXTRAS))
    if isinstance(root.get(pikepdf.Name.AcroForm), pikepdf.Dictionary):
        for key in _remove_unlisted(root.AcroForm, ACROFORM_KEPT):
            report.note_removed(Removed.SCRIPTS if key == "/XFA" else Removed.DOCUMENT_EXTRAS)
    _prune_page_tree(root.get(pikepdf.Name.Pages), report)


def strip_actions(obj: Any, report: CleaningReport) -> None:
    """Remove the scripts of one dictionary and the actions it has that are not harmless."""
    for key in ("/AA", "/JS"):
        if key in obj:
            del obj[key]
            report.note_removed(Removed.SCRIPTS)
    for name in ACTION_KEYS:
        if name in obj and not _harmless(obj[name], 0):
            del obj[name]
            report.note_removed(Removed.SCRIPTS)


def _harmless(action: Any, depth: int) -> bool:
    """An action of a kind listed as safe, and so is every one chained after it."""
    if isinstance(action, pikepdf.Array):  # /OpenAction may be a destination
        return (
            len(action) > 0
            and isinstance(action[0], pikepdf.Dictionary)
            and pikepdf.Name.Type in action[0]
        )
    if not isinstance(action, pikepdf.Dictionary) or depth > 8:
        return False
    if action.get(pikepdf.Name.S) not in SAFE_ACTIONS or pikepdf.Name.JS in action:
        return False
    chained = action.get(pikepdf.Name.Next)
    if chained is None:
        return True
    items = list(chained) if isinstance(chained, pikepdf.Array) else [chained]
    return all(_harmless(item, depth + 1) for item in items)


def _prune_page_tree(top: Any, report: CleaningReport) -> None:
    seen: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        node = stack.pop()
        if not isinstance(node, pikepdf.Dictionary) or (node.is_indirect and node.objgen in seen):
            continue
        seen.add(node.objgen)
        for key in _remove_unlisted(node, PAGE_KEPT):
            report.note_removed(_PAGE_KINDS.get(key, Removed.DOCUMENT_EXTRAS))
        if isinstance(node.get(pikepdf.Name.Annots), pikepdf.Array):
            _prune_annotations(node, report)
        if isinstance(node.get(pikepdf.Name.Kids), pikepdf.Array):
            stack.extend(node.Kids)


def _prune_annotations(page: Any, report: CleaningReport) -> None:
    kept = []
    for annotation in page.Annots:
        if not isinstance(annotation, pikepdf.Dictionary):
            continue
        if annotation.get(pikepdf.Name.Subtype) in ANNOTATIONS_WITH_FILES:
            report.note_removed(Removed.EMBEDDED_FILES)
            continue
        strip_actions(annotation, report)
        if pikepdf.Name.Metadata in annotation:
            del annotation[pikepdf.Name.Metadata]
            report.note_removed(Removed.XMP)
        kept.append(annotation)
    page[pikepdf.Name.Annots] = pikepdf.Array(kept)


def _remove_unlisted(obj: Any, kept: frozenset[pikepdf.Name]) -> list[str]:
    removed = [str(key) for key in obj if pikepdf.Name(key) not in kept]
    for key in removed:
        del obj[key]
    return removed


_NAMES_KINDS = {"/EmbeddedFiles": Removed.EMBEDDED_FILES, "/JavaScript": Removed.SCRIPTS}
_CATALOG_KINDS = {
    "/AF": Removed.EMBEDDED_FILES,
    "/Collection": Removed.EMBEDDED_FILES,
    "/OpenAction": Removed.SCRIPTS,
    "/AA": Removed.SCRIPTS,
    "/Metadata": Removed.XMP,
    "/PieceInfo": Removed.APPLICATION_DATA,
}
_PAGE_KINDS = {
    "/AA": Removed.SCRIPTS,
    "/Metadata": Removed.XMP,
    "/PieceInfo": Removed.APPLICATION_DATA,
    "/LastModified": Removed.APPLICATION_DATA,
    "/Thumb": Removed.THUMBNAIL,
    "/AF": Removed.EMBEDDED_FILES,
}
