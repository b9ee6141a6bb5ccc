"""A report with a file may be the very first request a gunicorn worker serves.

The CSRF check runs before every other hook and reads the form, which parses the file parts:
the list of views that may take files must not depend on a hook that has not run yet.
"""

from __future__ import annotations

import io

from sipadu.app import create_app
from sipadu.settings import Settings
from tests.media.samples import jpeg_with_metadata
from tests.reporting.conftest import BASE_REPORT, Ready
from tests.support.csrf import hidden_fields


def test_first_request_of_a_fresh_worker_can_carry_a_file(ready: Ready, settings: Settings) -> None:
    # One worker serves the form; the post lands on another that has served nothing yet.
    form_worker = ready.app.test_client()
    hidden = hidden_fields(form_worker.get("/laporan"))
    fresh = create_app(settings)
    try:
        client = fresh.test_client()
        assert form_worker._cookies is not None  # a test client keeps cookies by default
        for cookie in form_worker._cookies.values():
            client.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
        response = client.post(
            "/laporan",
            data={
                **hidden,
                **BASE_REPORT,
                "attachments": [(io.BytesIO(jpeg_with_metadata()), "foto.jpg")],
            },
            content_type="multipart/form-data",
        )
    finally:
        fresh.extensions["sipadu.engine"].dispose()
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    assert "foto.jpg" in response.get_data(as_text=True)
