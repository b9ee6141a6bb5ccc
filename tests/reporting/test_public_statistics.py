"""The public statistics page: a year's figures and every year's, small counts suppressed,
charts as SVG images whose text alternative is their table, no script, both languages."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from sipadu.admin.models import InstanceSetting
from sipadu.cases.models import Case
from sipadu.days import wib_today
from sipadu.db import db_session
from sipadu.reporting import statistics
from sipadu.reporting.public_snapshot import PUBLIC_STATISTICS_KEY, public_records, store_snapshot
from tests.reporting.conftest import BASE_REPORT, Ready, submit
from tests.support.factories import DEFAULT_REPORT, make_case


def _cases(app: Flask, received: date, count: int, category: str) -> None:
    with app.app_context():
        db = db_session()
        codes = [
            make_case(app, db, {**DEFAULT_REPORT, "category": category}).case.code
            for _ in range(count)
        ]
        db.execute(update(Case).where(Case.code.in_(codes)).values(received_on=received))
        db.commit()


def test_the_page_publishes_suppressed_figures_per_year(ready: Ready) -> None:
    this_year = wib_today().year
    _cases(ready.app, date(this_year, 1, 15), 6, "pungli")
    _cases(ready.app, date(this_year, 2, 3), 2, "kkn")
    _cases(ready.app, date(this_year, 2, 4), 5, "gratifikasi")
    _cases(ready.app, date(this_year, 2, 5), 3, "lainnya")
    _cases(ready.app, date(this_year - 1, 6, 1), 7, "pungli")
    client = ready.app.test_client()
    page = client.get("/statistik")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"Statistik {this_year}" in html
    assert '<strong id="received">16</strong>' in html
    assert "Pungutan liar (pungli)" in html and "&lt; 5" in html
    # The two KKN and three other reports are never shown exactly.
    assert "<td>2</td>" not in html and "<td>3</td>" not in html
    assert "<script" not in html and "<svg" not in html  # charts are images, not page text
    charts = re.findall(r'<img src="(/statistik/grafik/[a-z]+\.svg\?tahun=\d+)" alt="">', html)
    assert len(charts) == 5
    for chart in charts:
        drawn = client.get(chart)
        assert drawn.status_code == 200 and drawn.mimetype == "image/svg+xml"
        svg = drawn.get_data(as_text=True)
        assert svg.startswith("<svg") and "<script" not in svg and ">2<" not in svg
    assert "Pungutan liar (pungli)" in client.get(charts[2]).get_data(as_text=True)
    assert f'href="/statistik?tahun={this_year - 1}"' in html
    last = client.get(f"/statistik?tahun={this_year - 1}").get_data(as_text=True)
    assert '<strong id="received">7</strong>' in last and "Pungutan liar" in last
    client.get("/bahasa/en")
    english = client.get("/statistik").get_data(as_text=True)
    assert f"Statistics {this_year}" in english and "Reports received per month" in english


def test_a_year_without_figures_or_a_bad_one_is_a_clear_404(ready: Ready) -> None:
    client = ready.app.test_client()
    for value in ("1999", "abc", "20261", "-1", ""):
        page = client.get(f"/statistik?tahun={value}")
        html = page.get_data(as_text=True)
        assert page.status_code == 404, value
        assert "Tidak ada statistik untuk tahun itu." in html and "Traceback" not in html
    for path in ("/statistik/grafik/secret.svg", "/statistik/grafik/received.svg?tahun=1999"):
        assert client.get(path).status_code == 404, path


def test_the_landing_page_links_to_the_statistics(ready: Ready) -> None:
    html = ready.app.test_client().get("/").get_data(as_text=True)
    assert 'href="/statistik"' in html


def _received(client: FlaskClient, year: int) -> str:
    html = client.get(f"/statistik?tahun={year}").get_data(as_text=True)
    found = re.search(r'<strong id="received">([^<]*)</strong>', html)
    assert found is not None and 'id="as-of"' in html
    return found.group(1)


def test_a_filed_report_changes_the_page_only_the_next_day(
    ready: Ready, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = wib_today()
    earlier = max(today - timedelta(days=1), date(today.year, 1, 1))
    _cases(ready.app, earlier, 5, "pungli")
    client = ready.app.test_client()
    before = _received(client, today.year)
    assert "Angka per" in client.get("/statistik").get_data(as_text=True)
    assert submit(client, BASE_REPORT).status_code == 201
    # A watcher reloading the page the same day learns nothing about the new report.
    assert _received(client, today.year) == before
    monkeypatch.setattr(statistics, "wib_today", lambda: today + timedelta(days=1))
    assert _received(client, today.year) == "6"


def test_the_snapshot_is_stored_once_for_the_day(ready: Ready) -> None:
    _cases(ready.app, date(wib_today().year, 1, 1), 5, "kkn")
    client = ready.app.test_client()
    first = client.get("/statistik").get_data(as_text=True)
    with ready.app.app_context():
        row = db_session().get(InstanceSetting, PUBLIC_STATISTICS_KEY)
        assert row is not None and "kkn" in row.value and "what" not in row.value
    _cases(ready.app, date(wib_today().year, 1, 2), 5, "kkn")
    # Another worker reading the stored row shows the same figures all day.
    assert client.get("/statistik").get_data(as_text=True) == first


def test_a_worker_that_loses_the_first_request_race_shows_the_winners_snapshot(
    ready: Ready,
) -> None:
    today = wib_today()
    with ready.app.app_context():
        db = db_session()
        public_records(db, today)
        db.commit()
        winner = db.get(InstanceSetting, PUBLIC_STATISTICS_KEY)
        assert winner is not None and today.isoformat() in winner.value
        stored = winner.value
        # One worker read no row, another read yesterday's: both find the winner's in place.
        assert store_snapshot(db, None, '{"day": "x", "records": []}') == stored
        stale = '{"day": "1999-01-01", "records": []}'
        assert store_snapshot(db, stale, '{"day": "y", "records": []}') == stored
        db.commit()
        db.expire_all()
        assert db.get(InstanceSetting, PUBLIC_STATISTICS_KEY).value == stored  # type: ignore[union-attr]
