"""Every HTML form of both consoles has a round-trip test.

The guard crawls the pages each kind of visitor can reach (a reporter before and after
filing, a reporter in their case, every staff role, the setup and enrolment pages), collects
every form it finds as (endpoint, method), and fails for a form that is not in ``COVERED``,
the list of tests that submit it as its rendered page sends it (tests/support/forms.py). A
new form therefore fails the suite until a round-trip test is written and named here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException
from werkzeug.test import TestResponse

from sipadu.app_context import current_settings
from sipadu.cases.content import add_timeline_entry
from sipadu.cases.kinds import GrantReason
from sipadu.cases.service import CreatedCase, grant_case
from sipadu.cases.statuses import Destination, Outcome, Status
from sipadu.db import db_session
from sipadu.staff.accounts import complete_setup, create_pending_account
from sipadu.staff.setup import issue_setup_token
from tests.conftest import build_app, make_settings
from tests.reporting.conftest import KEY_RE
from tests.support.factories import make_case
from tests.support.forms import all_forms, submit
from tests.support.instance import Database
from tests.support.staff import Enrolled, enrolled, forget_totp_step

REPO = Path(__file__).resolve().parents[2]
_J = "tests/reporting/test_journey.py::"
_CP = "tests/casework/test_case_page.py::"
_WF = "tests/casework/test_workflow_http.py::"
_MK = "tests/casework/test_message_kinds.py::"
_FW = "tests/casework/test_forwarding.py::"
_SF = "tests/web/test_staff_forms.py::"
_AC = "tests/staff/test_activation.py::"
_UA = "tests/casework/test_units_admin.py::"
# (endpoint, method) -> the test that submits that form as its page sends it.
COVERED: dict[tuple[str, str], str] = {
    ("reporting.submit", "POST"): _J + "test_full_journey",
    ("reporting.key_copy", "POST"): _J + "test_key_download_and_print_store_nothing",
    (
        "reporting.key_language",
        "POST",
    ): "tests/reporting/test_language_switch.py::test_english_switch_on_the_key_page_keeps_the_key",
    ("followup.login", "POST"): _J + "test_full_journey",
    ("followup.reply", "POST"): _J + "test_full_journey",
    (
        "followup.add_evidence",
        "POST",
    ): "tests/reporting/test_security.py::test_adding_evidence_and_refusals",
    ("followup.disclose_identity", "POST"): _J + "test_full_journey",
    ("followup.object_to_closure", "POST"): _J + "test_objection_once_after_closure",
    ("followup.logout", "POST"): _J + "test_full_journey",
    (
        "staff.login",
        "POST",
    ): "tests/web/test_redirects.py::test_a_safe_next_survives_the_login_form",
    ("staff.logout", "POST"): _SF + "test_password_change_and_logout",
    ("staff.password", "POST"): _SF + "test_password_change_and_logout",
    ("staff.first_run", "POST"): _SF + "test_setup_link_then_enrolment",
    ("staff.enrol", "POST"): _SF + "test_setup_link_then_enrolment",
    (
        "casework.inbox",
        "GET",
    ): "tests/casework/test_inbox.py::test_the_filter_form_sends_what_the_server_reads",
    ("casework.post_message", "POST"): _MK
    + "test_the_note_button_keeps_the_note_from_the_reporter",
    ("casework.change_status", "POST"): _WF + "test_web_status_changes_and_their_errors",
    ("casework.forward_case", "POST"): _FW
    + "test_forward_then_record_the_outcome_through_the_page",
    ("casework.record_forward_outcome", "POST"): _FW
    + "test_forward_then_record_the_outcome_through_the_page",
    ("casework.answer_objection", "POST"): _WF
    + "test_objection_blocks_archiving_until_answered_and_can_reopen",
    ("casework.assign", "POST"): _CP
    + "test_investigator_assignment_gives_access_and_unassignment_removes_the_key",
    ("casework.unassign", "POST"): _CP
    + "test_investigator_assignment_gives_access_and_unassignment_removes_the_key",
    ("casework.mark_conflict", "POST"): "tests/casework/test_conflicts.py::"
    "test_supervisor_marks_a_conflict_and_the_person_cannot_be_assigned",
    (
        "casework.declare_conflict",
        "POST",
    ): "tests/casework/test_conflicts.py::test_declaring_a_conflict_removes_the_grant_and_the_case",
    (
        "casework.extend",
        "POST",
    ): "tests/casework/test_retention_pages.py::test_due_list_and_extension",
    ("admin.create_account", "POST"): _SF
    + "test_admin_creates_mails_resets_and_deactivates_an_account",
    ("admin.set_email", "POST"): _SF + "test_admin_creates_mails_resets_and_deactivates_an_account",
    ("admin.reset", "POST"): _SF + "test_admin_creates_mails_resets_and_deactivates_an_account",
    ("admin.deactivate", "POST"): _SF
    + "test_admin_creates_mails_resets_and_deactivates_an_account",
    ("admin.create_unit", "POST"): _UA + "test_admin_adds_renames_and_keeps_a_head_unit",
    ("admin.update_unit", "POST"): _UA + "test_admin_adds_renames_and_keeps_a_head_unit",
    ("admin.set_routes", "POST"): _UA + "test_routing_and_membership_decide_who_gets_the_next_case",
    ("admin.create_agency", "POST"): _UA
    + "test_agencies_are_listed_routed_and_hidden_by_the_admin",
    ("admin.update_agency", "POST"): _UA
    + "test_agencies_are_listed_routed_and_hidden_by_the_admin",
    ("intake.file_report", "POST"): "tests/casework/test_intake.py::"
    + "test_the_officer_files_hands_over_the_key_and_cannot_read_the_case",
    ("admin.set_member", "POST"): _UA + "test_routing_and_membership_decide_who_gets_the_next_case",
    ("casework.route_case", "POST"): "tests/casework/test_units.py::"
    + "test_a_holder_shares_then_moves_the_case_and_the_old_unit_loses_it",
    ("admin.settings", "POST"): _SF + "test_admin_settings_checkbox_and_public_texts",
    ("admin.texts", "POST"): _SF + "test_admin_settings_checkbox_and_public_texts",
    ("auditor.log", "GET"): _SF + "test_auditor_filters_the_log",
    ("account_setup.page", "POST"): "tests/staff/test_account_setup.py::"
    "test_setup_refuses_a_weak_or_mismatched_password_and_keeps_the_link",
    ("activation.approve", "POST"): _AC + "test_approval_is_audited_notified_and_new_reports_"
    "reach_the_approved",
    ("activation.share", "POST"): _AC
    + "test_share_gives_the_old_open_cases_and_not_closed_or_archived_ones",
}
# Links the crawler does not follow: downloads and exports (no forms), the language switch.
SKIPPED_ENDPOINTS = {"static", "casework.download", "auditor.export_csv", "i18n.switch_language"}
MAX_PAGES = 400


@dataclass
class Found:
    """Forms found while crawling: (endpoint, method) -> the pages that show it."""

    forms: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    pages: set[str] = field(default_factory=set)


def _endpoint(app: Flask, path: str, method: str) -> tuple[str, str]:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(urlsplit(path).path, method=method)
    except HTTPException:
        return (f"<no route: {method} {path}>", method)
    return (str(endpoint), method)


def _collect(app: Flask, found: Found, response: TestResponse, where: str) -> None:
    for form in all_forms(response):
        key = _endpoint(app, form.action, form.method.upper())
        found.forms.setdefault(key, set()).add(where)


def crawl(
    app: Flask,
    client: FlaskClient,
    seeds: list[str],
    found: Found,
    extra: list[tuple[str, TestResponse]] | None = None,
) -> None:
    """GET every same-site page reachable by links from ``seeds`` and collect its forms."""
    for where, response in extra or []:
        _collect(app, found, response, where)
    queue, seen = list(seeds), set(seeds)
    while queue and len(seen) <= MAX_PAGES:
        path = queue.pop(0)
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        found.pages.add(path)
        _collect(app, found, response, path)
        soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        for link in soup.find_all("a", href=True):
            target = str(link["href"])
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if _endpoint(app, parts.path, "GET")[0] in SKIPPED_ENDPOINTS:
                continue
            if target not in seen:
                seen.add(target)
                queue.append(target)


@pytest.fixture
def app(tmp_path: Path, sqlite_database: Database) -> Iterator[Flask]:
    application = build_app(make_settings(tmp_path, sqlite_database, rate_limits_enabled=False))
    yield application
    application.extensions["sipadu.engine"].dispose()


def _sign_in(client: FlaskClient, person: Enrolled) -> FlaskClient:
    answer = submit(
        client,
        client.get("/staff/login"),
        "/staff/login",
        fill={"username": person.username, "password": person.password, "totp": person.code()},
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
    return client


@dataclass
class World:
    """Accounts and cases in every state that shows a conditional form."""

    people: dict[str, Enrolled]
    open_case: CreatedCase
    objected: CreatedCase
    archived: CreatedCase
    verifying: CreatedCase
    forwarded: CreatedCase


def _world(app: Flask) -> World:
    with app.app_context():
        db = db_session()
        people = {
            role: enrolled(app, db, role)
            for role in ("supervisor", "investigator", "admin", "auditor", "intake_officer")
        }
        open_case, objected, archived = make_case(app, db), make_case(app, db), make_case(app, db)
        from sipadu.accounts.models import StaffAccount

        investigator = db.get(StaffAccount, people["investigator"].account_id)
        assert investigator is not None
        grant_case(
            db,
            open_case.case,
            open_case.dek,
            investigator,
            reason=GrantReason.ASSIGNMENT,
            granted_by=None,
        )
        objected.case.status, objected.case.closed_on = Status.SELESAI, date.today()
        objected.case.outcome, objected.case.objection_used = Outcome.TERBUKTI, True
        add_timeline_entry(db, objected.case, objected.dek, kind="objection", text="Keberatan.")
        archived.case.status, archived.case.archived_on = Status.DIARSIPKAN, date.today()
        archived.case.retention_until = date.today()
        # A case in verification offers forwarding; a forwarded one, recording its outcome.
        verifying, forwarded = make_case(app, db), make_case(app, db)
        verifying.case.status = Status.VERIFIKASI
        forwarded.case.status, forwarded.case.forwarded_to = Status.DITERUSKAN, Destination.KPK
        db.commit()
        # Approved after the cases were filed: the supervisor's page offers to share them.
        enrolled(app, db, "supervisor")
    return World(people, open_case, objected, archived, verifying, forwarded)


def _waiting_supervisor_and_setup_link(app: Flask) -> str:
    """A supervisor waiting for approval (Activations page) and an unused setup link."""
    with app.app_context():
        db = db_session()
        key = current_settings(app).keyring
        assert key is not None
        waiting = create_pending_account(
            db, "menunggu", "supervisor", actor="cli", audit_key=key.audit_hmac_key
        )
        db.commit()
        account = complete_setup(
            db,
            waiting.token,
            "sawah-hijau-pagi-7",
            params=current_settings(app).argon2,
            audit_key=key.audit_hmac_key,
        )
        account.totp_confirmed = True
        pending = create_pending_account(
            db, "belum", "auditor", actor="cli", audit_key=key.audit_hmac_key
        )
        db.commit()
        return f"/staff/account-setup/{pending.token}"


def _reporter_pages(app: Flask, found: Found) -> None:
    visitor = app.test_client()
    filed = submit(
        visitor,
        visitor.get("/laporan"),
        "/laporan",
        fill={"category": "pungli", "what": "Uang tambahan di loket."},
    )
    crawl(app, visitor, ["/", "/laporan", "/kasus"], found, [("key page", filed)])
    key = KEY_RE.search(filed.get_data(as_text=True))
    assert key is not None
    with app.app_context():
        from sipadu.cases.service import case_by_code

        db = db_session()
        case = case_by_code(db, key.group(0)[:10])
        assert case is not None
        case.status, case.closed_on = Status.TIDAK_DAPAT_DITINDAKLANJUTI, date.today()
        db.commit()
    reporter = app.test_client()
    submit(reporter, reporter.get("/kasus"), "/kasus", fill={"case_key": key.group(0)})
    crawl(app, reporter, ["/kasus/saya"], found)


def _staff_pages(app: Flask, world: World, found: Found) -> None:
    seeds = [
        "/staff/",
        "/staff/password",
        "/petugas/kasus",
        "/petugas/kasus/retensi",
        "/admin/",
        "/admin/settings",
        "/admin/texts",
        "/auditor/",
        "/auditor/statistics",
    ]
    cases = (world.open_case, world.objected, world.archived, world.verifying, world.forwarded)
    codes = [c.case.code for c in cases]
    for role, person in world.people.items():
        with app.app_context():
            forget_totp_step(db_session(), person)
        client = _sign_in(app.test_client(), person)
        case_pages = [f"/petugas/kasus/{code}" for code in codes]
        crawl(app, client, seeds + case_pages, found)
        found.pages.add(f"(signed in as {role})")
    with app.app_context():
        newcomer = enrolled(app, db_session(), "investigator", confirmed=False)
    client = app.test_client()
    submit(
        client,
        client.get("/staff/login"),
        "/staff/login",
        fill={"username": newcomer.username, "password": newcomer.password, "totp": ""},
    )
    crawl(app, client, ["/staff/enrol", "/staff/login"], found)


def test_every_form_has_a_round_trip_test(app: Flask) -> None:
    found = Found()
    with app.app_context():
        token = issue_setup_token(db_session())
        db_session().commit()
    crawl(app, app.test_client(), [f"/staff/setup/{token}"], found)  # before any account
    world = _world(app)
    crawl(app, app.test_client(), [_waiting_supervisor_and_setup_link(app)], found)
    _reporter_pages(app, found)
    _staff_pages(app, world, found)
    missing = {key: sorted(pages) for key, pages in found.forms.items() if key not in COVERED}
    assert missing == {}, (
        "forms without a round-trip test (write one with tests/support/forms.py and add it "
        f"to COVERED): {missing}"
    )
    # The crawl reached the conditional forms too (so the list above is really checked).
    assert set(COVERED) <= set(found.forms), set(COVERED) - set(found.forms)


@pytest.mark.parametrize(("key", "test"), sorted(COVERED.items()))
def test_the_named_round_trip_tests_exist(key: tuple[str, str], test: str) -> None:
    path, name = test.split("::")
    source = (REPO / path).read_text(encoding="utf-8")
    assert re.search(rf"^def {re.escape(name)}\(", source, re.MULTILINE), (key, test)
