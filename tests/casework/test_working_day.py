"""A working day: the home page's counts of cases needing action, each opening the inbox
filtered the same way; the inbox's code search, "reporter replied" marker and filter, and its
assignee column."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy.orm import Session

from sipadu.cases.content import add_message
from sipadu.casework.forms import case_code_search
from sipadu.casework.inbox import ACTION_FILTERS, action_counts
from sipadu.days import wib_today
from sipadu.web.i18n import LANG_COOKIE
from tests.casework.conftest import Team, assign_directly, set_status, web_client
from tests.support.factories import make_case
from tests.support.forms import find_form, submit

W = "/petugas/kasus"


def test_code_search_is_forgiving_and_safe() -> None:
    assert case_code_search(" spd-7k ") == "SPD-7K"
    assert case_code_search("%_'; --") == "SPD-"  # nothing of a code: every case
    assert case_code_search("7k3q") == "SPD-7K3Q" and case_code_search("spd7k") == "SPD-7K"
    assert case_code_search("sp") == "SP" and case_code_search("-7K") == "SPD-7K"
    assert case_code_search("   ") is None and case_code_search(None) is None


def _world(app: Flask, db: Session, team: Team) -> tuple[str, str, str]:
    """The team's case (new, assigned), one where the reporter replied last, one waiting
    for the reporter whose last word is the Inspektorat's."""
    assign_directly(db, team.created, team.investigator)
    replied, waiting = make_case(app, db), make_case(app, db)
    set_status(db, replied, "verifikasi", acknowledged_on=wib_today())
    add_message(db, replied.case, replied.dek, "Pertanyaan?", author_kind="staff")
    add_message(db, replied.case, replied.dek, "Jawaban saya.", author_kind="reporter")
    # An internal note after the reply does not answer the reporter.
    add_message(db, replied.case, replied.dek, "Catatan.", author_kind="staff", internal=True)
    set_status(db, waiting, "verifikasi", acknowledged_on=wib_today())
    set_status(db, waiting, "perlu_dilengkapi")
    add_message(db, waiting.case, waiting.dek, "Kami tanya.", author_kind="reporter")
    add_message(db, waiting.case, waiting.dek, "Mohon lengkapi.", author_kind="staff")
    db.commit()
    return team.created.case.code, replied.case.code, waiting.case.code


def test_home_counts_link_to_the_inbox_that_lists_them(app: Flask, db: Session, team: Team) -> None:
    new, replied, waiting = _world(app, db, team)
    counts = action_counts(
        db,
        staff_id=team.supervisor.account.id,
        role="supervisor",
        today=wib_today(),
    )
    assert set(counts) == set(ACTION_FILTERS)
    assert (counts["new"], counts["replied"], counts["awaiting"]) == (1, 1, 1)
    client = web_client(app, db, team.supervisor)
    home = client.get("/staff/").get_data(as_text=True)
    assert 'id="count-replied"' in home and 'id="count-new"' in home
    link = home.split('id="count-replied"')[0].rsplit('href="', 1)[1].split('"')[0]
    listed = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert replied in listed and new not in listed and waiting not in listed
    # The row says the reporter replied; the other rows do not.
    assert listed.count("badge-replied") == 1
    awaiting = client.get(f"{W}?status=perlu_dilengkapi").get_data(as_text=True)
    assert waiting in awaiting and replied not in awaiting


def test_an_archived_case_never_counts_as_replied(app: Flask, db: Session, team: Team) -> None:
    _new, replied, _waiting = _world(app, db, team)
    from sqlalchemy import select

    from sipadu.cases.models import Case

    case = db.scalars(select(Case).where(Case.code == replied)).one()
    case.status = "diarsipkan"  # type: ignore[assignment]  # a reply written before archiving
    db.commit()
    counts = action_counts(
        db, staff_id=team.supervisor.account.id, role="supervisor", today=wib_today()
    )
    assert counts["replied"] == 0


def test_a_closed_case_counts_as_replied_only_for_a_message_after_its_closing(
    app: Flask, db: Session, team: Team
) -> None:
    """Closing answers what the reporter wrote before it; a later message waits again."""
    from datetime import timedelta

    from sqlalchemy import select

    from sipadu.cases.models import Case, CaseMessage

    _new, replied, _waiting = _world(app, db, team)
    case = db.scalars(select(Case).where(Case.code == replied)).one()
    latest = db.scalars(
        select(CaseMessage).where(CaseMessage.case_id == case.id).order_by(CaseMessage.id.desc())
    ).first()
    assert latest is not None
    case.status = "selesai"  # type: ignore[assignment]
    case.closed_on = latest.created_on
    db.commit()

    def replied_count() -> int:
        counts = action_counts(
            db, staff_id=team.supervisor.account.id, role="supervisor", today=wib_today()
        )
        return counts["replied"]

    assert replied_count() == 0
    case.closed_on = latest.created_on - timedelta(days=1)  # the reporter wrote after it
    db.commit()
    assert replied_count() == 1


def test_an_investigator_counts_only_their_own_cases(app: Flask, db: Session, team: Team) -> None:
    _world(app, db, team)
    counts = action_counts(
        db, staff_id=team.investigator.account.id, role="investigator", today=wib_today()
    )
    assert counts["new"] == 1 and counts["replied"] == 0
    assert action_counts(db, staff_id=team.admin.account.id, role="admin", today=wib_today()) == {}
    home = web_client(app, db, team.admin).get("/staff/").get_data(as_text=True)
    assert 'id="count-new"' not in home


def test_the_filter_bar_searches_by_code_and_shows_assignees(
    app: Flask, db: Session, team: Team
) -> None:
    new, replied, waiting = _world(app, db, team)
    client = web_client(app, db, team.supervisor)
    page = client.get(W)
    text = page.get_data(as_text=True)
    assert team.investigator.account.username in text  # the assignee column
    found = submit(client, page, W, fill={"q": new.lower()[:-1]})
    shown = found.get_data(as_text=True)
    assert new in shown and replied not in shown and waiting not in shown
    assert find_form(found, W).controls[0].value == new[:-1]  # the search stays typed
    only_replied = submit(client, client.get(W), W, tick={"replied": True})
    listed = only_replied.get_data(as_text=True)
    assert replied in listed and new not in listed
    nothing = client.get(f"{W}?q=%25").get_data(as_text=True)
    assert new in nothing  # a search of nothing searchable filters nothing
    # The code without its "SPD-" prefix, as staff often type it, finds the case.
    bare = submit(client, client.get(W), W, fill={"q": new[4:].lower()}).get_data(as_text=True)
    assert new in bare and replied not in bare and waiting not in bare
    assert "1 kasus" in bare
    client.set_cookie(LANG_COOKIE, "en")
    english = client.get(f"{W}?q={new[4:]}").get_data(as_text=True)
    assert "1 case<" in english and "1 cases" not in english
    assert "3 cases" in client.get(W).get_data(as_text=True)


def test_inbox_keeps_status_words_whole_and_checkboxes_beside_their_labels(
    app: Flask, db: Session, team: Team
) -> None:
    set_status(db, team.created, "diarsipkan", archived_on=wib_today())
    client = web_client(app, db, team.supervisor)
    page = client.get(W).get_data(as_text=True)
    assert '<td data-label="Status" class="cell-words">Diarsipkan</td>' in page
    css = client.get("/static/css/sipadu.css").get_data(as_text=True)
    rules = dict(re.findall(r"([^{}]+)\{([^}]*)\}", css))
    words = next(body for selector, body in rules.items() if "td.cell-words" in selector)
    assert "overflow-wrap: normal" in words
    # No rule stretches the filter bar's checkboxes to the full width, away from their label.
    for selector, body in rules.items():
        for part in selector.split(","):
            if ".casework-filters input" in part and "width: 100%" in body:
                assert ":not([type=checkbox])" in part, part
    assert 'type="checkbox" id="f-mine"' in page


def test_a_pasted_case_key_is_searched_by_its_code_and_leaves_the_address(
    app: Flask, db: Session, team: Team
) -> None:
    new, _replied, _waiting = _world(app, db, team)
    client = web_client(app, db, team.supervisor)
    pasted = f"{new.lower()}-br7ab-k9x2m-q4w8e-z3t6y-a"
    answer = client.get(f"/petugas/kasus?q={pasted}&status=diterima")
    assert answer.status_code == 303
    location = answer.headers["Location"]
    assert f"q={new}" in location and "status=diterima" in location
    assert "br7ab" not in location.lower()
    assert new in client.get(location).get_data(as_text=True)
    # An ordinary search by the code (or its beginning) is not redirected.
    assert client.get(f"/petugas/kasus?q={new}").status_code == 200
    assert client.get(f"/petugas/kasus?q={new[:6]}").status_code == 200


def test_only_a_supervisor_home_asks_to_verify_new_cases(
    app: Flask, db: Session, team: Team
) -> None:
    _world(app, db, team)
    supervisor = web_client(app, db, team.supervisor).get("/staff/").get_data(as_text=True)
    investigator = web_client(app, db, team.investigator).get("/staff/").get_data(as_text=True)
    assert 'id="count-new"' in supervisor and "untuk diverifikasi" in supervisor
    assert 'id="count-replied"' in investigator
    assert 'id="count-new"' not in investigator and "diverifikasi" not in investigator
