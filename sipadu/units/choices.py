"""Units as a form offers them: the part of each name that tells it from the others first.

Every regional unit's name starts with the same words ("Inspektur Pembantu Wilayah Kota
Administrasi …"); a list that shows those first shows on a phone the same cut-off line six
times. The choice leads with what differs ("Kota Administrasi Jakarta Timur") and keeps the
full name beside it, for any names an administrator gives units later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sipadu.units.models import Unit


@dataclass(frozen=True)
class UnitChoice:
    """One unit to choose: its code, the distinguishing part of its name, the full name."""

    code: str
    distinct: str
    name: str


def _shared_words(names: Sequence[list[str]]) -> int:
    """How many first words all ``names`` share (0 for fewer than two names)."""
    if len(names) < 2:
        return 0
    shared = 0
    for words in zip(*names, strict=False):
        if len(set(words)) != 1:
            break
        shared += 1
    return shared


def unit_choices(units: Sequence[Unit]) -> list[UnitChoice]:
    """``units`` in their order, each with the part of its name that tells it apart: the
    words every non-head unit's name begins with are left out of it (the head unit keeps
    its whole name; a name that is nothing but those words too)."""
    others = [unit.name.split() for unit in units if not unit.is_head]
    shared = _shared_words(others)
    choices = []
    for unit in units:
        words = unit.name.split()
        own = words[shared:] if not unit.is_head and len(words) > shared else words
        choices.append(UnitChoice(unit.code, " ".join(own), unit.name))
    return choices
