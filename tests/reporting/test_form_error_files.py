"""A report form refused for an error says that its attached files must be attached again."""

from __future__ import annotations

from tests.reporting.conftest import BASE_REPORT, Ready, submit

DROPPED_ID = "Berkas tidak ikut tersimpan karena ada kesalahan; lampirkan lagi."


def test_refused_form_with_files_says_to_attach_them_again(ready: Ready) -> None:
    client = ready.app.test_client()
    refused = submit(client, {**BASE_REPORT, "amount": "sejuta"}, files=[(b"bukti\n", "bukti.txt")])
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert DROPPED_ID in html
    assert html.index(DROPPED_ID) > html.index('for="f-attachments"')  # next to the file field
    client.get("/bahasa/en")
    english = submit(client, {**BASE_REPORT, "amount": "sejuta"}, files=[(b"b\n", "b.txt")])
    assert "Files are not kept when the form has an error: attach them again." in (
        english.get_data(as_text=True)
    )


def test_refused_form_without_files_says_nothing_about_files(ready: Ready) -> None:
    refused = submit(ready.app.test_client(), {**BASE_REPORT, "amount": "sejuta"})
    assert refused.status_code == 422
    assert DROPPED_ID not in refused.get_data(as_text=True)
