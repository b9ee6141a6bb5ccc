"""No log line ties a reporter's request to a time: only staff requests are logged, by the app,
by gunicorn, and by the nginx configuration docs/deployment.md documents."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from sipadu.logging_privacy import (
    QuietNonStaffRequestsFilter,
    gunicorn_logger_class,
    is_logged_path,
)

DEPLOYMENT = Path(__file__).resolve().parents[1] / "docs" / "deployment.md"
REPORTER_PATHS = (
    "/",
    "/laporan",
    "/laporan/kunci",
    "/laporan/terkirim",
    "/kasus",
    "/kasus/saya",
    "/kasus/saya/pesan",
    "/kasus/keluar",
    "/api/v1/reports",
    "/api/v1/case",
    "/api/v1/case/messages",
    "/api/v1/intake/reports",
    "/api/v1/intake/reports/JAKI-2026-000123",
    "/bahasa/en",
    "/static/css/sipadu.css",
    "/missing",
    "/staffx",
    "/api/v1/openapi.json",
)
# Setup links hold a one-time secret in their path: never logged.
SETUP_LINK_PATHS = ("/staff/setup/3q9NrTx", "/staff/account-setup/Zk81qPw")
STAFF_PATHS = (
    "/staff/login",
    "/admin/",
    "/auditor/",
    "/petugas/kasus/SPD-7K3Q9M",
    "/api/v1/staff/sessions",
    "/api/v1/staff/cases",
)


def _record(message: str) -> logging.LogRecord:
    return logging.LogRecord("werkzeug", logging.INFO, __file__, 1, message, None, None)


@pytest.mark.parametrize("path", REPORTER_PATHS)
def test_reporter_and_public_paths_are_not_logged(path: str) -> None:
    assert not is_logged_path(path)


@pytest.mark.parametrize("path", SETUP_LINK_PATHS)
def test_setup_links_are_not_logged(path: str) -> None:
    assert not is_logged_path(path)


@pytest.mark.parametrize("path", STAFF_PATHS)
def test_staff_paths_are_logged(path: str) -> None:
    assert is_logged_path(path)


def test_every_route_is_classified_as_its_blueprint(sqlite_app: Flask) -> None:
    """Each staff blueprint's routes are logged; the reporters' and public ones are not."""
    staff = {
        "staff",
        "admin",
        "auditor",
        "casework",
        "casework_api",
        "staff_api",
        "activation",
        "account_setup",
        "confidential",
        "intake",
    }
    for rule in sqlite_app.url_map.iter_rules():
        blueprint = rule.endpoint.rsplit(".", 1)[0].split(".")[-1] if "." in rule.endpoint else ""
        path = re.sub(r"<[^>]+>", "x", rule.rule)
        setup_link = rule.endpoint in (
            "staff.setup",
            "account_setup.setup_page",
        ) or rule.rule.startswith(("/staff/setup/", "/staff/account-setup/"))
        assert is_logged_path(path) == (blueprint in staff and not setup_link), rule.rule


def test_records_of_a_reporter_request_are_dropped(sqlite_app: Flask) -> None:
    quiet = QuietNonStaffRequestsFilter()
    with sqlite_app.test_request_context("/laporan", method="POST"):
        assert not quiet.filter(_record("something happened"))
    with sqlite_app.test_request_context("/api/v1/case/messages", method="POST"):
        assert not quiet.filter(_record("something happened"))
    with sqlite_app.test_request_context("/api/v1/intake/reports/JAKI-1"):
        assert not quiet.filter(_record("something happened"))
    with sqlite_app.test_request_context("/staff/login"):
        assert quiet.filter(_record("something happened"))
    with sqlite_app.test_request_context("/"):  # no reporter action: warnings stay visible
        assert quiet.filter(_record("an endpoint without an access rule"))
    # The dev server's access line, written after the request's context is gone.
    assert not quiet.filter(_record('[addr] - - "POST /laporan HTTP/1.1" 201 -'))
    assert not quiet.filter(_record('"GET /kasus/saya HTTP/1.1" 200 -'))
    assert quiet.filter(_record('"GET /staff/login HTTP/1.1" 200 -'))
    assert quiet.filter(_record("Booting worker with pid: 7"))


def test_gunicorn_writes_no_access_line_for_a_reporter(monkeypatch: pytest.MonkeyPatch) -> None:
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    written: list[str] = []

    def base_access(
        self: Any, resp: Any, req: Any, environ: dict[str, Any], request_time: Any
    ) -> None:
        written.append(environ["PATH_INFO"])

    monkeypatch.setattr(Logger, "access", base_access)
    logger = gunicorn_logger_class()(Config())
    for path in (*REPORTER_PATHS, *STAFF_PATHS):
        logger.access(None, None, {"PATH_INFO": path}, None)
    assert written == list(STAFF_PATHS)


def _nginx_block() -> str:
    text = DEPLOYMENT.read_text(encoding="utf-8")
    section = text[text.index("## nginx") :]
    return section[
        section.index("```nginx") + 8 : section.index("```", section.index("```nginx") + 8)
    ]


def test_the_documented_nginx_logs_staff_requests_only() -> None:
    block = _nginx_block()
    access = [line for line in block.splitlines() if line.strip().startswith("access_log")]
    assert access and all(
        "if=$sipadu_loggable" in line or line.split()[1] == "off;" for line in access
    )
    log_format = next(line for line in block.splitlines() if line.startswith("log_format"))
    assert "$remote_addr" not in log_format and "$http_user_agent" not in log_format
    mapping = block[block.index("map $uri $sipadu_loggable") :]
    mapping = mapping[mapping.index("{") + 1 : mapping.index("}")]
    rules = [line.split() for line in mapping.splitlines() if line.strip()]
    assert rules[-1] == ["default", "0;"]
    patterns = [(re.compile(rule[0][1:]), rule[1]) for rule in rules[:-1]]

    def loggable(path: str) -> bool:
        return next((value for pattern, value in patterns if pattern.search(path)), "0;") == "1;"

    for path in (*REPORTER_PATHS, *STAFF_PATHS, *SETUP_LINK_PATHS):
        assert loggable(path) == is_logged_path(path), path
