"""Cleaning a PDF in a separate process with hard limits, so no document can cost a worker
more than a bounded amount of memory and time.

pikepdf (qpdf, C++) builds the whole object graph of a document: a 10 KB file whose
compressed object stream holds an array of millions of numbers took 860 MiB and 22 s in
the worker. Checks before opening cannot foresee every such shape, so the bound is enforced
by the kernel instead: the document is cleaned by a fresh Python process
(:mod:`sipadu.media.pdf_child`) with a CPU-time limit and an address-space limit, and
killed if it runs over a wall-clock limit. The document goes in through a pipe and the
cleaned copy comes back through a pipe; nothing touches the disk.

Starting the process costs about 0.1 s of CPU per PDF (Python and pikepdf, no Flask).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sipadu.media.base import MIB

log = logging.getLogger(__name__)

# Run the child without executing sipadu/__init__.py (which imports the whole app): bare
# package modules are enough to import the few media modules it needs.
_BOOTSTRAP = (
    "import sys, types\n"
    "for name in ('sipadu', 'sipadu.media'):\n"
    "    package = types.ModuleType(name)\n"
    "    package.__path__ = [sys.argv[1] + '/' + name.replace('.', '/')]\n"
    "    sys.modules[name] = package\n"
    "from sipadu.media.pdf_child import main\n"
    "main(sys.argv[2:])\n"
)
_IMPORT_ROOT = str(Path(__file__).resolve().parents[2])


@dataclass(frozen=True)
class SandboxLimits:
    """What cleaning one PDF may cost.

    ``memory_bytes``: address space above the child's own once it holds the document.
    CPU seconds: ``cpu_seconds`` plus ``cpu_seconds_per_mib`` for each MiB of the document;
    wall-clock: ``wall_factor`` times that plus ``wall_extra_seconds`` (a loaded machine).
    """

    memory_bytes: int = 256 * MIB
    cpu_seconds: float = 2.0
    cpu_seconds_per_mib: float = 0.25
    wall_factor: float = 3.0
    wall_extra_seconds: float = 10.0

    def cpu_for(self, size: int) -> int:
        """Whole CPU seconds allowed for a document of ``size`` bytes."""
        return math.ceil(self.cpu_seconds + self.cpu_seconds_per_mib * size / MIB)


@dataclass
class SandboxResult:
    """What the child said: ``outcome`` is ``cleaned``, ``encrypted`` or ``refused``."""

    outcome: str
    reason: str = ""
    removed: list[str] = field(default_factory=list)
    cleaned: bytearray = field(default_factory=bytearray)


def clean_pdf_in_sandbox(data: bytes | bytearray, limits: SandboxLimits) -> SandboxResult:
    """Clean ``data`` in a child process; a refusal if it fails or runs over a limit."""
    cpu = limits.cpu_for(len(data))
    max_output = 2 * len(data) + MIB
    command = [
        sys.executable,
        "-I",
        "-c",
        _BOOTSTRAP,
        _IMPORT_ROOT,
        str(cpu),
        str(limits.memory_bytes),
        str(max_output),
    ]
    child = subprocess.Popen(  # noqa: S603
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + limits.wall_factor * cpu + limits.wall_extra_seconds
    out = _exchange(child, data, deadline)
    if out is None:
        return SandboxResult("refused", "over_time_limit")
    if child.returncode in (-signal.SIGKILL, -signal.SIGXCPU):
        return SandboxResult("refused", "over_time_limit")
    end = out.find(b"\n")
    if child.returncode != 0 or end < 0:
        # Died another way (an allocation qpdf could not survive, a crash): not cleaned.
        # Said in the log (no content), since a sandbox that cannot start refuses every PDF.
        log.warning("PDF sandbox ended without an answer (exit status %s)", child.returncode)
        return SandboxResult("refused", "sandbox_failed")
    answer = json.loads(bytes(out[:end]))
    del out[: end + 1]  # cheap for a bytearray: the cleaned copy is not copied again
    return SandboxResult(
        answer["outcome"], answer.get("reason", ""), answer.get("removed", []), out
    )


def _exchange(
    child: subprocess.Popen[bytes], data: bytes | bytearray, deadline: float
) -> bytearray | None:
    """Feed ``data`` to the child and collect all it writes; ``None`` past the deadline
    (the child is killed). One growing buffer, so the worker holds one copy of the result."""
    assert child.stdin is not None and child.stdout is not None  # noqa: S101 (pipes asked)
    feeder = threading.Thread(target=_feed, args=(child.stdin, data), daemon=True)
    feeder.start()
    out = bytearray()
    source = child.stdout.fileno()
    selector = selectors.DefaultSelector()  # not select(): a worker's fds may pass 1024
    selector.register(source, selectors.EVENT_READ)
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            if selector.select(remaining):
                piece = os.read(source, _READ_SIZE)
                if not piece:
                    break
                out += piece
        child.wait(max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return None
    finally:
        selector.close()
        if child.returncode is None:
            child.kill()
            child.wait()
        feeder.join()
        child.stdout.close()
    return out


_READ_SIZE = 1024 * 1024


def _feed(pipe: IO[bytes], data: bytes | bytearray) -> None:
    """Write the document to the child (it may die before reading it all)."""
    with contextlib.suppress(BrokenPipeError, OSError):
        pipe.write(data)
    with contextlib.suppress(BrokenPipeError, OSError):
        pipe.close()
