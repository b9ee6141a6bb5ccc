"""The text of a PDF as a reader's tool extracts it, for checking what an export shows.

SIPADU's export PDFs use reportlab's standard fonts, so every line is a string operand of a
text-showing operator (``Tj``, ``TJ``, ``'``, ``"``) in WinAnsi encoding; pikepdf (already a
dependency, for cleaning PDFs) parses the content streams.
"""

from __future__ import annotations

import io

import pikepdf

_SHOWING = {"Tj", "'", '"', "TJ"}


def _strings(operands: list[object]) -> list[str]:
    found = []
    for operand in operands:
        if isinstance(operand, pikepdf.String):
            found.append(bytes(operand).decode("cp1252", errors="replace"))
        elif isinstance(operand, pikepdf.Array):
            found.extend(_strings(list(operand)))
    return found


def pdf_text(data: bytes) -> str:
    """Every shown string of every page, one line each."""
    lines: list[str] = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            for instruction in pikepdf.parse_content_stream(page):
                if isinstance(instruction, pikepdf.ContentStreamInstruction) and (
                    str(instruction.operator) in _SHOWING
                ):
                    lines.append("".join(_strings(list(instruction.operands))))
    return "\n".join(lines)
