"""Forwarded headers count only from the configured proxies (``SIPADU_PROXY_ADDRESSES``).

A client that reaches an app port directly, past the balancer, must not pick its rate-limit
counter with a forged ``X-Forwarded-For``, nor its scheme or host with ``X-Forwarded-Proto``
or ``-Host``: its requests are counted under its own peer address.
"""

from __future__ import annotations

from ipaddress import ip_network
from pathlib import Path

import pytest
from flask import Blueprint, Flask, request
from flask.testing import FlaskClient

from sipadu.settings import SettingsError, proxy_networks, settings_from_env
from sipadu.web.auth import public
from sipadu.web.proxies import is_proxy_peer
from sipadu.web.ratelimit import limiter
from tests.conftest import build_app, make_settings
from tests.support.clock import pin_limiter_clock
from tests.support.instance import Database

BALANCER = "10.0.0.5"
DIRECT = "198.51.100.23"


def _probe() -> Blueprint:
    bp = Blueprint("probe_proxies", __name__)

    @bp.get("/t/proxied")
    @public
    @limiter.limit("3 per minute")
    def proxied() -> str:
        return "ok"

    return bp


def _app(tmp_path: Path, database: Database, **overrides: object) -> Flask:
    settings = make_settings(
        tmp_path, database, trusted_proxies=1, base_url="https://lapor.example", **overrides
    )
    app = build_app(settings)
    app.register_blueprint(_probe())
    return app


@pytest.fixture
def app(tmp_path: Path, sqlite_database: Database, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """An app behind one balancer at ``BALANCER``, on a pinned limiter clock."""
    pin_limiter_clock(monkeypatch)
    return _app(
        tmp_path,
        sqlite_database,
        proxy_addresses=proxy_networks(f"{BALANCER}/32"),
        allowed_hosts=("onion.example",),
    )


def _from(app: Flask, peer: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = peer
    return client


def _get(client: FlaskClient, forwarded_for: str, **headers: str) -> int:
    headers = {"Host": "lapor.example", "X-Forwarded-For": forwarded_for, **headers}
    return client.get("/t/proxied", headers=headers).status_code


def test_a_direct_client_is_counted_as_itself_whatever_it_forwards(app: Flask) -> None:
    direct = _from(app, DIRECT)
    assert [_get(direct, f"192.0.2.{number}") for number in range(3)] == [200] * 3
    assert _get(direct, "192.0.2.99") == 429
    # Its counter is its own: the balancer's clients are not held back by it.
    assert _get(_from(app, BALANCER), "192.0.2.99") == 200


def test_clients_behind_the_balancer_are_still_told_apart(app: Flask) -> None:
    balancer = _from(app, BALANCER)
    for _ in range(3):
        assert _get(balancer, "203.0.113.7") == 200
    assert _get(balancer, "203.0.113.7") == 429
    assert _get(balancer, "203.0.113.8") == 200


def test_loopback_is_the_default_proxy(
    tmp_path: Path, sqlite_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin_limiter_clock(monkeypatch)
    app = _app(tmp_path, sqlite_database)
    local = _from(app, "127.0.0.1")
    assert [_get(local, f"192.0.2.{number}") for number in range(4)] == [200] * 4
    outside = _from(app, BALANCER)
    assert [_get(outside, f"192.0.2.{number}") for number in range(4)][-1] == 429


def test_a_direct_client_cannot_claim_https(app: Flask) -> None:
    claim = {"Host": "lapor.example", "X-Forwarded-Proto": "https"}
    # Plain http to the app port, as the balancer's own connection is.
    direct = _from(app, DIRECT).get("/t/proxied", headers=claim, base_url="http://lapor.example")
    assert "Strict-Transport-Security" not in direct.headers
    proxied = _from(app, BALANCER).get("/t/proxied", headers=claim, base_url="http://lapor.example")
    assert "Strict-Transport-Security" in proxied.headers


def test_a_direct_client_cannot_choose_the_host(app: Flask) -> None:
    seen: list[str] = []

    @app.get("/t/host")
    @public
    def host() -> str:
        seen.append(request.host)
        return "ok"

    # Both names are the instance's own (the onion is allowed), so only the peer differs.
    forged = {"Host": "lapor.example", "X-Forwarded-Host": "onion.example"}
    assert _from(app, DIRECT).get("/t/host", headers=forged).status_code == 200
    assert _from(app, BALANCER).get("/t/host", headers=forged).status_code == 200
    assert seen == ["lapor.example", "onion.example"]


@pytest.mark.parametrize(
    ("peer", "expected"),
    [
        ("10.0.0.5", True),
        ("10.0.1.77", True),
        ("::ffff:10.0.0.5", True),
        ("10.0.2.1", False),
        ("", False),
        ("unix:/run/sipadu.sock", False),
    ],
)
def test_proxy_peers_are_matched_by_network(peer: str, expected: bool) -> None:
    proxies = (ip_network("10.0.0.5/32"), ip_network("10.0.1.0/24"))
    assert is_proxy_peer(peer, proxies) is expected


def test_the_setting_lists_addresses_and_networks() -> None:
    settings = settings_from_env({"SIPADU_PROXY_ADDRESSES": "10.0.0.5, 10.0.1.0/24,fd00::/64"})
    assert settings.proxy_addresses == (
        ip_network("10.0.0.5/32"),
        ip_network("10.0.1.0/24"),
        ip_network("fd00::/64"),
    )
    assert settings_from_env({}).proxy_addresses == proxy_networks("127.0.0.0/8,::1")
    with pytest.raises(SettingsError, match="SIPADU_PROXY_ADDRESSES must list"):
        settings_from_env({"SIPADU_PROXY_ADDRESSES": "balancer.internal"})
