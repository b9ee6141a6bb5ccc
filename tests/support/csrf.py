"""CSRF tokens and hidden fields as a browser would find them in a page's forms.

For a whole form round trip (every field a browser would send, defaults included) use
:mod:`tests.support.forms`; these two are for tests that build the post themselves.
"""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"')


def csrf_token(client: FlaskClient, path: str = "/staff/login") -> str:
    """The CSRF token of the form on ``path``, for this client's session."""
    match = _CSRF.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def hidden_fields(page: TestResponse) -> dict[str, str]:
    """The hidden fields (csrf_token, form_id, case_key, ...) of the page's forms."""
    return dict(_HIDDEN.findall(page.get_data(as_text=True)))
