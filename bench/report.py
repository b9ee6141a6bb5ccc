"""The benchmark report: figures with targets, the machine and the code measured (commit,
dependency versions), written as Markdown and JSON."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.provenance import code_provenance


@dataclass(frozen=True)
class Figure:
    """One measured figure and the target it is held to (``passed`` None: no target)."""

    key: str
    name: str
    value: float
    unit: str
    target: str
    passed: bool | None
    detail: str = ""

    @property
    def verdict(self) -> str:
        """PASS, FAIL, or INFO for a baseline figure without a target."""
        if self.passed is None:
            return "INFO"
        return "PASS" if self.passed else "FAIL"


@dataclass
class Report:
    """Everything one `make bench` run found."""

    machine: dict[str, Any]
    settings: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    # The git commit, whether the tree had changes, every installed distribution's version.
    provenance: dict[str, Any] = field(default_factory=code_provenance)
    generated: str = field(
        default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    )

    def add(self, figure: Figure) -> None:
        """Append a figure."""
        self.figures.append(figure)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form; every figure carries its verdict."""
        return {
            "generated": self.generated,
            "machine": self.machine,
            "settings": self.settings,
            "source": {"commit": self.provenance["commit"], "dirty": self.provenance["dirty"]},
            "dependencies": self.provenance["dependencies"],
            "figures": [dict(asdict(f), verdict=f.verdict) for f in self.figures],
            "all_targets_met": all(f.passed is not False for f in self.figures),
        }

    def markdown(self) -> str:
        """A human-readable report (the same content as the JSON)."""
        m = self.machine
        lines = [
            "# SIPADU benchmark report",
            "",
            f"- Date: {self.generated}",
            f"- CPU: {m['cpu_model']} ({m['cores']} cores)",
            f"- Python: {m['python']} ({m['implementation']}), cryptography "
            f"{m['cryptography']}, argon2-cffi {m['argon2_cffi']}",
            f"- System: {m['system']}",
            f"- Commit: {self._commit_line()}",
            f"- Run: {', '.join(f'{k}={v}' for k, v in self.settings.items())}",
            "",
            "| Figure | Value | Target | Result |",
            "|---|---|---|---|",
        ]
        for f in self.figures:
            lines.append(f"| {f.name} | {f.value:,.3f} {f.unit} | {f.target} | {f.verdict} |")
        lines += ["", "## Notes", ""]
        lines += [f"- **{f.name}**: {f.detail}" for f in self.figures if f.detail]
        lines += ["", "## Dependencies", "", "| Package | Version |", "|---|---|"]
        lines += [f"| {n} | {v} |" for n, v in self.provenance["dependencies"].items()]
        return "\n".join(lines) + "\n"

    def _commit_line(self) -> str:
        commit, dirty = self.provenance["commit"], self.provenance["dirty"]
        if commit is None:
            return "unknown (not a git checkout)"
        return f"{commit} (uncommitted changes)" if dirty else f"{commit} (clean)"

    def write(self, folder: Path) -> tuple[Path, Path]:
        """Write ``report.md`` and ``report.json`` into ``folder`` (created if needed)."""
        folder.mkdir(parents=True, exist_ok=True)
        md, js = folder / "report.md", folder / "report.json"
        md.write_text(self.markdown(), encoding="utf-8")
        js.write_text(json.dumps(self.as_dict(), indent=2) + "\n", encoding="utf-8")
        return md, js


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info() -> dict[str, Any]:
    """CPU model, usable cores, Python and library versions of this machine."""
    return {
        "cpu_model": _cpu_model(),
        "cores": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "cryptography": version("cryptography"),
        "argon2_cffi": version("argon2-cffi"),
    }
