"""The blob store runs out of space while a report with files arrives (HTML form and API):
a clear bilingual 503, and nothing is kept — no case, no attachment row, no blob, no temp
file, no audit event for a case that does not exist."""

from __future__ import annotations

import errno
import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from sipadu.storage import BlobStoreFullError, FilesystemBlobStore
from sipadu.storage.base import BlobWriter
from tests.faults.conftest import report_multipart, stored_state
from tests.reporting.conftest import BASE_REPORT, Ready
from tests.support.csrf import hidden_fields

ID_TEXT = "Penyimpanan berkas layanan sedang penuh"
EN_TEXT = "file storage is full"
EVIDENCE = bytes(range(256)) * 800  # 200 KiB, several encrypted chunks


class _FullDisk:
    """A file object on a disk with ``budget`` bytes free: later writes (or the final flush,
    where a buffered file really meets ENOSPC) fail as the kernel would."""

    def __init__(self, inner: Any, budget: int, fail_flush: bool) -> None:
        self._inner, self._budget, self._fail_flush = inner, budget, fail_flush

    def write(self, data: Any) -> int:
        size = memoryview(data).nbytes
        if size > self._budget:
            raise OSError(errno.ENOSPC, "No space left on device")
        self._budget -= size
        written: int = self._inner.write(data)
        return written

    def flush(self) -> None:
        if self._fail_flush:
            raise OSError(errno.ENOSPC, "No space left on device")
        self._inner.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _fill_disk(
    monkeypatch: pytest.MonkeyPatch, budget: int, fail_flush: bool = False, healthy_writers: int = 0
) -> None:
    """From the ``healthy_writers + 1``-th blob on, the store's disk is full."""
    original = FilesystemBlobStore.open_writer
    opened = [0]

    def open_writer(self: FilesystemBlobStore, *, max_size: int | None = None) -> BlobWriter:
        writer = original(self, max_size=max_size)
        opened[0] += 1
        if opened[0] <= healthy_writers:
            return writer
        writer._file = _FullDisk(writer._file, budget, fail_flush)  # type: ignore[attr-defined]
        return writer

    monkeypatch.setattr(FilesystemBlobStore, "open_writer", open_writer)


def _no_temp_files(app: Flask) -> bool:
    return not list(Path(app.extensions["sipadu.blobs"].root).glob("tmp-*"))


def _assert_api_full(response: Any) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.headers["Retry-After"].isdigit()
    error = response.get_json()["error"]
    assert error["code"] == "unavailable"
    assert ID_TEXT in error["message"] or EN_TEXT in error["message"]


@pytest.mark.parametrize("fail_flush", [False, True], ids=["during-write", "at-commit"])
def test_form_report_on_full_store_keeps_nothing(
    ready: Ready,
    monkeypatch: pytest.MonkeyPatch,
    fail_flush: bool,
) -> None:
    client = ready.app.test_client()
    hidden = hidden_fields(client.get("/laporan"))
    state = stored_state(ready.app)
    _fill_disk(monkeypatch, 4096 if not fail_flush else 10**9, fail_flush)
    page = client.post(
        "/laporan",
        content_type="multipart/form-data",
        data={**hidden, **BASE_REPORT, "attachments": [(io.BytesIO(EVIDENCE), "bukti.pdf")]},
    )
    assert page.status_code == 503 and page.headers["Retry-After"].isdigit()
    html = page.get_data(as_text=True)
    assert ID_TEXT in html and EN_TEXT in html
    assert "SPD-" not in html  # no case key was handed out
    assert stored_state(ready.app) == state
    assert _no_temp_files(ready.app)


@pytest.mark.parametrize("fail_flush", [False, True], ids=["during-write", "at-commit"])
def test_api_report_and_evidence_on_full_store_keep_nothing(
    ready: Ready,
    monkeypatch: pytest.MonkeyPatch,
    fail_flush: bool,
) -> None:
    client = ready.app.test_client()
    filed = client.post("/api/v1/reports", json=BASE_REPORT)
    assert filed.status_code == 201
    auth = {"Authorization": f"CaseKey {filed.get_json()['case_key']}"}
    client.get("/api/v1/case", headers=auth)  # its login audit event, before the snapshot
    state = stored_state(ready.app)
    _fill_disk(monkeypatch, 4096 if not fail_flush else 10**9, fail_flush)

    _assert_api_full(
        client.post(
            "/api/v1/reports",
            content_type="multipart/form-data",
            data=report_multipart("Disk penuh.", EVIDENCE),
        )
    )
    evidence = client.post(
        "/api/v1/case/attachments",
        headers=auth,
        content_type="multipart/form-data",
        data={"attachments": [(io.BytesIO(EVIDENCE), "bukti.pdf")]},
    )
    _assert_api_full(evidence)
    cases, files, events, referenced, on_disk = stored_state(ready.app)
    # The follow-up call logged the reporter in (that event is fine); nothing else changed.
    assert (cases, files, referenced, on_disk) == (state[0], state[1], state[3], state[4])
    assert events - state[2] <= 1
    assert _no_temp_files(ready.app)

    monkeypatch.undo()  # space freed: the same submission now goes through
    again = client.post(
        "/api/v1/reports",
        content_type="multipart/form-data",
        data=report_multipart("Disk lega.", EVIDENCE),
    )
    assert again.status_code == 201


def test_second_file_hits_full_store_first_blob_removed_too(
    ready: Ready,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first file was already published when the second one failed: it goes as well."""
    client = ready.app.test_client()
    state = stored_state(ready.app)
    _fill_disk(monkeypatch, 10**9, fail_flush=True, healthy_writers=1)
    data = report_multipart("Dua berkas.", EVIDENCE)
    data["attachments"].append((io.BytesIO(EVIDENCE), "kedua.pdf"))
    _assert_api_full(client.post("/api/v1/reports", content_type="multipart/form-data", data=data))
    assert stored_state(ready.app) == state
    assert _no_temp_files(ready.app)


def test_writer_translates_enospc_and_frees_the_partial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FilesystemBlobStore(tmp_path / "blobs")
    _fill_disk(monkeypatch, 10)
    writer = store.open_writer()
    with pytest.raises(BlobStoreFullError):
        writer.write(b"x" * 100)
    assert list(store.root.iterdir()) == []
    writer.abort()  # idempotent after the store gave up on it
