"""The test processes reuse compiled URL builders and templates across apps
(``tests/support/compiled_once.py``): every URL and page must come out as without it."""

from __future__ import annotations

from pathlib import Path

import pytest
from werkzeug.routing import Map, Rule

from tests.conftest import build_app, make_settings
from tests.support.compiled_once import TEMPLATES, werkzeug_builder_compiler
from tests.support.instance import Database

RULES: list[tuple[str, dict[str, object]]] = [
    ("/kasus/<code>", {"code": "AB12CD34EF"}),
    ("/petugas/kasus/<code>/lampiran/<int:number>", {"code": "X", "number": 7}),
    ("/halaman/<int(fixed_digits=3):page>", {"page": 5}),
    ("/berkas/<path:name>", {"name": "a b/ç.pdf"}),
]
QUERY = {"lang": "en", "q": "a&b"}


def _urls() -> list[str]:
    adapter = Map([Rule(path, endpoint=path) for path, _ in RULES]).bind("sipadu.test")
    return [adapter.build(path, {**values, **QUERY}) for path, values in RULES]


def test_reused_builders_build_what_werkzeug_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    _urls()  # compiled once...
    reused = _urls()  # ...and reused by a second map
    monkeypatch.setattr(Rule, "_compile_builder", werkzeug_builder_compiler())
    assert _urls() == reused
    assert reused[0] == "/kasus/AB12CD34EF?lang=en&q=a%26b"
    assert reused[2].startswith("/halaman/005?")


def test_two_apps_share_their_compiled_builders(tmp_path: Path) -> None:
    rules = []
    for name in ("one", "two"):
        database = Database("sqlite", f"sqlite:///{tmp_path / name}.sqlite3")
        app = build_app(make_settings(tmp_path / name, database))
        rules.append(sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)))
        app.extensions["sipadu.engine"].dispose()
    first, second = rules
    assert len(first) > 100
    shared = [a._build.__func__ is b._build.__func__ for a, b in zip(first, second, strict=True)]  # type: ignore[attr-defined]
    assert all(shared)


def test_two_apps_share_their_compiled_templates(tmp_path: Path) -> None:
    pages = []
    for name in ("one", "two"):
        database = Database("sqlite", f"sqlite:///{tmp_path / name}.sqlite3")
        app = build_app(make_settings(tmp_path / name, database))
        assert app.jinja_env.bytecode_cache is TEMPLATES
        pages.append(app.test_client().get("/statistik").get_data(as_text=True))
        app.extensions["sipadu.engine"].dispose()
        assert TEMPLATES.codes  # what the first app compiled, the second one loads
    assert pages[0] == pages[1]
    assert "<html" in pages[0]
