"""Charts drawn on the server as SVG strings, for the auditor console.

No JavaScript, no external font (the generic ``sans-serif`` family), and no ``style``
attribute or element: the Content-Security-Policy forbids inline styles, so every look is a
presentation attribute (``fill``, ``stroke``, ``font-size``). Each chart is ``role="img"`` with
an ``aria-label``, a ``<title>`` and a ``<desc>`` listing the published values, and each bar
has its own ``<title>`` tooltip. All text is escaped with markupsafe.

Counts go through small-cell suppression first (``sipadu.stats.suppress``): a suppressed bar is
a hatched mark of fixed size, never proportional to the count, with "< 5" or "hidden" as its
text; the exact number is nowhere in the output.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping

from markupsafe import Markup, escape

from sipadu.stats.suppress import THRESHOLD, Cell, SuppressedSeries, suppress_counts

Counts = SuppressedSeries | Mapping[str, int] | Iterable[tuple[str, int]]

BAR_FILL = "#2f6f9f"
TEXT_FILL = "#1f2933"
MUTED = "#7b8794"
FONT = 'font-family="sans-serif"'
SUPPRESSED_LENGTH = 36  # pixels; the same for every suppressed bar, whatever its count
MAX_LABEL_CHARS = 44
# Drawn for a phone: a 360 px screen shows the chart at about its own size, so its 11-12 px
# text stays legible (a 640 px chart shrunk to fit drew 5 px labels); wider screens show it
# at this size too.
CHART_WIDTH = 340
_CHART_ID = re.compile(r"^[a-z][a-z0-9-]{0,40}$")


def _series(counts: Counts, threshold: int) -> SuppressedSeries:
    if isinstance(counts, SuppressedSeries):
        return counts
    return suppress_counts(counts, threshold=threshold)


def _chart_id(chart_id: str | None, title: str) -> str:
    # Deterministic (the same data gives the same bytes) and unique enough per page.
    if chart_id is None:
        return "chart-" + hashlib.sha256(title.encode("utf-8")).hexdigest()[:10]
    if not _CHART_ID.match(chart_id):
        raise ValueError("chart_id must be lower-case letters, digits and hyphens")
    return chart_id


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


def _open(width: int, height: int, title: str, chart_id: str, cells: tuple[Cell, ...]) -> str:
    desc = "; ".join(f"{cell.label}: {cell.display}" for cell in cells)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'id="{chart_id}" {FONT} font-size="12" fill="{TEXT_FILL}">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
        f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" '
        f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#eef0f2"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{MUTED}" stroke-width="2"/>'
        f"</pattern></defs>"
    )


def _scale(series: SuppressedSeries) -> int:
    """The largest shown value: suppressed cells never influence the axis."""
    return (
        max((c.value for c in series.cells if c.value is not None), default=series.threshold) or 1
    )


def _bar(
    cell: Cell, x: float, y: float, length: float, thickness: float, chart_id: str, vertical: bool
) -> str:
    """One bar (or column) with its tooltip; suppressed cells get the fixed hatched mark."""
    tip = f"<title>{escape(cell.label)}: {escape(cell.display)}</title>"
    if cell.suppressed:
        length = SUPPRESSED_LENGTH
        paint = f'fill="url(#{chart_id}-hatch)" stroke="{MUTED}"'
    else:
        paint = f'fill="{BAR_FILL}"'
    if vertical:
        box = f'x="{x:.1f}" y="{y - length:.1f}" width="{thickness:.1f}" height="{length:.1f}"'
    else:
        box = f'x="{x:.1f}" y="{y:.1f}" width="{length:.1f}" height="{thickness:.1f}"'
    return f"<g>{tip}<rect {box} {paint}/></g>"


def horizontal_bar_chart(
    counts: Counts,
    *,
    title: str,
    chart_id: str | None = None,
    threshold: int = THRESHOLD,
    width: int = CHART_WIDTH,
) -> Markup:
    """A horizontal bar chart, one row per label (categories, statuses, units): each label
    on its own line above its bar, so a long label needs no room beside the bars."""
    series = _series(counts, threshold)
    ident = _chart_id(chart_id, title)
    row, top, bar = 40, 4, 14
    plot = max(width - 60, 50)  # room after the longest bar for its value
    height = top * 2 + row * max(len(series.cells), 1)
    scale = _scale(series)
    parts = [_open(width, height, title, ident, series.cells)]
    for index, cell in enumerate(series.cells):
        y = top + index * row
        length = 0.0 if cell.value is None else plot * cell.value / scale
        if cell.value:
            length = max(length, 1.0)
        parts.append(f'<text x="0" y="{y + 13}">{escape(_short(cell.label))}</text>')
        parts.append(_bar(cell, 0, y + 19, length, bar, ident, vertical=False))
        end = SUPPRESSED_LENGTH if cell.suppressed else length
        parts.append(f'<text x="{end + 6:.1f}" y="{y + 31}">{escape(cell.display)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped


def monthly_column_chart(
    counts: Counts,
    *,
    title: str,
    chart_id: str | None = None,
    threshold: int = THRESHOLD,
    width: int = CHART_WIDTH,
) -> Markup:
    """A column chart of counts per month, labels such as ``2026-11``, in the given order."""
    series = _series(counts, threshold)
    ident = _chart_id(chart_id, title)
    left, bottom, top, plot_height = 40, 30, 24, 160
    height = top + plot_height + bottom
    count = max(len(series.cells), 1)
    slot = (width - left - 10) / count
    thickness = max(min(slot * 0.7, 40.0), 2.0)
    every = math.ceil(count / 6)  # at most six month labels: each needs about 45 px
    scale = _scale(series)
    baseline = top + plot_height
    parts = [
        _open(width, height, title, ident, series.cells),
        f'<line x1="{left}" y1="{baseline}" x2="{width - 10}" y2="{baseline}" stroke="{MUTED}"/>',
    ]
    if any(cell.value for cell in series.cells):  # the axis top is the largest shown value
        parts.append(f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{scale}</text>')
    for index, cell in enumerate(series.cells):
        x = left + index * slot + (slot - thickness) / 2
        length = 0.0 if cell.value is None else plot_height * cell.value / scale
        if cell.value:
            length = max(length, 1.0)
        parts.append(_bar(cell, x, baseline, length, thickness, ident, vertical=True))
        if index % every == 0:
            parts.append(
                f'<text x="{x + thickness / 2:.1f}" y="{baseline + 16}" '
                f'text-anchor="middle" font-size="11">{escape(_short(cell.label))}</text>'
            )
        if thickness >= 24:
            rise = SUPPRESSED_LENGTH if cell.suppressed else length
            parts.append(
                f'<text x="{x + thickness / 2:.1f}" y="{baseline - rise - 4:.1f}" '
                f'text-anchor="middle" font-size="11">{escape(cell.display)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped
