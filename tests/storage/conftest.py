"""Fixtures for the blob store tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from sipadu.storage import FilesystemBlobStore


@pytest.fixture
def store(tmp_path: Path) -> FilesystemBlobStore:
    """A fresh filesystem blob store under the test's tmp_path."""
    return FilesystemBlobStore(tmp_path / "blobs")
