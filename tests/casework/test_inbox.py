"""The inbox: one SQL query with filters, sort and pages; deadline badges on the working-day
calendar (weekends, holidays) that agree with ``sipadu.cases.deadlines`` exactly."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from sipadu.cases.deadlines import (
    DEFAULT_POLICY,
    DeadlinePolicy,
    DeadlineState,
    case_deadlines,
    inbox_badge,
)
from sipadu.cases.models import Case, CaseConflict, CaseGrant
from sipadu.cases.national_holidays import national_holidays
from sipadu.cases.statuses import CLOSED, Status
from sipadu.casework import case_conditions
from sipadu.casework import inbox as inbox_module
from sipadu.casework.inbox import InboxFilters, inbox
from sipadu.days import wib_today
from tests.support.factories import StaffMember, make_staff

MONDAY = date(2026, 11, 23)
FRIDAY = MONDAY - timedelta(days=3)


def _case(
    db: Session,
    member: StaffMember,
    n: int,
    received: date,
    status: str = "diterima",
    *,
    category: str = "gratifikasi",
    reason: str = "supervisor",
    **dates: date | None,
) -> Case:
    """A metadata-only case row (the inbox never decrypts, so no real crypto is needed)."""
    case = Case(
        code=f"SPD-T{n:05d}",
        category=category,
        status=status,
        received_on=received,
        objection_used=False,
        report_sealed=b"-",
        reporter_key_record=b"-",
        updated_at=datetime.now(UTC),
        **dates,
    )
    db.add(case)
    db.flush()
    db.add(
        CaseGrant(
            case_id=case.id,
            staff_id=member.account.id,
            reason=reason,
            wrapped_dek=b"-",
            granted_by=None,
            created_at=datetime.now(UTC),
        )
    )
    return case


def _codes(
    db: Session, member: StaffMember, today: date = MONDAY, filters: InboxFilters | None = None
) -> list[str]:
    page = inbox(
        db,
        staff_id=member.account.id,
        role=member.account.role,
        filters=filters or InboxFilters(),
        today=today,
    )
    return [row.code for row in page.rows]


def test_badges_across_a_weekend(app: Flask, db: Session) -> None:
    boss = make_staff(app, db, "supervisor")
    _case(db, boss, 1, FRIDAY)  # acknowledge by Wednesday (three working days)
    db.commit()

    def badge(today: date) -> DeadlineState | None:
        page = inbox(
            db, staff_id=boss.account.id, role="supervisor", filters=InboxFilters(), today=today
        )
        return page.rows[0].badge

    assert badge(FRIDAY) is None  # three working days left
    # The weekend does not count: Saturday and Sunday still have Mon, Tue, Wed to go.
    assert badge(FRIDAY + timedelta(days=1)) is None
    assert badge(FRIDAY + timedelta(days=2)) is None
    assert badge(MONDAY) is DeadlineState.DUE_SOON
    assert badge(MONDAY + timedelta(days=2)) is DeadlineState.DUE_SOON  # due today
    assert badge(MONDAY + timedelta(days=3)) is DeadlineState.OVERDUE
    assert _codes(db, boss, MONDAY + timedelta(days=3), InboxFilters(due="overdue")) == [
        "SPD-T00001"
    ]
    assert _codes(db, boss, MONDAY, InboxFilters(due="overdue")) == []
    assert _codes(db, boss, MONDAY, InboxFilters(due="due")) == ["SPD-T00001"]
    assert _codes(db, boss, FRIDAY, InboxFilters(due="due")) == []


@pytest.mark.parametrize(
    "holidays",
    [frozenset(), frozenset({date(2026, 11, 24), date(2026, 12, 25), date(2026, 10, 2)})],
)
def test_sql_deadline_filters_agree_with_the_calendar(
    app: Flask, db: Session, monkeypatch: pytest.MonkeyPatch, holidays: frozenset[date]
) -> None:
    policy = DeadlinePolicy()
    monkeypatch.setattr(inbox_module, "inbox_policy", lambda _db: (policy, holidays))
    boss = make_staff(app, db, "supervisor")
    rng = random.Random(5)
    cases = []
    for n in range(160):
        received = MONDAY - timedelta(days=rng.randint(0, 120))
        status = rng.choice(list(Status))
        later = [received + timedelta(days=rng.randint(0, 40)) for _ in range(4)]
        chance = [rng.random() for _ in range(3)]
        cases.append(
            _case(
                db,
                boss,
                n,
                received,
                status.value,
                acknowledged_on=later[0] if chance[0] < 0.4 else None,
                decided_on=later[1] if chance[1] < 0.3 else None,
                last_feedback_on=later[2] if chance[2] < 0.5 else None,
                closed_on=later[3] if status in CLOSED else None,
            )
        )
    db.commit()
    for today in (MONDAY + timedelta(days=k) for k in range(-3, 12)):
        expected: dict[str, set[str]] = {"overdue": set(), "due": set()}
        for case in cases:
            state = inbox_badge(
                case_deadlines(
                    case.received_on,
                    case.status,
                    case.acknowledged_on,
                    case.decided_on,
                    case.last_feedback_on,
                    case.closed_on,
                    policy,
                    holidays,
                    today=today,
                )
            )
            if state is DeadlineState.OVERDUE:
                expected["overdue"].add(case.code)
            elif state is DeadlineState.DUE_SOON:
                expected["due"].add(case.code)
        for due in ("overdue", "due"):
            got = set(_codes(db, boss, today, InboxFilters(due=due, per_page=1000)))
            assert got == expected[due], (today, due)


def test_filters_sort_pages_and_conflicts(app: Flask, db: Session) -> None:
    boss = make_staff(app, db, "supervisor")
    for n in range(30):
        _case(
            db,
            boss,
            n,
            MONDAY - timedelta(days=n),
            "verifikasi" if n % 3 == 0 else "diterima",
            category="pungli" if n % 2 else "kkn",
            reason="assignment" if n == 7 else "supervisor",
        )
    conflicted = _case(db, boss, 99, MONDAY)
    db.add(
        CaseConflict(
            case_id=conflicted.id,
            staff_id=boss.account.id,
            marked_by=None,
            created_at=datetime.now(UTC),
        )
    )
    db.commit()
    first = inbox(
        db, staff_id=boss.account.id, role="supervisor", filters=InboxFilters(), today=MONDAY
    )
    assert (first.total, first.pages, len(first.rows)) == (30, 2, 25)
    assert first.rows[0].code == "SPD-T00000" and "SPD-T00099" not in _codes(
        db, boss, filters=InboxFilters(per_page=100)
    )
    second = inbox(
        db, staff_id=boss.account.id, role="supervisor", filters=InboxFilters(page=2), today=MONDAY
    )
    assert [r.code for r in second.rows] == [f"SPD-T{n:05d}" for n in range(25, 30)]
    beyond = inbox(
        db, staff_id=boss.account.id, role="supervisor", filters=InboxFilters(page=9), today=MONDAY
    )
    assert beyond.rows == [] and beyond.total == 30
    assert _codes(db, boss, filters=InboxFilters(sort="received_asc"))[0] == "SPD-T00029"
    assert set(_codes(db, boss, filters=InboxFilters(status="verifikasi", per_page=100))) == {
        f"SPD-T{n:05d}" for n in range(0, 30, 3)
    }
    assert len(_codes(db, boss, filters=InboxFilters(category="pungli", per_page=100))) == 15
    assert _codes(db, boss, filters=InboxFilters(assigned_to_me=True)) == ["SPD-T00007"]
    by_status = _codes(db, boss, filters=InboxFilters(sort="status", per_page=100))
    assert by_status.index("SPD-T00001") < by_status.index("SPD-T00000")


@pytest.mark.parametrize(
    "filters",
    [InboxFilters(due="overdue", status="diterima", category="gratifikasi"), InboxFilters()],
)
def test_inbox_is_two_queries(app: Flask, db: Session, filters: InboxFilters) -> None:
    """One query for the page, one for the total and one for the page's assignees, whatever
    the number of cases."""
    boss = make_staff(app, db, "supervisor")
    for n in range(40):
        _case(db, boss, n, MONDAY - timedelta(days=n))
    db.commit()
    statements: list[str] = []
    engine = db.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        page = inbox(db, staff_id=boss.account.id, role="supervisor", filters=filters, today=MONDAY)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert page.total > 0
    # The page, its total and its assignees, whatever the filters (no query per row);
    # reading the admin's deadline settings is a separate, constant lookup.
    case_queries = [
        s
        for s in statements
        if s.lstrip().upper().startswith("SELECT") and "FROM instance_settings" not in s
    ]
    assert len(case_queries) == 3


def test_bad_query_parameters_are_ignored(app: Flask, db: Session) -> None:
    from tests.casework.conftest import web_client

    boss = make_staff(app, db, "supervisor")
    db.commit()
    client = web_client(app, db, boss)
    for query in (
        "?page=abc",
        "?page=-4",
        "?status=<x>",
        "?sort=drop",
        "?due=1",
        "?page=99999999999999999999",
    ):
        assert client.get(f"/petugas/kasus{query}").status_code == 200
    api = client.get("/api/v1/staff/cases?page=x")
    assert api.status_code == 401  # cookies never authenticate the API


def test_policy_defaults(app: Flask, db: Session) -> None:
    assert case_conditions.inbox_policy(db) == (DEFAULT_POLICY, frozenset(national_holidays()))


@pytest.mark.parametrize(
    "filters",
    [
        InboxFilters(),
        InboxFilters(status="diterima"),
        InboxFilters(assigned_to_me=True),
        InboxFilters(due="overdue"),
    ],
)
def test_totals_leave_out_conflicted_and_unheld_cases(
    app: Flask, db: Session, filters: InboxFilters
) -> None:
    """The total agrees with the rows: a conflict excludes a case even while its grant
    still exists, and another person's case never counts."""
    worker = make_staff(app, db, "investigator")
    other = make_staff(app, db, "investigator")
    kept = [
        _case(db, worker, n, MONDAY - timedelta(days=40 + n), reason="assignment") for n in range(3)
    ]
    _case(db, other, 10, MONDAY - timedelta(days=40), reason="assignment")
    db.add(
        CaseConflict(
            case_id=kept[0].id,
            staff_id=worker.account.id,
            marked_by=None,
            created_at=datetime.now(UTC),
        )
    )
    db.commit()
    page = inbox(
        db,
        staff_id=worker.account.id,
        role="investigator",
        filters=filters,
        today=MONDAY,
    )
    assert sorted(row.code for row in page.rows) == ["SPD-T00001", "SPD-T00002"]
    assert page.total == 2


def test_the_filter_form_sends_what_the_server_reads(app: Flask, db: Session) -> None:
    """The inbox's own form (its option and checkbox values, its button) filters the list."""
    from tests.casework.conftest import web_client
    from tests.support.forms import find_form, submit

    boss = make_staff(app, db, "supervisor")
    today = wib_today()
    for n in range(6):
        _case(
            db,
            boss,
            n,
            today - timedelta(days=n),
            "verifikasi" if n % 2 else "diterima",
            category="pungli" if n < 3 else "kkn",
            reason="assignment" if n == 1 else "supervisor",
        )
    db.commit()
    client = web_client(app, db, boss)
    page = client.get("/petugas/kasus")
    form = find_form(page, "/petugas/kasus")
    assert "verifikasi" in form.choices("status") and form.choices("mine") == ["1"]
    shown = submit(
        client,
        page,
        "/petugas/kasus",
        fill={"status": "verifikasi", "category": "pungli", "sort": "received_asc"},
    )
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert "SPD-T00001" in text and "SPD-T00000" not in text and "SPD-T00003" not in text
    # The filters survive in the re-rendered form, and "mine" narrows to the assignment.
    mine = submit(client, shown, "/petugas/kasus", tick={"mine": True})
    listed = mine.get_data(as_text=True)
    assert "SPD-T00001" in listed and "SPD-T00005" not in listed
    assert find_form(mine, "/petugas/kasus").choices("mine") == ["1"]
