"""Choice buttons read well in text browsers: lynx prints a ``<button>``'s value before its
label ("(txt) Download as a text file", or "(BUTTON)"), so no page has a button element; a choice
travels in the name of an ``<input type="submit">`` whose value is its label. Every crawled
page is checked in tests/web/test_no_raw_keys.py."""

from __future__ import annotations

from sipadu.web.buttons import pressed_choice


def test_the_pressed_choice_is_read_from_the_name() -> None:
    assert pressed_choice({"csrf_token": "t", "format.print": "Open"}, "format") == "print"
    assert pressed_choice({"format": "print"}, "format") == ""  # the old shape is not read
    assert pressed_choice({"format.txt": "a", "format.print": "b"}, "format") == ""
    assert pressed_choice({}, "format") == ""
