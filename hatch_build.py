"""Build hook: compile the Babel catalogs (.po) into .mo files inside the wheel.

Binary catalogs are not committed; they are built here for wheels and by
`make translations` for a source checkout.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogsHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        root = Path(self.root)
        out_dir = Path(tempfile.mkdtemp(prefix="sipadu-mo-"))
        for po_path in sorted((root / "sipadu" / "translations").glob("*/LC_MESSAGES/*.po")):
            relative = po_path.relative_to(root).with_suffix(".mo")
            mo_path = out_dir / relative
            mo_path.parent.mkdir(parents=True, exist_ok=True)
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
            build_data["force_include"][str(mo_path)] = str(relative)
