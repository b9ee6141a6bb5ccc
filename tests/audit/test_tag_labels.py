"""Every audit tag the code writes has a label for the auditor console and its export."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from sipadu.audit.tags import GROUP_LABELS, TAG_LABELS, tag_choices, tag_label
from sipadu.resources import PACKAGE_DIR

PACKAGE = Path(__file__).resolve().parents[2] / "sipadu"
# A tag as the code writes it: "group:event" as the first argument after the audit key, or
# the first argument of ``audit(...)``, or a tag constant.
_TAG = re.compile(r"\"([a-z_]+:[a-z_]+)\"")


def tags_written_by_the_code() -> set[str]:
    """Every ``group:event`` string in the package's source. It once kept only the groups
    already labelled, so a new group (``unit:``) and its tags slipped past unlabelled: now
    every such string counts, and one that is not a tag must be named in ``NOT_TAGS``."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        found.update(_TAG.findall(path.read_text(encoding="utf-8")))
    return found - NOT_TAGS


# ``group:event``-shaped strings in the source that are not audit tags.
NOT_TAGS: frozenset[str] = frozenset()


def test_every_tag_the_code_writes_has_a_label() -> None:
    written = tags_written_by_the_code()
    assert {"staff:login", "case:status_changed", "unit:member_set", "case:routed"} <= written
    assert written - set(TAG_LABELS) == set()


def test_every_group_prefix_names_real_tags() -> None:
    for prefix in GROUP_LABELS:
        assert any(tag.startswith(prefix) for tag in TAG_LABELS), prefix


@pytest.fixture
def babel_app() -> Flask:
    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PACKAGE_DIR / "translations")
    Babel(app)
    return app


def test_labels_are_words_and_unknown_tags_stay_readable(babel_app: Flask) -> None:
    with babel_app.test_request_context():
        check_labels()
        with force_locale("id"):
            assert tag_label("staff:login") not in ("Staff sign-in", "staff:login")


def check_labels() -> None:
    assert tag_label("staff:login") == "Staff sign-in"
    assert tag_label("staff:") == "All staff account events"
    assert tag_label("future:thing") == "future:thing"
    values = [value for value, _label in tag_choices()]
    assert values[: len(GROUP_LABELS)] == sorted(GROUP_LABELS, key=lambda k: str(GROUP_LABELS[k]))
