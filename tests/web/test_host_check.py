"""Behind a balancer (``SIPADU_TRUSTED_PROXIES``), a request for a host that is not the public
one is refused: a client that reaches an app port directly cannot forge ``X-Forwarded-Host``
to have redirects and links point elsewhere."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import build_app, make_settings
from tests.support.cli import init_instance
from tests.support.instance import Database, free_port, instance_env
from tests.support.live import serving

PUBLIC = "sipadu.inspektorat.jakarta.go.id"
ONION = "sipadu2bxyzexampleonionaddressxxxxxxxxxxxxxxxxxxxxxxxx.onion"


def _app(tmp_path: Path, db: Database, proxies: int = 1) -> Flask:
    return build_app(
        make_settings(
            tmp_path,
            db,
            base_url=f"https://{PUBLIC}",
            trusted_proxies=proxies,
            allowed_hosts=(ONION,),
        )
    )


def test_a_forged_forwarded_host_is_refused_in_both_languages(
    tmp_path: Path, sqlite_database: Database
) -> None:
    client = _app(tmp_path, sqlite_database).test_client()
    for target in ("/", "/staff/login", "/laporan"):
        answer = client.get(target, headers={"X-Forwarded-Host": "evil.example"})
        assert answer.status_code == 400, target
        page = answer.get_data(as_text=True)
        assert "official address" in page and "alamat resminya" in page
        assert "evil.example" not in page and "Location" not in answer.headers
    api = client.get("/api/v1/case", headers={"X-Forwarded-Host": "evil.example"})
    assert api.status_code == 400 and api.json["error"]["code"] == "bad_request"  # type: ignore[index]


def test_the_public_name_and_the_onion_are_served(
    tmp_path: Path, sqlite_database: Database
) -> None:
    client = _app(tmp_path, sqlite_database).test_client()
    for host in (PUBLIC, PUBLIC.upper(), ONION):
        answer = client.get("/", headers={"X-Forwarded-Host": host, "X-Forwarded-Proto": "https"})
        assert answer.status_code == 200, host


def test_the_balancers_probes_answer_whatever_host_they_name(
    tmp_path: Path, sqlite_database: Database
) -> None:
    client = _app(tmp_path, sqlite_database).test_client()
    assert client.get("/healthz", headers={"Host": "10.0.0.11:8000"}).status_code == 200
    assert client.get("/readyz", headers={"Host": "10.0.0.11:8000"}).status_code == 200


def test_without_a_balancer_the_host_is_not_checked(
    tmp_path: Path, sqlite_database: Database
) -> None:
    client = _app(tmp_path, sqlite_database, proxies=0).test_client()
    assert client.get("/", headers={"Host": "localhost:8000"}).status_code == 200


@pytest.mark.parametrize("proxies", [0, 1])
def test_a_host_with_two_ports_is_refused(
    tmp_path: Path, sqlite_database: Database, proxies: int
) -> None:
    client = _app(tmp_path, sqlite_database, proxies=proxies).test_client()
    for host in ("127.0.0.1:8200:80", f"{PUBLIC}:443:80", "evil example"):
        answer = client.get("/", headers={"Host": host, "X-Forwarded-Host": host})
        assert answer.status_code == 400, host
        assert "official address" in answer.get_data(as_text=True)
    if not proxies:  # a well-formed address is still served
        assert client.get("/", headers={"Host": "[::1]:8000"}).status_code == 200


@pytest.mark.parametrize("proxies", [0, 1])
def test_a_host_with_two_ports_is_refused_over_plain_http(
    tmp_path: Path, sqlite_database: Database, proxies: int
) -> None:
    """Werkzeug drops a trailing ``:80`` from the host of a plain-http request, as an app
    server behind the balancer receives it: the raw header is what is checked."""
    client = _app(tmp_path, sqlite_database, proxies=proxies).test_client()
    for host in ("127.0.0.1:8200:80", f"{PUBLIC}:80:80"):
        answer = client.get("/", base_url="http://127.0.0.1:8200", headers={"Host": host})
        assert answer.status_code == 400, host


def test_a_multi_valued_forwarded_host_naming_another_host_is_refused(
    tmp_path: Path, sqlite_database: Database
) -> None:
    client = _app(tmp_path, sqlite_database).test_client()
    for forwarded in (f"evil.example, {PUBLIC}", f"{PUBLIC}, evil.example"):
        answer = client.get("/", headers={"X-Forwarded-Host": forwarded})
        assert answer.status_code == 400, forwarded
    assert client.get("/", headers={"X-Forwarded-Host": f"{ONION}, {PUBLIC}"}).status_code == 200


@pytest.mark.slow
def test_a_forged_forwarded_proto_over_plain_http_gets_no_hsts(
    tmp_path: Path, sqlite_database: Database
) -> None:
    """Without a trusted proxy, a local client's ``X-Forwarded-Proto: https`` must not make
    gunicorn treat plain http as https (and send Strict-Transport-Security)."""
    env = instance_env(tmp_path, sqlite_database, port=free_port())
    init_instance(env)
    with serving(env, tmp_path, workers=1) as live:
        headers = {"X-Forwarded-Proto": "https"}
        forged = urllib.request.Request(live.url + "/", headers=headers)  # noqa: S310
        with urllib.request.urlopen(forged, timeout=10) as answer:  # noqa: S310 (loopback)
            assert answer.status == 200
            assert answer.headers.get("Strict-Transport-Security") is None
