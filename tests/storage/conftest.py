"""Fixtures for the blob store tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from sipadu.storage import BlobStore, FilesystemBlobStore


@pytest.fixture
def store(tmp_path: Path) -> FilesystemBlobStore:
    """A fresh filesystem blob store under the test's tmp_path."""
    return FilesystemBlobStore(tmp_path / "blobs")


@pytest.fixture(params=["file", "s3"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    """A fresh, empty store of each kind: a folder, and a bucket on the test SeaweedFS."""
    if request.param == "file":
        return FilesystemBlobStore(tmp_path / "blobs")
    store: BlobStore = request.getfixturevalue("seaweedfs").store()
    return store
