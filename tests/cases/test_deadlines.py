"""The working-day calendar and the case deadlines of docs/workflow.md."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sipadu.cases.deadlines import (
    CalendarError,
    Deadline,
    DeadlineInputError,
    DeadlineKind,
    DeadlinePolicy,
    DeadlinePolicyError,
    DeadlineState,
    add_calendar_days,
    add_working_days,
    case_deadlines,
    inbox_badge,
    is_working_day,
    next_due,
    working_days_between,
)

D = date.fromisoformat
K, ST = DeadlineKind, DeadlineState
# A constructed year-end and a Lebaran-like week (Mon 2027-03-08 .. Fri 2027-03-12).
YEAR_END = frozenset({D("2026-12-25"), D("2027-01-01")})
LEBARAN = frozenset(D("2027-03-08") + timedelta(days=i) for i in range(5))


@pytest.mark.parametrize(
    ("start", "n", "holidays", "expected"),
    [
        ("2026-11-23", 0, frozenset(), "2026-11-23"),  # Mon + 0
        ("2026-11-23", 3, frozenset(), "2026-11-26"),  # Mon + 3 = Thu
        ("2026-11-20", 1, frozenset(), "2026-11-23"),  # Fri + 1 = Mon
        ("2026-11-21", 1, frozenset(), "2026-11-23"),  # Sat + 1 = Mon
        ("2026-11-22", 3, frozenset(), "2026-11-25"),  # Sun + 3 = Wed
        ("2026-11-19", 3, frozenset(), "2026-11-24"),  # Thu + 3 across the weekend
        ("2026-12-24", 1, YEAR_END, "2026-12-28"),  # holiday on a Friday
        ("2026-12-30", 2, YEAR_END, "2027-01-04"),  # across the year, New Year on Friday
        ("2026-12-31", 1, YEAR_END, "2027-01-04"),
        ("2027-03-05", 1, LEBARAN, "2027-03-15"),  # Fri before a holiday week
        ("2027-03-05", 3, LEBARAN, "2027-03-17"),
        ("2027-03-09", 1, LEBARAN, "2027-03-15"),  # starting inside the holiday week
        ("2027-03-12", 0, LEBARAN, "2027-03-12"),
    ],
)
def test_add_working_days(start: str, n: int, holidays: frozenset[date], expected: str) -> None:
    assert add_working_days(D(start), n, holidays) == D(expected)
    assert working_days_between(D(start), D(expected), holidays) == n


def test_holiday_on_a_monday() -> None:
    monday = frozenset({D("2027-08-16")})
    assert add_working_days(D("2027-08-13"), 1, monday) == D("2027-08-17")
    assert working_days_between(D("2027-08-13"), D("2027-08-17"), monday) == 1


def test_working_days_between_is_signed_and_ignores_weekend_holidays() -> None:
    assert working_days_between(D("2026-11-26"), D("2026-11-23")) == -3
    assert working_days_between(D("2026-11-23"), D("2026-11-23")) == 0
    saturday = frozenset({D("2026-11-28")})
    assert working_days_between(D("2026-11-23"), D("2026-11-30"), saturday) == 5
    assert working_days_between(D("2026-01-01"), D("2027-01-01")) == 261


def test_bounds_are_refused() -> None:
    with pytest.raises(CalendarError):
        add_working_days(D("2026-11-23"), -1)
    with pytest.raises(CalendarError):
        add_working_days(D("2026-11-23"), 10**6)


def test_calendar_days_roll_to_the_next_working_day() -> None:
    assert add_calendar_days(D("2026-11-23"), 5) == D("2026-11-30")  # Sat -> Mon
    assert add_calendar_days(D("2027-02-06"), 30, LEBARAN) == D("2027-03-15")
    assert add_calendar_days(D("2026-11-23"), 3) == D("2026-11-26")


dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
holiday_sets = st.frozensets(dates, max_size=60)


@given(start=dates, n=st.integers(min_value=1, max_value=400), holidays=holiday_sets)
def test_adding_working_days_lands_on_a_working_day(
    start: date, n: int, holidays: frozenset[date]
) -> None:
    assert is_working_day(add_working_days(start, n, holidays), holidays)


@given(start=dates, n=st.integers(min_value=0, max_value=400), holidays=holiday_sets)
def test_between_inverts_add(start: date, n: int, holidays: frozenset[date]) -> None:
    assert working_days_between(start, add_working_days(start, n, holidays), holidays) == n


@given(a=dates, b=dates, holidays=holiday_sets)
def test_between_counts_like_a_plain_loop(a: date, b: date, holidays: frozenset[date]) -> None:
    low, high = sorted((a, b))
    days = ((low + timedelta(days=i + 1)) for i in range((high - low).days))
    count = sum(1 for d in days if is_working_day(d, holidays))
    assert working_days_between(low, high, holidays) == count
    assert working_days_between(high, low, holidays) == -count


def _by_kind(deadlines: list[Deadline]) -> dict[DeadlineKind, Deadline]:
    return {d.kind: d for d in deadlines}


def test_a_fresh_case() -> None:
    received = D("2026-11-20")  # Friday
    got = _by_kind(
        case_deadlines(received, "diterima", None, None, None, None, today=D("2026-11-23"))
    )
    assert got[K.ACKNOWLEDGE].due_on == D("2026-11-25")
    assert got[K.ACKNOWLEDGE].state is ST.DUE_SOON  # Mon -> Wed: 2 working days left
    assert got[K.VERIFICATION].due_on == D("2026-12-21")  # Sun 20 Dec rolls to Mon
    assert got[K.RESOLUTION].due_on == D("2027-01-19")
    # News is owed by the resolution day at the latest (90 days would be 2027-02-18).
    assert got[K.FEEDBACK].due_on == D("2027-01-19")
    assert {d.state for k, d in got.items() if k is not K.ACKNOWLEDGE} == {ST.OK}


def test_overdue_and_met() -> None:
    received = D("2026-11-02")
    got = _by_kind(
        case_deadlines(
            received,
            "verifikasi",
            D("2026-11-09"),
            None,
            D("2026-11-09"),
            None,
            today=D("2026-12-03"),
        )
    )
    assert got[K.ACKNOWLEDGE].state is ST.MET and got[K.ACKNOWLEDGE].met_on_time is False
    assert got[K.VERIFICATION].state is ST.OVERDUE and got[K.VERIFICATION].met_on_time is None
    assert got[K.FEEDBACK].due_on == got[K.RESOLUTION].due_on == D("2027-01-01")
    assert inbox_badge(got.values()) is ST.OVERDUE
    nearest = next_due(got.values())
    assert nearest is not None and nearest.kind is K.VERIFICATION


def test_holidays_move_the_acknowledgement() -> None:
    got = _by_kind(
        case_deadlines(
            D("2027-03-04"),
            "diterima",
            None,
            None,
            None,
            None,
            holidays=LEBARAN,
            today=D("2027-03-04"),
        )
    )
    assert got[K.ACKNOWLEDGE].due_on == D("2027-03-16")
    assert got[K.ACKNOWLEDGE].state is ST.OK


def test_closure_completes_every_open_deadline() -> None:
    got = case_deadlines(
        D("2026-09-01"),
        "tidak_dapat_ditindaklanjuti",
        D("2026-09-02"),
        None,
        None,
        D("2026-09-20"),
        today=D("2027-01-01"),
    )
    assert {d.state for d in got} == {ST.MET}
    assert all(d.met_on_time for d in got) and inbox_badge(got) is None
    assert next_due(got) is None


def test_late_closure_is_met_but_not_on_time() -> None:
    got = _by_kind(
        case_deadlines(
            D("2026-01-05"),
            "selesai",
            D("2026-01-06"),
            D("2026-01-20"),
            D("2026-03-01"),
            D("2026-06-01"),
            today=D("2026-06-02"),
        )
    )
    assert got[K.RESOLUTION].state is ST.MET and got[K.RESOLUTION].met_on_time is False
    assert got[K.VERIFICATION].met_on_time is True


def test_a_reopened_case_is_open_again() -> None:
    got = _by_kind(
        case_deadlines(
            D("2026-01-05"),
            "investigasi",
            D("2026-01-06"),
            D("2026-01-20"),
            D("2026-03-01"),
            D("2026-03-01"),
            today=D("2026-06-02"),
        )
    )
    assert got[K.RESOLUTION].state is ST.OVERDUE
    # The news of 1 March came before the resolution day (6 March): news was owed by then.
    assert got[K.FEEDBACK].due_on == D("2026-03-06") and got[K.FEEDBACK].state is ST.OVERDUE


def test_a_closed_case_needs_its_closing_date() -> None:
    with pytest.raises(DeadlineInputError):
        case_deadlines(D("2026-01-05"), "diarsipkan", None, None, None, None, today=D("2026-06-02"))


def test_policy_is_configurable() -> None:
    policy = DeadlinePolicy(
        acknowledge_working_days=1,
        verification_days=10,
        verification_in_working_days=True,
        due_soon_working_days=0,
    )
    got = _by_kind(
        case_deadlines(
            D("2026-11-20"), "diterima", None, None, None, None, policy, today=D("2026-11-20")
        )
    )
    assert got[K.ACKNOWLEDGE].due_on == D("2026-11-23")
    assert got[K.ACKNOWLEDGE].state is ST.OK  # one working day left, but due_soon is 0
    assert got[K.VERIFICATION].due_on == D("2026-12-04")


@pytest.mark.parametrize(
    "changes",
    [
        {"acknowledge_working_days": 0},
        {"verification_days": 400},
        {"feedback_days": -1},
        {"due_soon_working_days": 31},
    ],
)
def test_policy_refuses_nonsense(changes: dict[str, int]) -> None:
    with pytest.raises(DeadlinePolicyError):
        DeadlinePolicy(**changes)  # type: ignore[arg-type]


def test_due_today_is_due_soon_and_tomorrow_overdue() -> None:
    got = _by_kind(
        case_deadlines(D("2026-11-20"), "diterima", None, None, None, None, today=D("2026-11-25"))
    )
    assert got[K.ACKNOWLEDGE].state is ST.DUE_SOON
    got = _by_kind(
        case_deadlines(D("2026-11-20"), "diterima", None, None, None, None, today=D("2026-11-26"))
    )
    assert got[K.ACKNOWLEDGE].state is ST.OVERDUE


def test_news_is_never_owed_after_the_resolution_day_it_precedes() -> None:
    received = D("2026-12-10")
    resolution = D("2027-02-08")  # 60 days
    for news in (None, D("2026-12-20"), D("2027-01-30")):
        got = _by_kind(
            case_deadlines(received, "verifikasi", None, None, news, None, today=received)
        )
        assert got[K.RESOLUTION].due_on == resolution
        assert got[K.FEEDBACK].due_on == resolution, news
    # News given once the resolution day has passed starts the 90-day rhythm again.
    late = _by_kind(
        case_deadlines(
            received, "investigasi", None, None, D("2027-02-15"), None, today=D("2027-02-15")
        )
    )
    assert late[K.FEEDBACK].due_on == D("2027-05-17")  # 16 May is a Sunday
    # A short feedback rhythm keeps its own day before the resolution day.
    monthly = DeadlinePolicy(feedback_days=30)
    got = _by_kind(
        case_deadlines(received, "verifikasi", None, None, None, None, monthly, today=received)
    )
    assert got[K.FEEDBACK].due_on == D("2027-01-11")  # 9 Jan is a Saturday
