"""The form round-trip helper sends what a browser would, and refuses what it could not."""

from __future__ import annotations

import json

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support.forms import FormHelperError, all_forms, build, find_form, submit

PAGES: dict[str, str] = {}


@pytest.fixture
def client() -> FlaskClient:
    """A tiny app: GET /page/<name> renders a snippet; any other request echoes what it got."""
    app = Flask(__name__)

    @app.get("/page/<name>")
    def page(name: str) -> str:
        return PAGES[name]

    @app.route("/echo", methods=["GET", "POST"])
    @app.route("/echo/<path:rest>", methods=["GET", "POST"])
    def echo(rest: str = "") -> dict[str, object]:
        files = {
            key: [(f.filename, f.read().decode()) for f in request.files.getlist(key)]
            for key in request.files
        }
        return {
            "method": request.method,
            "path": request.path,
            "rest": rest,
            "content_type": request.mimetype,
            "form": [list(pair) for pair in request.form.items(multi=True)],
            "args": [list(pair) for pair in request.args.items(multi=True)],
            "files": files,
        }

    return app.test_client()


def render(client: FlaskClient, html: str) -> TestResponse:
    PAGES["snippet"] = html
    return client.get("/page/snippet")


def echoed(response: TestResponse) -> dict[str, object]:
    assert response.status_code == 200, response.get_data(as_text=True)
    loaded: dict[str, object] = json.loads(response.get_data(as_text=True))
    return loaded


def sent_pairs(sent: dict[str, object]) -> list[tuple[str, str]]:
    """The echoed form as (name, value) pairs, in the order the helper sent them."""
    pairs = sent["form"]
    assert isinstance(pairs, list)
    assert all(isinstance(pair, list) and len(pair) == 2 for pair in pairs)
    return [(str(name), str(value)) for name, value in pairs]


FULL = """
<form method="post" action="/echo">
  <input type="hidden" name="csrf_token" value="tok">
  <input type="text" name="title" value="Judul">
  <input name="untyped">
  <textarea name="body">
baris satu</textarea>
  <input type="checkbox" name="agree" value="y" checked>
  <input type="checkbox" name="internal" value="y">
  <input type="checkbox" name="plain">
  <input type="radio" name="kind" value="a">
  <input type="radio" name="kind" value="b" checked>
  <select name="status"><option value="new">New</option>
    <option value="closed">Closed</option></select>
  <select name="picked"><option value="x">X</option>
    <option value="y" selected>Y</option></select>
  <input type="text" name="off" value="no" disabled>
  <input type="reset" name="reset" value="r">
  <button type="button" name="noop" value="n">Nothing</button>
  <button type="submit" name="act" value="send">Kirim</button>
  <button name="act" value="note">Simpan catatan</button>
</form>
"""


def test_defaults_are_what_the_page_renders(client: FlaskClient) -> None:
    page = render(client, FULL)
    sent = echoed(submit(client, page, button="Kirim"))
    assert sent["method"] == "POST" and sent["path"] == "/echo"
    assert sent["content_type"] == "application/x-www-form-urlencoded"
    assert sent["form"] == [
        ["csrf_token", "tok"],
        ["title", "Judul"],
        ["untyped", ""],
        ["body", "baris satu"],
        ["agree", "y"],
        ["kind", "b"],
        ["status", "new"],
        ["picked", "y"],
        ["act", "send"],
    ]


def test_a_ticked_checkbox_sends_its_rendered_value(client: FlaskClient) -> None:
    page = render(client, FULL)
    sent = echoed(
        submit(client, page, tick={"internal": True, "plain": True, "agree": False}, button="Kirim")
    )
    form = dict(sent_pairs(sent))
    assert form["internal"] == "y"  # the page's value, not one the test picked
    assert form["plain"] == "on"  # no value attribute: a browser sends "on"
    assert "agree" not in form


def test_only_the_pressed_button_is_sent(client: FlaskClient) -> None:
    page = render(client, FULL)
    for choice, value in (("Simpan catatan", "note"), ("send", "send"), (("act", "note"), "note")):
        sent = echoed(submit(client, page, button=choice))
        assert [v for k, v in sent_pairs(sent) if k == "act"] == [value]
    assert ("noop", "n") not in sent_pairs(echoed(submit(client, page, button="Kirim")))


def test_fill_types_chooses_and_normalises_line_breaks(client: FlaskClient) -> None:
    page = render(client, FULL)
    sent = echoed(
        submit(
            client,
            page,
            button="Kirim",
            fill={"title": "Baru", "body": "a\nb", "kind": "a", "status": "closed"},
        )
    )
    form = dict(sent_pairs(sent))
    assert form == {**form, "title": "Baru", "body": "a\r\nb", "kind": "a", "status": "closed"}


@pytest.mark.parametrize(
    ("kwargs", "complaint"),
    [
        ({"fill": {"nope": "x"}}, "no field"),
        ({"fill": {"csrf_token": "forged"}}, "cannot be typed"),
        ({"fill": {"agree": "y"}}, "cannot be typed"),
        ({"fill": {"status": "deleted"}}, "offers"),
        ({"fill": {"kind": "c"}}, "offers"),
        ({"fill": {"off": "x"}}, "no field"),  # disabled: not part of the submission
        ({"tick": {"missing": True}}, "no checkbox"),
        ({"tick": {"title": True}}, "no checkbox"),
        ({"button": "Hapus"}, "buttons match"),
        ({"button": "Nothing"}, "buttons match"),  # type=button does not submit
        ({"button": ("act", "delete")}, "buttons match"),
        ({"button": None}, "several submit buttons"),
        ({"files": {"title": (b"x", "a.txt")}}, "no file input"),
    ],
)
def test_refuses_what_the_page_cannot_send(
    client: FlaskClient, kwargs: dict[str, object], complaint: str
) -> None:
    page = render(client, FULL)
    kwargs.setdefault("button", "Kirim")
    with pytest.raises(FormHelperError, match=complaint):
        build(page, **kwargs)  # type: ignore[arg-type]


def test_checkboxes_sharing_a_name_are_ticked_by_value(client: FlaskClient) -> None:
    page = render(
        client,
        """<form method=post action=/echo>
        <input type=checkbox name=cat value=a><input type=checkbox name=cat value=b>
        <button>Go</button></form>""",
    )
    with pytest.raises(FormHelperError, match="tick one"):
        build(page, tick=["cat"])
    sent = echoed(submit(client, page, tick=[("cat", "b")]))
    assert sent["form"] == [["cat", "b"]]


def test_multipart_sends_files_and_an_empty_part_when_none_chosen(client: FlaskClient) -> None:
    html = """<form method="post" action="/echo" enctype="multipart/form-data">
        <input type="hidden" name="csrf_token" value="tok">
        <input type="file" name="attachments" multiple>
        <input type="file" name="single"><button>Unggah</button></form>"""
    page = render(client, html)
    sent = echoed(
        submit(client, page, files={"attachments": [(b"one", "a.pdf"), (b"two", "b.pdf")]})
    )
    assert sent["content_type"] == "multipart/form-data"
    # The file input left empty is an empty part with an empty file name, as browsers send.
    assert sent["files"] == {
        "attachments": [["a.pdf", "one"], ["b.pdf", "two"]],
        "single": [["", ""]],
    }
    with pytest.raises(FormHelperError, match="takes one file"):
        build(page, files={"single": [(b"1", "a"), (b"2", "b")]})
    empty = build(page)
    assert empty.value("single").filename == ""  # no file chosen: an empty file name


def test_get_forms_send_a_query_and_actions_resolve_against_the_page(client: FlaskClient) -> None:
    html = """<form action="../echo/x?dropped=1"><input name="q" value="v">
        <select name="s" multiple><option>one</option><option selected>two</option></select>
        <input type=submit value="Cari"></form>
        <form id="second" method="post"><button name=b value=1>B</button></form>"""
    PAGES["nested"] = html
    page = client.get("/page/nested")
    sent = echoed(submit(client, page, form=0))
    assert sent["method"] == "GET" and sent["path"] == "/echo/x"
    assert sent["args"] == [["q", "v"], ["s", "two"]]  # unnamed submit: no entry
    assert find_form(page, "second").action == "/page/nested"
    assert [f.method for f in all_forms(page)] == ["get", "post"]
    with pytest.raises(FormHelperError, match="choose one"):
        find_form(page)
    with pytest.raises(FormHelperError, match="no form number"):
        find_form(page, 5)


def test_controls_outside_the_form_and_disabled_fieldsets(client: FlaskClient) -> None:
    page = render(
        client,
        """<form id="f" method="post" action="/echo">
        <fieldset disabled><input name="gone" value="1"></fieldset>
        <button>Go</button></form><input form="f" name="outside" value="o">""",
    )
    assert echoed(submit(client, page))["form"] == [["outside", "o"]]


def test_textareas_are_read_as_text_like_browsers_do(client: FlaskClient) -> None:
    page = render(
        client,
        """<form method=post action=/echo><textarea name=t>
<p>Halo &amp; <b>tebal</b> &lt;i&gt;</p></textarea><button>Go</button></form>""",
    )
    assert echoed(submit(client, page))["form"] == [["t", "<p>Halo & <b>tebal</b> <i></p>"]]
