"""Crawling both consoles as every kind of visitor: the pages, their forms and their words.

``tests/web/test_every_form.py`` checks that every form found has a round-trip test;
``tests/web/test_no_raw_keys.py`` that no page shows a stored key instead of its label. The
world (accounts of every role, cases in every state that shows a conditional form) is built
through the real services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.test import TestResponse

from sipadu.app_context import current_settings
from sipadu.cases.content import add_timeline_entry
from sipadu.cases.kinds import GrantReason
from sipadu.cases.service import CreatedCase, grant_case
from sipadu.cases.statuses import Destination, Outcome, Status
from sipadu.confidential.export import request_export
from sipadu.confidential.forward_request import ForwardDetails, request_forward
from sipadu.confidential.identity import request_identity
from sipadu.confidential.models import ApprovalState, RequestReason
from sipadu.days import wib_today
from sipadu.db import db_session
from sipadu.reporting.forms import REPORT_TEXT_FIELDS
from sipadu.staff.accounts import complete_setup, create_pending_account
from sipadu.staff.setup import issue_setup_token
from sipadu.web.i18n import LANG_COOKIE
from tests.reporting.conftest import KEY_RE
from tests.support.factories import make_case, make_staff
from tests.support.forms import all_forms, submit
from tests.support.redaction import ask_to_publish_suggestions
from tests.support.staff import Enrolled, enrolled, forget_totp_step

# Links the crawler does not follow: downloads and exports (no forms), the language switch.
SKIPPED_ENDPOINTS = {"static", "casework.download", "auditor.export_csv", "i18n.switch_language"}
MAX_PAGES = 400


@dataclass
class Found:
    """Forms found while crawling: (endpoint, method) -> the pages that show it."""

    forms: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    pages: set[str] = field(default_factory=set)
    # What a person reads on each page (text, option labels, SVG titles, aria-labels...).
    texts: dict[str, str] = field(default_factory=dict)
    # A prefix for the ``texts`` keys: who is crawling (role, language).
    visitor: str = ""
    # The HTML of each page, under the same keys as ``texts`` (the browser checks lay it out).
    html: dict[str, str] = field(default_factory=dict)

    def read(self, where: str, response: TestResponse) -> None:
        """Keep what a person reads on one page, and its HTML."""
        markup = response.get_data(as_text=True)
        key = f"{self.visitor} {where}"
        self.html[key] = markup
        self.texts[key] = visible_text(BeautifulSoup(markup, "html.parser"))


def endpoint_of(app: Flask, path: str, method: str) -> tuple[str, str]:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(urlsplit(path).path, method=method)
    except HTTPException:
        return (f"<no route: {method} {path}>", method)
    return (str(endpoint), method)


READ_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt", "value")


def visible_text(soup: BeautifulSoup) -> str:
    """The words a person reads or hears on the page: text nodes (options and SVG titles
    included) and the attributes screen readers announce; buttons' and inputs' values too,
    except hidden fields and option values (sent, never shown)."""
    for hidden in soup(["script", "style"]):
        hidden.decompose()
    parts = [soup.get_text(" ")]
    for element in soup.find_all(True):
        for name in READ_ATTRIBUTES:
            if name == "value" and (
                element.name in ("option", "textarea")
                or element.get("type") in ("hidden", "checkbox", "radio")
            ):
                continue
            value = element.get(name)
            if isinstance(value, str):
                parts.append(value)
    return "\n".join(parts)


def collect_forms(app: Flask, found: Found, response: TestResponse, where: str) -> None:
    for form in all_forms(response):
        key = endpoint_of(app, form.action, form.method.upper())
        found.forms.setdefault(key, set()).add(where)
        # A button may send its form elsewhere (the report form's language buttons).
        for button in form.buttons:
            if button.tag.has_attr("formaction"):
                target = endpoint_of(app, str(button.tag["formaction"]), form.method.upper())
                found.forms.setdefault(target, set()).add(where)


def crawl(
    app: Flask,
    client: FlaskClient,
    seeds: list[str],
    found: Found,
    extra: list[tuple[str, TestResponse]] | None = None,
) -> None:
    """GET every same-site page reachable by links from ``seeds`` and collect its forms."""
    for where, response in extra or []:
        collect_forms(app, found, response, where)
        found.read(where, response)
    queue, seen = list(seeds), set(seeds)
    while queue and len(seen) <= MAX_PAGES:
        path = queue.pop(0)
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        found.pages.add(path)
        collect_forms(app, found, response, path)
        found.read(path, response)
        soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        for link in soup.find_all("a", href=True):
            target = str(link["href"])
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if endpoint_of(app, parts.path, "GET")[0] in SKIPPED_ENDPOINTS:
                continue
            if target not in seen:
                seen.add(target)
                queue.append(target)


def sign_in_by_form(client: FlaskClient, person: Enrolled) -> FlaskClient:
    answer = submit(
        client,
        client.get("/staff/login"),
        "/staff/login",
        fill={"username": person.username, "password": person.password, "totp": person.code()},
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
    return client


# Every field filled, under a category whose key is not a word: the case page must show
# each one by its label.
FULL_REPORT: dict[str, object] = {
    **{field.name: f"Isi {index}" for index, field in enumerate(REPORT_TEXT_FIELDS)},
    "category": "penyalahgunaan_wewenang",
    "amount": "15.000.000",
}


@dataclass
class World:
    """Accounts and cases in every state that shows a conditional form."""

    people: dict[str, Enrolled]
    open_case: CreatedCase
    objected: CreatedCase
    archived: CreatedCase
    verifying: CreatedCase
    forwarded: CreatedCase


def build_world(app: Flask) -> World:
    with app.app_context():
        db = db_session()
        people = {
            role: enrolled(app, db, role)
            for role in (
                "supervisor",
                "investigator",
                "admin",
                "auditor",
                "intake_officer",
                "custodian",
            )
        }
        # A sealed identity: the case page offers to ask for it, the custodian decides.
        open_case = make_case(app, db, FULL_REPORT, identity={"name": "Saksi", "contact": "-"})
        objected, archived = make_case(app, db), make_case(app, db)
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
        objected.case.status, objected.case.closed_on = Status.SELESAI, wib_today()
        objected.case.outcome, objected.case.objection_used = Outcome.TERBUKTI, True
        add_timeline_entry(db, objected.case, objected.dek, kind="objection", text="Keberatan.")
        archived.case.status, archived.case.archived_on = Status.DIARSIPKAN, wib_today()
        archived.case.closed_on = wib_today()
        archived.case.retention_until = wib_today()
        # A case in verification offers forwarding; a forwarded one, recording its outcome.
        verifying, forwarded = make_case(app, db), make_case(app, db)
        verifying.case.status = Status.VERIFIKASI
        forwarded.case.status, forwarded.case.forwarded_to = Status.DITERUSKAN, Destination.KPK
        db.commit()
        # A deactivated account: the admin's list offers to reactivate it.
        leaver = db.get(StaffAccount, enrolled(app, db, "investigator").account_id)
        assert leaver is not None
        leaver.active = False
        db.commit()
        _waiting_requests(app, db, people, open_case)
        # Approved after the cases were filed: the supervisor's page offers to share them.
        enrolled(app, db, "supervisor")
    return World(people, open_case, objected, archived, verifying, forwarded)


def _waiting_requests(
    app: Flask, db: Session, people: dict[str, Enrolled], open_case: CreatedCase
) -> None:
    """An identity request for the custodian, an export waiting for a supervisor, one
    approved (its download forms show), a redaction waiting to be published and another
    supervisor's forwarding request."""
    from sipadu.accounts.models import StaffAccount

    supervisor = db.get(StaffAccount, people["supervisor"].account_id)
    investigator = db.get(StaffAccount, people["investigator"].account_id)
    assert supervisor is not None and investigator is not None
    keyring = current_settings(app).keyring
    assert keyring is not None
    key = keyring.audit_hmac_key
    request_identity(db, open_case.case, supervisor, RequestReason.WITNESS, audit_key=key)
    request_export(db, open_case.case, investigator, RequestReason.TO_KPK, audit_key=key)
    mine = request_export(db, open_case.case, supervisor, RequestReason.TO_KPK, audit_key=key)
    mine.state = ApprovalState.APPROVED
    # The investigator's redaction waits: the supervisor's redaction page offers to decide.
    ask_to_publish_suggestions(db, open_case.case, open_case.dek, investigator, key)
    # Another supervisor's forwarding request waits: the case page offers to decide it.
    colleague = make_staff(app, db, "supervisor").account
    grant_case(
        db, open_case.case, open_case.dek, colleague, reason=GrantReason.SUPERVISOR, granted_by=None
    )
    details = ForwardDetails("kpk", "R-1/KPK/2026", "Kewenangan KPK.")
    request_forward(db, open_case.case, open_case.dek, colleague, details, audit_key=key)
    db.commit()


def waiting_supervisor_and_setup_link(app: Flask) -> str:
    """A supervisor and a custodian waiting for approval (their colleagues' Activations
    pages offer to approve them) and an unused setup link."""
    with app.app_context():
        db = db_session()
        key = current_settings(app).keyring
        assert key is not None
        for name, role in (("menunggu", "supervisor"), ("penjaga-baru", "custodian")):
            waiting = create_pending_account(
                db, name, role, actor="cli", audit_key=key.audit_hmac_key
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


def in_language(client: FlaskClient, language: str) -> FlaskClient:
    """The client with the language cookie the switch sets."""
    client.set_cookie(LANG_COOKIE, language)
    return client


def crawl_reporter_pages(app: Flask, found: Found, language: str = "id") -> None:
    """A reporter files a report, then comes back to the (closed) case with the key."""
    found.visitor = f"reporter ({language})"
    visitor = in_language(app.test_client(), language)
    filed = submit(
        visitor,
        visitor.get("/laporan"),
        "/laporan",
        fill={"category": "pungli", "what": "Uang tambahan di loket.", "identity_name": "Saksi"},
    )
    crawl(app, visitor, ["/", "/laporan", "/kasus"], found, [("key page", filed)])
    key = KEY_RE.search(filed.get_data(as_text=True))
    assert key is not None
    with app.app_context():
        from sipadu.cases.service import case_by_code

        db = db_session()
        case = case_by_code(db, key.group(0)[:10])
        assert case is not None
        case.status, case.closed_on = Status.TIDAK_DAPAT_DITINDAKLANJUTI, wib_today()
        db.commit()
    reporter = in_language(app.test_client(), language)
    submit(reporter, reporter.get("/kasus"), "/kasus", fill={"case_key": key.group(0)})
    crawl(app, reporter, ["/kasus/saya"], found)


def crawl_staff_pages(app: Flask, world: World, found: Found, language: str = "id") -> None:
    """Every staff role signed in, then an account that has not enrolled its TOTP yet."""
    seeds = [
        "/staff/",
        "/staff/password",
        "/petugas/kasus",
        "/petugas/kasus/retensi",
        "/petugas/identitas",
        "/petugas/ekspor",
        "/petugas/redaksi",
        "/petugas/penerusan",
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
        found.visitor = f"{role} ({language})"
        client = sign_in_by_form(in_language(app.test_client(), language), person)
        case_pages = [f"/petugas/kasus/{code}" for code in codes]
        # Archiving is offered only on a closed case without a pending objection: ask directly.
        case_pages.append(f"/petugas/kasus/{world.objected.case.code}/arsip")
        crawl(app, client, seeds + case_pages, found)
        found.pages.add(f"(signed in as {role})")
    with app.app_context():
        newcomer = enrolled(app, db_session(), "investigator", confirmed=False)
    found.visitor = f"newcomer ({language})"
    client = in_language(app.test_client(), language)
    submit(
        client,
        client.get("/staff/login"),
        "/staff/login",
        fill={"username": newcomer.username, "password": newcomer.password, "totp": ""},
    )
    crawl(app, client, ["/staff/enrol", "/staff/login"], found)


def crawl_everything(app: Flask, found: Found) -> World:
    """Every page of both consoles, in the default language: the first-run page before any
    account, a waiting supervisor and an unused setup link, a reporter, every staff role."""
    found.visitor = "first run"
    with app.app_context():
        token = issue_setup_token(db_session())
        db_session().commit()
    crawl(app, app.test_client(), [f"/staff/setup/{token}"], found)  # before any account
    world = build_world(app)
    crawl(app, app.test_client(), [waiting_supervisor_and_setup_link(app)], found)
    crawl_reporter_pages(app, found)
    crawl_staff_pages(app, world, found)
    return world
