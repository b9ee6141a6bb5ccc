"""The PDF sandbox process: clean one document under hard memory and CPU limits.

Started by :mod:`sipadu.media.sandbox` with the document on standard input; writes one JSON
line (the outcome) and then, when cleaned, the cleaned document to standard output. Nothing
goes to disk: the process may not dump core (it holds the reporter's plaintext), and
pikepdf reads from and writes to memory. Its limits are set before it reads the document:

- CPU seconds (``RLIMIT_CPU``): the kernel kills it when they are used up;
- address space (``RLIMIT_AS``): what it has once the document is read, plus the budget;
  past that allocations fail and it answers ``over_memory_limit`` (or dies, which the
  parent treats the same).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import sys

import pikepdf

from sipadu.media.base import CleaningReport, FileKind
from sipadu.media.pdf_scrub import clean_document

_PR_SET_DUMPABLE = 4


def forbid_core_dumps() -> None:
    """No core file, and no core handed to a crash collector, ever holds the document."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")


def set_limit(which: int, value: int) -> None:
    """Soft and hard limit ``value``, or lower if the worker already runs under a lower one
    (raising a hard limit is not allowed, and the lower one bounds us anyway)."""
    _soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def address_space() -> int:
    """This process's current virtual size in bytes (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _answer(header: dict[str, object], body: bytes = b"") -> None:
    sys.stdout.buffer.write(json.dumps(header).encode() + b"\n" + body)
    sys.stdout.buffer.flush()


def main(args: list[str]) -> None:
    """``args``: CPU seconds, memory budget in bytes, largest output in bytes."""
    cpu_seconds, memory_budget, max_output = (int(arg) for arg in args)
    forbid_core_dumps()
    set_limit(resource.RLIMIT_CPU, cpu_seconds)
    data = sys.stdin.buffer.read()
    set_limit(resource.RLIMIT_AS, address_space() + memory_budget)
    report = CleaningReport(FileKind.PDF)
    try:
        cleaned = clean_document(data, report)
    except pikepdf.PasswordError:
        _answer({"outcome": "encrypted"})
        return
    except MemoryError:
        _answer({"outcome": "refused", "reason": "over_memory_limit"})
        return
    except Exception:  # anything else: a document we cannot read or write
        _answer({"outcome": "refused", "reason": "unreadable"})
        return
    if len(cleaned) > max_output:
        _answer({"outcome": "refused", "reason": "output_too_large"})
        return
    _answer({"outcome": "cleaned", "removed": [item.value for item in report.removed]}, cleaned)
