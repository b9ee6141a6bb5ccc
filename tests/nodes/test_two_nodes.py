"""Two ``sipadu serve`` processes on one PostgreSQL schema, one Redis DB, one blob store.

What a reporter and staff do on one node holds on the other: a report filed on node A is
followed up with its case key, answered by staff and its attachment downloaded on node B; a
staff session made on A works on B; the first-run link node A printed still works after
node B starts; a client's rate limit and the limits on wrong case keys (per code and
address, and the per-code ceiling) add up across nodes.
Each node has its own instance folder (its own run/ locks and counters file); they share the
key folder (as every node must) and the blob store: a shared folder, or (the deployment for
several servers) one bucket on a real S3 server, SeaweedFS.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from sipadu.crypto.casekey import format_case_key, generate_case_key
from sipadu.reporting.reporter_access import CODE_CEILING
from tests.conftest import postgres_schema
from tests.load.crowd import sha256
from tests.load.wire import Client, Ledger
from tests.support.cli import init_instance, seed_escrow_public
from tests.support.instance import Database, free_port, instance_env
from tests.support.live import LiveServer, http_get, serving
from tests.support.redis_server import reachable_redis_url
from tests.support.seaweedfs import SeaweedFS
from tests.support.staff import enrol_staff

pytestmark = pytest.mark.slow

SETUP_LINK = re.compile(r"http://\S+(/staff/setup/\S+)")
EVIDENCE = ("bukti.txt", b"Kuitansi pungutan tambahan, loket 3.\n")


@pytest.fixture
def shared_database(postgres_url: str) -> Iterator[Database]:
    """One PostgreSQL schema for both nodes."""
    yield from postgres_schema(postgres_url)


@pytest.fixture
def blob_sharing() -> str:
    """How the nodes share blobs: ``folder`` (node B's blob folder is node A's) or ``s3``
    (one bucket on the test SeaweedFS); a test parametrizes it to run on both."""
    return "folder"


@pytest.fixture
def shared_bucket(
    blob_sharing: str, tmp_path: Path, request: pytest.FixtureRequest
) -> tuple[str, dict[str, str]]:
    """With ``s3``: the bucket both nodes use and their store settings; else nothing."""
    if blob_sharing != "s3":
        return "", {}
    seaweedfs: SeaweedFS = request.getfixturevalue("seaweedfs")
    bucket = seaweedfs.new_bucket()
    credentials = seaweedfs.write_credentials(tmp_path / "s3.credentials")
    return bucket, seaweedfs.instance_env(bucket, credentials)


def _node_env(
    root: Path, database: Database, keys: Path, redis_url: str, store: dict[str, str]
) -> dict[str, str]:
    extra = {
        "SIPADU_REDIS_URL": redis_url,
        "SIPADU_TRUSTED_PROXIES": "1",
        "SIPADU_KEYS_DIR": str(keys),
        **store,
    }
    return instance_env(root, database, port=free_port(), extra=extra)


@pytest.fixture
def two_nodes(
    tmp_path: Path, shared_database: Database, shared_bucket: tuple[str, dict[str, str]]
) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Node A (initialised the instance) and node B (shares its keys and blob store)."""
    redis_url = reachable_redis_url()
    keys = tmp_path / "a" / "keys"
    store = shared_bucket[1]
    env_a = _node_env(tmp_path / "a", shared_database, keys, redis_url, store)
    seed_escrow_public(keys)
    init_instance(env_a)
    env_b = _node_env(tmp_path / "b", shared_database, keys, redis_url, store)
    (tmp_path / "b" / "instance").mkdir(mode=0o700, parents=True)
    if not store:
        os.symlink(tmp_path / "a" / "instance" / "blobs", tmp_path / "b" / "instance" / "blobs")
    with serving(env_a, tmp_path / "a") as node_a, serving(env_b, tmp_path / "b") as node_b:
        yield node_a, node_b


def _first_run_link_survives(node_a: LiveServer, node_b: LiveServer) -> None:
    printed = SETUP_LINK.search(node_a.log_text())
    assert printed is not None, node_a.log_text()[-2000:]
    assert SETUP_LINK.search(node_b.log_text()) is None  # B did not replace A's link
    assert "printed earlier" in node_b.log_text()
    assert http_get(node_b.url + printed.group(1))[0] == 200


@pytest.mark.parametrize("blob_sharing", ["folder", "s3"])
def test_a_case_moves_between_nodes(
    two_nodes: tuple[LiveServer, LiveServer],
    shared_bucket: tuple[str, dict[str, str]],
    request: pytest.FixtureRequest,
) -> None:
    node_a, node_b = two_nodes
    _first_run_link_survives(node_a, node_b)
    (supervisor,) = enrol_staff(node_a.env, ["supervisor"])
    ledger = Ledger()
    reporter_a = Client(node_a.url, "10.81.0.1", ledger, "reporter")
    reporter_b = Client(node_b.url, "10.81.0.1", ledger, "reporter")
    report = {"category": "pungli", "what": "Petugas meminta uang tambahan di loket."}
    filed = reporter_a.post_multipart(
        "/api/v1/reports", {"report": json.dumps(report)}, [("attachments", *EVIDENCE)], route="r"
    )
    assert filed.status == 201, filed.text
    code, key = filed.json()["case_code"], filed.json()["case_key"]
    _blob_is_where_configured(node_a, shared_bucket[0], request)
    as_reporter = {"Authorization": f"CaseKey {key}"}
    assert reporter_b.get("/api/v1/case", route="r", headers=as_reporter).status == 200
    added = reporter_b.post_json(
        "/api/v1/case/messages", {"body": "Tambahan dari pelapor"}, route="r", headers=as_reporter
    )
    assert added.status == 201

    staff_a = Client(node_a.url, "10.82.0.1", ledger, "staff")
    staff_b = Client(node_b.url, "10.82.0.1", ledger, "staff")
    signed_in = staff_a.post_json(
        "/api/v1/staff/sessions",
        {
            "username": supervisor.username,
            "password": supervisor.password,
            "totp": supervisor.code(),
        },
        route="s",
    )
    assert signed_in.status == 201
    as_staff = {"Authorization": f"Bearer {signed_in.json()['token']}"}
    case = staff_b.get(f"/api/v1/staff/cases/{code}", route="s", headers=as_staff)
    assert case.status == 200  # the session made on A works on B
    (attachment,) = case.json()["attachments"]
    download = staff_b.get(
        f"/api/v1/staff/cases/{code}/attachments/{attachment['id']}", route="s", headers=as_staff
    )
    assert download.status == 200 and sha256(download.body) == sha256(EVIDENCE[1])
    answer = staff_b.post_json(
        f"/api/v1/staff/cases/{code}/messages",
        {"body": "Terima kasih, kami periksa", "internal": False},
        route="s",
        headers=as_staff,
    )
    assert answer.status == 201
    seen = reporter_a.get("/api/v1/case", route="r", headers=as_reporter)
    assert "Terima kasih, kami periksa" in seen.text


def _blob_is_where_configured(
    node: LiveServer, bucket: str, request: pytest.FixtureRequest
) -> None:
    """The one stored file is in the shared bucket (and no blob folder), or in the folder."""
    folder = node.root / "instance" / "blobs"
    on_disk = [p for p in folder.iterdir() if len(p.name) == 32] if folder.is_dir() else []
    if not bucket:
        assert len(on_disk) == 1
        return
    seaweedfs: SeaweedFS = request.getfixturevalue("seaweedfs")
    assert on_disk == [] and len(list(seaweedfs.store(bucket).blob_ids())) == 1


def test_limits_and_the_guessing_throttle_add_up_across_nodes(
    two_nodes: tuple[LiveServer, LiveServer], shared_database: Database
) -> None:
    node_a, node_b = two_nodes
    enrol_staff(node_a.env, ["supervisor"])
    ledger = Ledger()
    # The submission limit (5 a minute per client): three bad posts on A, two on B, then none.
    nodes = [node_a, node_a, node_a, node_b, node_b, node_a, node_b]
    statuses = [
        Client(node.url, "10.83.0.1", ledger, "c")
        .post_json("/api/v1/reports", {}, route="x")
        .status
        for node in nodes
    ]
    assert statuses[:5] == [422] * 5 and statuses[5:] == [429, 429], statuses
    # Wrong keys are limited per (code, address) in Redis: one address hammering a code on
    # both nodes is held back on both, and the owner, from another address, gets in.
    filed = Client(node_a.url, "10.84.0.1", ledger, "r").post_json(
        "/api/v1/reports", {"category": "pungli", "what": "Pungutan liar di loket."}, route="x"
    )
    assert filed.status == 201
    key = filed.json()["case_key"]
    wrong = {"Authorization": f"CaseKey {format_case_key(generate_case_key(key[:10]))}"}
    answers = [
        Client(node.url, "10.85.0.1", ledger, "g").get("/api/v1/case", route="x", headers=wrong)
        for node in (node_a, node_b, node_a, node_b, node_a, node_b)
    ]
    assert [answer.status for answer in answers] == [401] * 4 + [429, 429]
    owner = Client(node_b.url, "10.86.0.1", ledger, "o")
    right = {"Authorization": f"CaseKey {key}"}
    assert owner.get("/api/v1/case", route="x", headers=right).status == 200
    # The per-code ceiling lives in the database: one failure short of it, a guess on A
    # closes the code on B too, to the owner as well.
    _bring_code_near_the_ceiling(shared_database, key[:10])
    guess = Client(node_a.url, "10.87.0.1", ledger, "g").get(
        "/api/v1/case", route="x", headers=wrong
    )
    assert guess.status == 401
    held = Client(node_b.url, "10.88.0.1", ledger, "o").get(
        "/api/v1/case", route="x", headers=right
    )
    assert held.status == 429, held.text


def _bring_code_near_the_ceiling(database: Database, code: str) -> None:
    engine = create_engine(
        database.url, connect_args={"options": f"-csearch_path={database.schema}"}
    )
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO case_key_throttle"
                    " (code, failures, last_failure_at, window_started_at)"
                    " VALUES (:code, :failures, now(), now())"
                ),
                {"code": code, "failures": CODE_CEILING - 1},
            )
    finally:
        engine.dispose()
