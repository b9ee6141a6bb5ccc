"""Build ``sipadu/units/jakarta_areas.json`` (a developer tool, not part of the package).

Source: the npm package ``idn-area-data`` (Indonesian administrative areas with the
Kemendagri codes, data under the Open Database License). Only DKI Jakarta (province 31) is
kept, down to the kelurahan: never RT/RW, which could point at a reporter's street.

Usage:
    npm pack idn-area-data@4.0.1 && tar xzf idn-area-data-4.0.1.tgz
    python scripts/build_jakarta_areas.py package/

The version is read from the package's ``package.json`` and written into the output.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "sipadu" / "units" / "jakarta_areas.json"
PROVINCE = "31"  # DKI Jakarta


def _rows(folder: Path, name: str, parent_column: str, parents: set[str]) -> list[list[str]]:
    with (folder / "data" / name).open(encoding="utf-8", newline="") as handle:
        return [
            [row["code"], row[parent_column], row["name"].strip()]
            for row in csv.DictReader(handle)
            if row[parent_column] in parents
        ]


def build(folder: Path) -> dict[str, object]:
    """The DKI Jakarta areas of an unpacked ``idn-area-data`` package."""
    package = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    kota = _rows(folder, "regencies.csv", "province_code", {PROVINCE})
    kecamatan = _rows(folder, "districts.csv", "regency_code", {row[0] for row in kota})
    kelurahan = _rows(folder, "villages.csv", "district_code", {row[0] for row in kecamatan})
    return {
        "source": f"npm package {package['name']} {package['version']}",
        "licence": "Open Database License (ODbL) 1.0, data of the idn-area-data package",
        "regenerate": "python scripts/build_jakarta_areas.py <unpacked idn-area-data package>",
        "province": PROVINCE,
        "kota": [row[0::2] for row in kota],
        "kecamatan": kecamatan,
        "kelurahan": kelurahan,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    data = build(Path(argv[1]))
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(
        f"{OUT}: {len(data['kota'])} kota, {len(data['kecamatan'])} kecamatan, "  # type: ignore[arg-type]
        f"{len(data['kelurahan'])} kelurahan"
    )  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
