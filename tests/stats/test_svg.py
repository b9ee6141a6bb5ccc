"""Server-drawn SVG charts: well-formed, accessible, escaped, CSP-clean, and leak-free."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from sipadu.stats.suppress import CellKind, suppress_counts
from sipadu.stats.svg import SUPPRESSED_LENGTH, horizontal_bar_chart, monthly_column_chart

NS = "{http://www.w3.org/2000/svg}"
Chart = Callable[..., Markup]
CHARTS: list[Chart] = [horizontal_bar_chart, monthly_column_chart]


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well-formed


def _texts(root: ET.Element) -> list[str]:
    """Every human-readable string: text nodes, titles, description and aria-label."""
    found = [root.get("aria-label", "")]
    found += [
        "".join(element.itertext())
        for element in root.iter()
        if element.tag in (f"{NS}text", f"{NS}title", f"{NS}desc")
    ]
    return found


@pytest.mark.parametrize("chart", CHARTS)
def test_well_formed_accessible_and_csp_clean(chart: Chart) -> None:
    svg = str(chart({"Gratifikasi": 12, "Pungutan liar": 30, "Lainnya": 0}, title="Per kategori"))
    root = _parse(svg)
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    assert root.get("aria-label") == "Per kategori"
    title = root.find(f"{NS}title")
    assert title is not None and title.text == "Per kategori"
    assert not any("style" in element.attrib for element in root.iter())
    assert root.find(f".//{NS}style") is None and "<script" not in svg
    assert re.search(r"(href|src)=", svg) is None  # nothing loaded from anywhere


@pytest.mark.parametrize("chart", CHARTS)
def test_labels_and_titles_are_escaped(chart: Chart) -> None:
    label = '<script>alert("x")</script> & "OPD"'
    svg = str(chart({label: 20}, title='<b>"Judul"</b>'))
    assert "<script" not in svg and "<b>" not in svg
    root = _parse(svg)
    assert root.get("aria-label") == '<b>"Judul"</b>'
    assert any(label in text for text in _texts(root))


@pytest.mark.parametrize("chart", CHARTS)
def test_a_suppressed_number_appears_nowhere(chart: Chart) -> None:
    counts = {"Gratifikasi": 3, "KKN": 60, "Disiplin": 80, "Lainnya": 0}
    svg = str(chart(counts, title="Laporan"))
    root = _parse(svg)
    for text in _texts(root):
        assert re.search(r"(?<![\d.])[1-4](?![\d.])", text) is None, text
    assert any("< 5" in text for text in _texts(root)) and "&lt; 5" in svg
    rects = [r for r in root.iter(f"{NS}rect") if r.get("fill", "").startswith("url(")]
    sizes = {r.get("width") if chart is horizontal_bar_chart else r.get("height") for r in rects}
    assert sizes == {f"{SUPPRESSED_LENGTH:.1f}"}  # fixed size, whatever the count


@pytest.mark.parametrize("chart", CHARTS)
@given(counts=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=8))
def test_the_drawing_does_not_depend_on_a_suppressed_count(chart: Chart, counts: list[int]) -> None:
    def draw(values: list[int]) -> tuple[str, list[CellKind]]:
        pairs = [(f"bulan {chr(97 + i)}", v) for i, v in enumerate(values)]
        kinds = [c.kind for c in suppress_counts(pairs).cells]
        return str(chart(pairs, title="t")), kinds

    original, kinds = draw(counts)
    for index, value in enumerate(counts):
        if not 0 < value < 5:
            continue
        for other in range(1, 5):
            changed = [*counts[:index], other, *counts[index + 1 :]]
            svg, other_kinds = draw(changed)
            if other_kinds == kinds:
                assert svg == original


def test_scale_ignores_suppressed_cells_and_all_suppressed_draws() -> None:
    svg = str(monthly_column_chart([("Januari", 2), ("Februari", 0)], title="Bulanan"))
    with_digits = {text for text in _texts(_parse(svg)) if re.search(r"\d", text)}
    # No axis value (nothing is shown), no "2": only the suppression mark and the zero.
    assert with_digits == {"Januari: < 5; Februari: 0", "Januari: < 5", "Februari: 0", "< 5", "0"}
    assert str(horizontal_bar_chart({}, title="Kosong")).endswith("</svg>")


def test_a_pre_suppressed_series_is_drawn_as_given() -> None:
    series = suppress_counts({"a": 1, "b": 9, "c": 20})
    svg = str(horizontal_bar_chart(series, title="x", chart_id="kategori"))
    assert 'id="kategori"' in svg and "url(#kategori-hatch)" in svg
    with pytest.raises(ValueError, match="chart_id"):
        horizontal_bar_chart(series, title="x", chart_id='a" onload="x')


def test_many_months_are_labelled_sparsely() -> None:
    months = [(f"{2020 + i // 12}-{i % 12 + 1:02d}", 10 + i) for i in range(60)]
    root = _parse(str(monthly_column_chart(months, title="Lima tahun")))
    labels = [t.text for t in root.iter(f"{NS}text") if t.text and t.text.startswith("20")]
    assert 0 < len(labels) <= 12


PHONE_CONTENT_WIDTH = 360 - 32  # a 360 px screen less the page's side padding (2 x 1rem)


@pytest.mark.parametrize("chart", [horizontal_bar_chart, monthly_column_chart])
def test_chart_text_stays_legible_on_a_phone(chart: Any) -> None:
    """Shrunk to a phone's width, no text of a chart is drawn below 10 px (a 640 px chart
    drew its month labels at about 5 px)."""
    months = {f"2026-{month:02d}": month * 3 for month in range(1, 13)}
    root = _parse(str(chart(months, title="Per bulan")))
    scale = min(1.0, PHONE_CONTENT_WIDTH / float(root.get("width") or 0))
    sizes = [float(root.get("font-size") or 0)]
    sizes += [float(t.get("font-size") or 0) for t in root.iter(f"{NS}text") if t.get("font-size")]
    assert min(sizes) * scale >= 10, (min(sizes), scale)
