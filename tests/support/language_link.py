"""Follow the rendered language link of a page as a browser would."""

from __future__ import annotations

import re
from html import unescape

from flask.testing import FlaskClient
from werkzeug.test import TestResponse


def follow_language_link(client: FlaskClient, page: TestResponse, code: str) -> TestResponse:
    """Click the page's language link for ``code`` and follow redirects; return the page."""
    match = re.search(r'<a href="([^"]*/bahasa/' + code + r'[^"]*)"', page.get_data(as_text=True))
    assert match, "the page has no language link for " + code
    return client.get(unescape(match.group(1)), follow_redirects=True)
