"""The S3 bench measures both paths on the same bytes and leaves its bucket empty."""

from __future__ import annotations

import pytest

from bench.s3_bench import MIB, measure
from tests.support.seaweedfs import SeaweedFS


def test_every_transfer_is_measured_and_nothing_is_left(
    seaweedfs: SeaweedFS, monkeypatch: pytest.MonkeyPatch
) -> None:
    buckets: list[str] = []
    real_new_bucket = SeaweedFS.new_bucket

    def remembered(server: SeaweedFS) -> str:
        buckets.append(real_new_bucket(server))
        return buckets[-1]

    monkeypatch.setattr(SeaweedFS, "new_bucket", remembered)
    rates = measure(seaweedfs, 9 * MIB, rounds=1)  # over one part: a multipart upload
    assert rates.size == 9 * MIB and rates.rounds == 1
    uploads = (rates.store_upload, rates.raw_upload, rates.raw_multipart_upload)
    for rate in (*uploads, rates.store_download, rates.raw_download):
        assert rate > 0
    (bucket,) = buckets
    listed = seaweedfs.shared_client.list_objects_v2(Bucket=bucket)
    assert listed.get("KeyCount", 0) == 0
