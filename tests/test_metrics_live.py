"""``sipadu serve`` with ``SIPADU_METRICS_BIND``: the metrics of both workers on their own
port, counted by endpoint name, with no case code, address or path in them; the public
port has no /metrics; a dead worker's live gauges go, its counts stay; the folder goes at
the end."""

from __future__ import annotations

import os
import re
import signal
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.cli import init_instance, run_sipadu, seed_escrow_public
from tests.support.clock import pinned_limiter_env
from tests.support.instance import Database, free_port, instance_env
from tests.support.live import LiveServer, http_get, port_accepts, serving

pytestmark = pytest.mark.slow

CASE_CODE = "SPD-7K3Q9MX"
FORWARDED = "203.0.113.77"
PROBES = 40


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """An initialised SQLite instance whose server would expose metrics on a free port."""
    root = tmp_path_factory.mktemp("metrics")
    extra = {"SIPADU_METRICS_BIND": f"127.0.0.1:{free_port()}", **pinned_limiter_env()}
    env = instance_env(
        root, Database.sqlite_file(root / "sipadu.sqlite3"), port=free_port(), extra=extra
    )
    seed_escrow_public(root / "keys")
    init_instance(env)
    return root, env


@pytest.fixture(scope="module")
def server(instance: tuple[Path, dict[str, str]]) -> Iterator[LiveServer]:
    root, env = instance
    with serving(env, root, workers=2) as live:
        yield live


def metrics_url(server: LiveServer) -> str:
    return f"http://{server.env['SIPADU_METRICS_BIND']}/metrics"


def scrape(server: LiveServer) -> str:
    status, body = http_get(metrics_url(server))
    assert status == 200
    return body.decode()


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    line = re.search(rf"^{re.escape(name)}\{{{re.escape(wanted)}\}} (\S+)$", text, re.M)
    if not labels:
        line = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    return float(line.group(1)) if line else 0.0


def metrics_folder(server: LiveServer) -> Path:
    folders = list((server.root / "tmp").glob("sipadu-metrics-*"))
    assert len(folders) == 1, folders
    return folders[0]


def pids_with(folder: Path, prefix: str) -> set[int]:
    return {int(path.stem.rsplit("_", 1)[1]) for path in folder.glob(f"{prefix}_*.db")}


def probe_until_both_workers_answered(server: LiveServer) -> int:
    """Concurrent /healthz requests until both workers have counted some; how many sent."""
    sent = 0
    with ThreadPoolExecutor(8) as pool:
        for _ in range(10):
            statuses = list(pool.map(lambda _: http_get(server.url + "/healthz")[0], range(PROBES)))
            assert set(statuses) == {200}
            sent += PROBES
            if len(pids_with(metrics_folder(server), "counter")) >= 2:
                return sent
    pytest.fail("one worker answered every request")


def test_metrics_add_up_both_workers_and_name_no_case_address_or_path(
    server: LiveServer,
) -> None:
    sent = probe_until_both_workers_answered(server)
    headers = {"X-Forwarded-For": FORWARDED}
    assert http_get(f"{server.url}/petugas/kasus/{CASE_CODE}", headers)[0] < 500
    assert http_get(f"{server.url}/{CASE_CODE}/rahasia", headers)[0] == 404
    landing = [http_get(server.url + "/", headers)[0] for _ in range(61)]
    assert 429 in landing  # 60 per minute for each endpoint

    text = scrape(server)
    assert (
        sample(text, "sipadu_http_requests_total", endpoint="health.healthz", status="200") == sent
    )
    assert sample(text, "sipadu_http_requests_total", endpoint="unmatched", status="404") == 1
    refused = sample(
        text, "sipadu_rate_limit_refusals_total", endpoint="public.landing", limit="default"
    )
    assert refused == landing.count(429)
    assert (
        sample(text, "sipadu_http_requests_total", endpoint="public.landing", status="429")
        == refused
    )
    count = "sipadu_http_request_duration_seconds_count"
    assert sample(text, count, endpoint="health.healthz") == sent
    for secret in (CASE_CODE, FORWARDED, "127.0.0.1", "/petugas", "rahasia", "/healthz"):
        assert secret not in text


def test_the_public_port_has_no_metrics(server: LiveServer) -> None:
    assert http_get(server.url + "/metrics")[0] == 404


def test_probes_leave_no_access_line(server: LiveServer) -> None:
    assert http_get(server.url + "/readyz") == (200, b"ready\n")
    log = server.log_text()
    assert "/healthz" not in log and "/readyz" not in log


def test_a_dead_workers_gauges_go_and_its_counts_stay(server: LiveServer) -> None:
    probe_until_both_workers_answered(server)
    before = sample(
        scrape(server), "sipadu_http_requests_total", endpoint="health.healthz", status="200"
    )
    folder = metrics_folder(server)
    victim = sorted(pids_with(folder, "gauge_livemostrecent"))[0]
    os.kill(victim, signal.SIGKILL)  # one of this server's own workers
    deadline = time.monotonic() + 30
    while victim in pids_with(folder, "gauge_livemostrecent"):
        assert time.monotonic() < deadline, "the dead worker's gauges stayed"
        time.sleep(0.1)
    after = sample(
        scrape(server), "sipadu_http_requests_total", endpoint="health.healthz", status="200"
    )
    assert after == before


def test_the_metrics_folder_goes_with_the_server(instance: tuple[Path, dict[str, str]]) -> None:
    root, env = instance
    second = root / "second"  # its own log and temp folder beside the module's server
    (second / "tmp").mkdir(parents=True)
    metrics_port = free_port()
    env = {
        **env,
        "SIPADU_BASE_URL": f"http://127.0.0.1:{free_port()}",
        "SIPADU_METRICS_BIND": f"127.0.0.1:{metrics_port}",
        "TMPDIR": str(second / "tmp"),
    }
    # ready="port": the module server used up the landing page's limit on the pinned clock.
    with serving(env, second, workers=2, ready="port") as live:
        assert http_get(live.url + "/healthz")[0] == 200
        folder = metrics_folder(live)
    assert not folder.exists()
    assert not port_accepts(metrics_port)


@pytest.mark.parametrize(
    ("bind", "message"),
    [
        ("localhost", "SIPADU_METRICS_BIND must be HOST:PORT, got 'localhost'"),
        ("SAME", "SIPADU_METRICS_BIND must use another port than the public address"),
    ],
)
def test_serve_refuses_an_unusable_metrics_bind(
    instance: tuple[Path, dict[str, str]], bind: str, message: str
) -> None:
    _root, env = instance
    public = env["SIPADU_BASE_URL"].removeprefix("http://")
    env = {
        **env,
        # Another host, the same port: still refused.
        "SIPADU_METRICS_BIND": public.replace("127.0.0.1", "localhost") if bind == "SAME" else bind,
    }
    result = run_sipadu(env, "serve", "--bind", public, "--workers", "1")
    assert result.returncode == 2
    assert message in result.stderr


def test_a_busy_metrics_port_fails_the_first_start_before_the_setup_link(
    tmp_path: Path,
) -> None:
    """The one-time link is printed once: a start that then failed on the metrics bind left it
    only in the scrollback, and the next start said a link had been printed earlier."""
    env = instance_env(tmp_path, Database.sqlite_file(tmp_path / "s.sqlite3"), port=free_port())
    seed_escrow_public(tmp_path / "keys")
    init_instance(env)
    with socket.create_server(("127.0.0.1", 0)) as taken:
        busy = f"127.0.0.1:{taken.getsockname()[1]}"
        public = env["SIPADU_BASE_URL"].removeprefix("http://")
        failed = run_sipadu(
            {**env, "SIPADU_METRICS_BIND": busy}, "serve", "--bind", public, "--workers", "1"
        )
    assert failed.returncode == 2 and "cannot listen there" in failed.stderr
    assert "/staff/setup/" not in failed.stdout + failed.stderr
    with serving(env, tmp_path, workers=1, ready="port") as live:
        assert "/staff/setup/" in live.log_text()  # the link is printed, as on a first start
