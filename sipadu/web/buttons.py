"""Which of a form's choice buttons was pressed, with buttons that read well in text browsers.

Text browsers print a ``<button>``'s value before its label: ``<button name="format"
value="txt">`` reads "(txt) Download as a text file" in lynx. A choice button is therefore an
``<input type="submit" name="format.txt" value="Download as a text file">``: the choice
travels in the name, and the value, which every browser shows, is the label.
"""

from __future__ import annotations

from collections.abc import Iterable


def pressed_choice(form: Iterable[str], name: str) -> str:
    """The choice of the ``<name>.<choice>`` button pressed; "" when none or several were."""
    prefix = f"{name}."
    chosen = {key.removeprefix(prefix) for key in form if key.startswith(prefix)}
    return chosen.pop() if len(chosen) == 1 else ""
