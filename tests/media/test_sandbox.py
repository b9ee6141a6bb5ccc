"""The PDF sandbox: over a limit means refused and the process gone; it never dumps core."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sipadu.media import CleaningLimits, MediaCleaningError, make_cleaner
from sipadu.media.sandbox import SandboxLimits, clean_pdf_in_sandbox
from tests.media import hostile, samples

ROOT = Path(__file__).resolve().parents[2]


def test_a_normal_document_is_cleaned_in_the_sandbox() -> None:
    result = clean_pdf_in_sandbox(samples.pdf_with_metadata(), SandboxLimits())
    assert result.outcome == "cleaned"
    assert b"MARKER-PDF-AUTHOR" not in result.cleaned
    assert "document_info" in result.removed


def test_a_document_that_needs_more_memory_than_allowed_is_refused() -> None:
    """qpdf would repair around the object it had no memory for; the file is refused."""
    result = clean_pdf_in_sandbox(hostile.pdf_huge_array(), SandboxLimits())
    assert (result.outcome, result.reason) == ("refused", "over_memory_limit")


def test_past_the_wall_clock_limit_the_child_is_killed_and_the_file_refused() -> None:
    limits = SandboxLimits(wall_factor=0, wall_extra_seconds=0.001)
    result = clean_pdf_in_sandbox(samples.pdf_with_metadata(), limits)
    assert (result.outcome, result.reason) == ("refused", "over_time_limit")
    assert result.cleaned == b""


@pytest.mark.slow
def test_past_the_cpu_limit_the_kernel_kills_the_child() -> None:
    data = hostile.pdf_many_objects(600_000)
    limits = SandboxLimits(memory_bytes=2 * 1024**3, cpu_seconds=1, cpu_seconds_per_mib=0)
    result = clean_pdf_in_sandbox(data, limits)
    assert (result.outcome, result.reason) == ("refused", "over_time_limit")


def test_a_refusal_by_the_sandbox_reaches_the_reporter_in_words() -> None:
    limits = CleaningLimits(pdf_sandbox=SandboxLimits(wall_factor=0, wall_extra_seconds=0.001))
    cleaner = make_cleaner("statement.pdf", "application/pdf", limits=limits)
    cleaner.feed(samples.pdf_with_metadata())
    with pytest.raises(MediaCleaningError) as caught:
        cleaner.finish()
    assert caught.value.reason == "over_time_limit"
    assert "unusually complex" in str(caught.value.message)


def test_the_sandbox_process_cannot_dump_core() -> None:
    """A crash must not write the reporter's document into a core file."""
    probe = (
        "import ctypes, resource\n"
        "from sipadu.media.pdf_child import forbid_core_dumps\n"
        "forbid_core_dumps()\n"
        "print(ctypes.CDLL(None).prctl(3, 0, 0, 0, 0), "
        "resource.getrlimit(resource.RLIMIT_CORE))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, cwd=ROOT, check=True, timeout=120
    )
    assert done.stdout.decode().split() == ["0", "(0,", "0)"]


def test_a_worker_under_a_lower_memory_limit_still_cleans_pdfs() -> None:
    """The sandbox cannot raise a hard limit it inherits; it keeps the lower one instead of
    failing (and refusing every PDF)."""
    probe = (
        "import resource\n"
        "resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))\n"
        "from sipadu.media.sandbox import SandboxLimits, clean_pdf_in_sandbox\n"
        "from tests.media import samples\n"
        "limits = SandboxLimits(memory_bytes=8 * 1024**3)\n"
        "print(clean_pdf_in_sandbox(samples.pdf_with_metadata(), limits).outcome)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, cwd=ROOT, check=True, timeout=120
    )
    assert done.stdout.decode().split() == ["cleaned"]
