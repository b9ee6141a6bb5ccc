"""The DKI Jakarta areas a reporter may name: kota/kabupaten, kecamatan, kelurahan.

The data (Kemendagri codes and names) is generated from the ``idn-area-data`` package by
``scripts/build_jakarta_areas.py``; ``jakarta_areas.json`` records its source and version.
A place is one code of any level: "31.71" (a kota), "31.71.01" (a kecamatan) or
"31.71.01.1001" (a kelurahan). Nothing finer exists here on purpose (no RT/RW, no GPS).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Area:
    """One kota, kecamatan or kelurahan."""

    code: str
    name: str
    parent: str | None


@dataclass(frozen=True)
class AreaGroup:
    """The options of one ``<optgroup>``: a kecamatan with its kelurahan, or the kota list."""

    label: str
    areas: tuple[Area, ...]


@dataclass(frozen=True)
class Areas:
    """Every DKI Jakarta area by code, and where the data came from."""

    source: str
    kota: dict[str, Area]
    kecamatan: dict[str, Area]
    kelurahan: dict[str, Area]

    def find(self, code: str) -> Area | None:
        """The area with this code at any level, or None."""
        return self.kota.get(code) or self.kecamatan.get(code) or self.kelurahan.get(code)

    def kota_of(self, code: str) -> str | None:
        """The kota/kabupaten code of any known area code, or None for an unknown code."""
        area = self.find(code)
        while area is not None and area.parent is not None:
            area = self.find(area.parent)
        return area.code if area is not None else None

    def describe(self, code: str) -> str:
        """The area and its parents, finest first ("Gambir, Gambir, Kota ... Pusat")."""
        names = []
        area = self.find(code)
        while area is not None:
            names.append(area.name)
            area = self.find(area.parent) if area.parent else None
        return ", ".join(names)


@cache
def jakarta_areas() -> Areas:
    """The shipped areas, read once per process."""
    text = resources.files("sipadu.units").joinpath("jakarta_areas.json").read_text("utf-8")
    data = json.loads(text)
    return Areas(
        source=str(data["source"]),
        kota={code: Area(code, name, None) for code, name in data["kota"]},
        kecamatan={code: Area(code, name, kota) for code, kota, name in data["kecamatan"]},
        kelurahan={code: Area(code, name, parent) for code, parent, name in data["kelurahan"]},
    )


def area_groups(kota_label: str) -> list[AreaGroup]:
    """The choices of the place select: the kota list first, then one group per kecamatan
    holding the kecamatan itself and its kelurahan (usable without JavaScript)."""
    areas = jakarta_areas()
    groups = [AreaGroup(kota_label, tuple(areas.kota.values()))]
    for kecamatan in areas.kecamatan.values():
        kota = areas.kota[kecamatan.parent or ""]
        kelurahan = tuple(a for a in areas.kelurahan.values() if a.parent == kecamatan.code)
        groups.append(AreaGroup(f"{kecamatan.name} — {kota.name}", (kecamatan, *kelurahan)))
    return groups
