"""The S3 store against a real S3 server (SeaweedFS): create-only publishing, bounded
memory, cleanup of failed and abandoned uploads, and errors that reveal no credentials."""

from __future__ import annotations

import io
import os
import time
from typing import Any

import pytest

from sipadu.keyring import S3Credentials
from sipadu.settings import S3Settings
from sipadu.storage import BlobExistsError, BlobStoreError
from sipadu.storage import s3 as s3_module
from sipadu.storage.s3 import PART_SIZE, S3BlobStore
from sipadu.storage.s3_transfer import PARTS_IN_FLIGHT
from tests.support.seaweedfs import SeaweedFS

MIB = 1024 * 1024


@pytest.fixture
def s3_store(seaweedfs: SeaweedFS) -> S3BlobStore:
    return seaweedfs.store()


def _uploads(store: S3BlobStore) -> list[Any]:
    answer = store.client.list_multipart_uploads(Bucket=store.bucket)
    return list(answer.get("Uploads", []))


def _object(store: S3BlobStore, key: str) -> bytes:
    return bytes(store.client.get_object(Bucket=store.bucket, Key=key)["Body"].read())


@pytest.mark.parametrize("size", [100, PART_SIZE + MIB], ids=["single-put", "multipart"])
def test_publishing_never_replaces_an_existing_object(
    s3_store: S3BlobStore, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    taken = "c" * 32
    s3_store.client.put_object(Bucket=s3_store.bucket, Key=taken, Body=b"the original")
    # A writer that drew the taken id: the server itself must refuse (412) to replace it.
    monkeypatch.setattr(s3_module, "new_blob_id", lambda: taken)
    writer = s3_store.open_writer()
    writer.write(os.urandom(size))
    with pytest.raises(BlobExistsError):
        writer.commit()
    assert _object(s3_store, taken) == b"the original"
    assert _uploads(s3_store) == []  # the refused multipart upload was aborted
    with pytest.raises(BlobExistsError):
        s3_store.import_blob(taken, io.BytesIO(b"an impostor"))
    assert _object(s3_store, taken) == b"the original"


def test_server_refuses_a_second_put_with_if_none_match(s3_store: S3BlobStore) -> None:
    """The guarantee rests on the server, not on a check before the write."""
    from botocore.exceptions import ClientError

    client, bucket, key = s3_store.client, s3_store.bucket, "d" * 32
    client.put_object(Bucket=bucket, Key=key, Body=b"first", IfNoneMatch="*")
    with pytest.raises(ClientError) as refused:
        client.put_object(Bucket=bucket, Key=key, Body=b"second", IfNoneMatch="*")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert _object(s3_store, key) == b"first"


def test_a_large_blob_is_sent_in_parts_while_it_is_written_with_bounded_memory(
    s3_store: S3BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes: list[int] = []
    real_upload_part = s3_store.client.upload_part

    def counting_upload_part(**kwargs: Any) -> Any:
        sizes.append(len(kwargs["Body"]))
        return real_upload_part(**kwargs)

    monkeypatch.setattr(s3_store.client, "upload_part", counting_upload_part)
    data = os.urandom(4 * PART_SIZE + 3 * MIB)
    writer = s3_store.open_writer()
    for start in range(0, len(data), MIB):
        writer.write(data[start : start + MIB])
        # One part filling, at most PARTS_IN_FLIGHT on their way: what a writer holds.
        assert len(writer._buffer) < PART_SIZE  # type: ignore[attr-defined]
        assert len(writer._sending) <= PARTS_IN_FLIGHT  # type: ignore[attr-defined]
    assert len(sizes) >= 4 - PARTS_IN_FLIGHT  # parts went out while the upload went on
    blob_id = writer.commit()
    assert sorted(sizes) == [3 * MIB] + [PART_SIZE] * 4
    with s3_store.open(blob_id) as blob:
        assert blob.read() == data
    assert _uploads(s3_store) == []


def _failing_part(
    s3_store: S3BlobStore, monkeypatch: pytest.MonkeyPatch, failing: int
) -> list[int]:
    real_upload_part = s3_store.client.upload_part
    calls: list[int] = []

    def failing_upload_part(**kwargs: Any) -> Any:
        calls.append(kwargs["PartNumber"])
        if kwargs["PartNumber"] == failing:
            from botocore.exceptions import EndpointConnectionError

            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
        return real_upload_part(**kwargs)

    monkeypatch.setattr(s3_store.client, "upload_part", failing_upload_part)
    return calls


def test_a_failed_part_stops_the_writing_and_aborts_the_upload(
    s3_store: S3BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _failing_part(s3_store, monkeypatch, failing=1)
    writer = s3_store.open_writer()
    writer.write(os.urandom(PART_SIZE))
    assert len(_uploads(s3_store)) == 1
    with pytest.raises(BlobStoreError, match="upload failed"):
        for _ in range(PARTS_IN_FLIGHT + 1):  # the failure surfaces by the time a part waits
            writer.write(os.urandom(PART_SIZE))
    assert calls[0] == 1
    assert _uploads(s3_store) == [] and list(s3_store.blob_ids()) == []
    with pytest.raises(BlobStoreError):
        writer.commit()


def test_a_part_failing_after_the_last_write_fails_the_commit(
    s3_store: S3BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _failing_part(s3_store, monkeypatch, failing=2)
    writer = s3_store.open_writer()
    writer.write(os.urandom(2 * PART_SIZE + MIB))
    with pytest.raises(BlobStoreError, match="upload failed"):
        writer.commit()
    assert sorted(calls) == [1, 2]  # the last part was never sent after the failure
    assert _uploads(s3_store) == [] and list(s3_store.blob_ids()) == []


def test_sweep_aborts_abandoned_uploads_and_ignores_foreign_objects(
    s3_store: S3BlobStore,
) -> None:
    client, bucket = s3_store.client, s3_store.bucket
    abandoned = "e" * 32  # a worker died in the middle of an upload
    client.create_multipart_upload(Bucket=bucket, Key=abandoned)
    client.put_object(Bucket=bucket, Key="README", Body=b"operator notes")
    client.put_object(Bucket=bucket, Key="f" * 32 + "/x", Body=b"not ours")
    assert list(s3_store.blob_ids()) == []
    assert s3_store.sweep_orphans(set(), 3600) == []  # too young
    assert s3_store.sweep_orphans(set(), 3600, now=time.time() + 7200) == [abandoned + ".partial"]
    assert _uploads(s3_store) == []
    assert _object(s3_store, "README") == b"operator notes"


def test_errors_name_the_failure_but_never_the_credentials(seaweedfs: SeaweedFS) -> None:
    bucket = seaweedfs.new_bucket()
    wrong = S3Credentials("AKIDWRONGKEY12345", "wrong-secret-7f3a9c1b")
    store = S3BlobStore.from_settings(S3Settings(bucket, wrong, seaweedfs.endpoint_url))
    unreachable = S3BlobStore.from_settings(
        S3Settings(bucket, wrong, "http://127.0.0.1:9", region="us-east-1")
    )
    messages = []
    for candidate in (store, unreachable):
        writer = candidate.open_writer()
        writer.write(b"x")
        with pytest.raises(BlobStoreError) as failed:
            writer.commit()
        messages.append(str(failed.value))
        with pytest.raises(BlobStoreError) as failed:
            candidate.exists("a" * 32)
        messages.append(str(failed.value))
    assert messages[0].startswith("S3 publish failed (")
    for message in messages:
        assert wrong.access_key_id not in message and wrong.secret_access_key not in message
        assert seaweedfs.credentials.secret_access_key not in message
    assert "withheld" in repr(wrong)


def test_the_check_names_the_settings_of_a_missing_bucket(seaweedfs: SeaweedFS) -> None:
    store = S3BlobStore(seaweedfs.shared_client, "no-such-bucket-anywhere")
    with pytest.raises(BlobStoreError, match=r"bucket check failed .*SIPADU_S3_BUCKET"):
        store.check()


def test_debug_logging_never_shows_the_client_requests(
    s3_store: S3BlobStore, seaweedfs: SeaweedFS, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from sipadu.logging_privacy import QUIET_CLIENT_LOGGERS, configure_logging

    root = logging.getLogger()
    saved = (root.level, {name: logging.getLogger(name).level for name in QUIET_CLIENT_LOGGERS})
    try:
        configure_logging("DEBUG")
        with caplog.at_level(logging.DEBUG):
            blob_id = "ab" * 16
            s3_store.import_blob(blob_id, io.BytesIO(b"bukti"))
            s3_store.delete(blob_id)
    finally:
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)
    assert seaweedfs.credentials.access_key_id not in caplog.text
    assert blob_id not in caplog.text
