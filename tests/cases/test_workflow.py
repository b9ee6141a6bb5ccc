"""Every workflow transition, allowed and forbidden, for every role (docs/workflow.md)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from sipadu.cases.statuses import reporter_status_text
from sipadu.cases.workflow import (
    CLOSURES,
    OBJECTABLE,
    RULES,
    STATUS_TEXTS,
    ForwardResult,
    ObjectionNotAllowedError,
    Outcome,
    RoleNotPermittedError,
    Status,
    TransitionIncompleteError,
    TransitionNotAllowedError,
    allowed_targets,
    can_object,
    check_objection,
    check_objection_answer,
    check_transition,
    is_closed,
)
from sipadu.resources import PACKAGE_DIR

S = Status
SUP, INV, REP = "supervisor", "investigator", "reporter"
FULL: dict[str, Any] = {
    "reason": "Alasan untuk pelapor.",
    "outcome": "terbukti",
    "destination": "kpk",
    "reference": "R-1/KPK/2026",
    "forward_result": "ditangani",
}

# (from, to) -> roles allowed; anything missing here must be refused.
EXPECTED: dict[tuple[Status, Status], set[str]] = {
    (S.DITERIMA, S.VERIFIKASI): {SUP},
    (S.VERIFIKASI, S.PERLU_DILENGKAPI): {SUP, INV},
    (S.VERIFIKASI, S.TIDAK_DAPAT_DITINDAKLANJUTI): {SUP},
    (S.VERIFIKASI, S.DITERUSKAN): {SUP},
    (S.VERIFIKASI, S.INVESTIGASI): {SUP},
    (S.PERLU_DILENGKAPI, S.VERIFIKASI): {SUP, INV, REP},
    (S.INVESTIGASI, S.SELESAI): {SUP, INV},
    (S.DITERUSKAN, S.SELESAI): {SUP},
    **{(closed, S.DIARSIPKAN): {SUP} for closed in CLOSURES},
    **{(closed, back): {SUP} for closed in OBJECTABLE for back in (S.VERIFIKASI, S.INVESTIGASI)},
}
ROLES = [SUP, INV, REP, "admin", "auditor"]


def test_the_table_is_the_one_documented() -> None:
    assert {pair: {str(r) for r in rule.roles} for pair, rule in RULES.items()} == EXPECTED


@pytest.mark.parametrize(
    ("current", "target", "role"), list(itertools.product(list(Status), list(Status), ROLES))
)
def test_every_transition_for_every_role(current: Status, target: Status, role: str) -> None:
    allowed = role in EXPECTED.get((current, target), set())
    if allowed:
        transition = check_transition(current, target, role, **FULL)
        assert (transition.source, transition.target, transition.role) == (current, target, role)
    elif (current, target) in EXPECTED or role not in {SUP, INV, REP}:
        # Admins and auditors never change a status: always 403, whatever the transition.
        with pytest.raises(RoleNotPermittedError) as info:
            check_transition(current, target, role, **FULL)
        assert info.value.http_status == 403
    else:
        with pytest.raises(TransitionNotAllowedError) as refused:
            check_transition(current, target, role, **FULL)
        assert refused.value.http_status == 409


@pytest.mark.parametrize(
    ("target", "missing", "field"),
    [
        (S.PERLU_DILENGKAPI, "reason", "reason"),
        (S.TIDAK_DAPAT_DITINDAKLANJUTI, "reason", "reason"),
        (S.DITERUSKAN, "reason", "reason"),
        (S.DITERUSKAN, "destination", "destination"),
    ],
)
def test_verification_decisions_need_their_fields(target: Status, missing: str, field: str) -> None:
    given = {**FULL, missing: "   "}
    with pytest.raises(TransitionIncompleteError) as info:
        check_transition(S.VERIFIKASI, target, SUP, **given)
    assert info.value.field == field and info.value.http_status == 422


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"outcome": None}, "outcome"),
        ({"outcome": "mungkin"}, "outcome"),
        ({"reason": ""}, "reason"),
        ({"reason": None}, "reason"),
    ],
)
def test_closing_an_investigation_needs_outcome_and_conclusion(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(TransitionIncompleteError) as info:
        check_transition(S.INVESTIGASI, S.SELESAI, INV, **{**FULL, **changes})
    assert info.value.field == field


def test_a_complete_closure_is_normalised() -> None:
    transition = check_transition(
        "investigasi",
        "selesai",
        "investigator",
        reason="  Terbukti ada pungutan.  ",
        outcome="tidak_terbukti",
        destination="kpk",
    )
    assert transition.outcome is Outcome.TIDAK_TERBUKTI
    assert transition.reason == "Terbukti ada pungutan."
    assert transition.destination is None  # not a forwarding: dropped
    assert transition.closes and not transition.is_reopen


def test_forwarding_needs_a_known_destination() -> None:
    with pytest.raises(TransitionIncompleteError):
        check_transition(
            S.VERIFIKASI, S.DITERUSKAN, SUP, reason="x", destination="dpr", reference="A1"
        )
    forwarded = check_transition(
        S.VERIFIKASI, S.DITERUSKAN, SUP, reason="x", destination="lapor", reference=" 2612-0042 "
    )
    assert forwarded.destination == "lapor" and forwarded.outcome is None
    assert forwarded.reference == "2612-0042" and not forwarded.closes
    assert "2612-0042" not in repr(forwarded)  # never in a log line by accident


@pytest.mark.parametrize(
    "reference",
    [
        None,
        "",
        "   ",
        "a" * 65,
        "<script>",
        "R1\nR2",
        "R1  R2",
        "-R1",
        "nama pelapor: Budi!",
        "Pelapor Budi Santoso 0812-1111-2222 mengadu",
        "B 12.3_4",
    ],
)
def test_forwarding_refuses_a_reference_that_is_not_identifier_like(
    reference: str | None,
) -> None:
    with pytest.raises(TransitionIncompleteError) as refused:
        check_transition(
            S.VERIFIKASI, S.DITERUSKAN, SUP, reason="x", destination="kpk", reference=reference
        )
    assert refused.value.field == "reference"


@pytest.mark.parametrize(
    "reference", ["R-12/KPK/XII/2026", "LAPOR:0042", "a" * 64, "B12.3_4", "LP/B/123/XII/2026/SPKT"]
)
def test_forwarding_accepts_identifier_like_references(reference: str) -> None:
    forwarded = check_transition(
        S.VERIFIKASI, S.DITERUSKAN, SUP, reason="x", destination="kpk", reference=reference
    )
    assert forwarded.reference == reference


def test_the_forward_outcome_closes_and_needs_a_result() -> None:
    with pytest.raises(TransitionIncompleteError) as missing:
        check_transition(S.DITERUSKAN, S.SELESAI, SUP, reason="Sudah ditangani.")
    assert missing.value.field == "forward_result"
    with pytest.raises(TransitionIncompleteError):
        check_transition(S.DITERUSKAN, S.SELESAI, SUP, forward_result="terbukti")
    with pytest.raises(RoleNotPermittedError):
        check_transition(S.DITERUSKAN, S.SELESAI, INV, forward_result="ditangani")
    closed = check_transition(S.DITERUSKAN, S.SELESAI, SUP, forward_result="ditangani")
    assert closed.forward_result is ForwardResult.DITANGANI and closed.closes
    assert closed.reason is None and closed.outcome is None  # optional when it was handled


def test_a_forwarded_case_waits_and_cannot_be_archived() -> None:
    assert not is_closed(S.DITERUSKAN)
    with pytest.raises(TransitionNotAllowedError):
        check_transition(S.DITERUSKAN, S.DIARSIPKAN, SUP)


def test_the_reporter_reads_where_the_case_went() -> None:
    with _babel_app().test_request_context(), force_locale("id"):
        waiting = reporter_status_text("diteruskan", "lapor", None)
        label = str(waiting.reporter_label)
        assert "SP4N-LAPOR!" in label and "menunggu" in label.lower()
        answered = str(reporter_status_text("selesai", "kpk", "ditangani").reporter_explanation)
        assert "investigasi" not in answered.lower()
        assert str(reporter_status_text("diteruskan", None, None).reporter_label)


@pytest.mark.parametrize("closed", sorted(OBJECTABLE))
def test_reopening_needs_a_reason(closed: Status) -> None:
    with pytest.raises(TransitionIncompleteError):
        check_transition(closed, S.INVESTIGASI, SUP)
    reopened = check_transition(closed, S.VERIFIKASI, SUP, reason="Keberatan diterima.")
    assert reopened.is_reopen and not reopened.closes


def test_archived_cases_stay_archived() -> None:
    for target in Status:
        with pytest.raises(TransitionNotAllowedError):
            check_transition(S.DIARSIPKAN, target, SUP, **FULL)


def test_an_open_objection_blocks_archiving() -> None:
    with pytest.raises(TransitionNotAllowedError):
        check_transition(S.SELESAI, S.DIARSIPKAN, SUP, objection_pending=True)
    assert check_transition(S.SELESAI, S.DIARSIPKAN, SUP).target is S.DIARSIPKAN


def test_unknown_status_and_role_are_refused() -> None:
    with pytest.raises(TransitionNotAllowedError):
        check_transition("dihapus", S.VERIFIKASI, SUP)
    with pytest.raises(TransitionNotAllowedError):
        check_transition(S.DITERIMA, "dihapus", SUP)
    with pytest.raises(RoleNotPermittedError):
        check_transition(S.DITERIMA, S.VERIFIKASI, "root")


def test_overlong_reason_is_refused() -> None:
    with pytest.raises(TransitionIncompleteError):
        check_transition(S.VERIFIKASI, S.TIDAK_DAPAT_DITINDAKLANJUTI, SUP, reason="a" * 20_001)


def test_optional_note_is_kept_when_given() -> None:
    assert check_transition(S.DITERIMA, S.VERIFIKASI, SUP).reason is None
    assert check_transition(S.DITERIMA, S.VERIFIKASI, SUP, reason=" ok ").reason == "ok"


def test_is_closed() -> None:
    assert {s for s in Status if is_closed(s)} == {
        S.SELESAI,
        S.TIDAK_DAPAT_DITINDAKLANJUTI,
        S.DIARSIPKAN,
    }


def test_allowed_targets_follow_the_table() -> None:
    assert set(allowed_targets(S.VERIFIKASI, INV)) == {S.PERLU_DILENGKAPI}
    assert set(allowed_targets(S.SELESAI, SUP)) == {S.DIARSIPKAN, S.VERIFIKASI, S.INVESTIGASI}
    assert allowed_targets(S.INVESTIGASI, "auditor") == ()


@pytest.mark.parametrize("status", list(Status))
def test_the_reporter_may_object_once_to_a_closure(status: Status) -> None:
    assert can_object(status, objection_used=False) == (status in OBJECTABLE)
    assert not can_object(status, objection_used=True)


def test_objection_checks() -> None:
    assert check_objection(S.SELESAI, False, "  Saya keberatan. ") == "Saya keberatan."
    with pytest.raises(ObjectionNotAllowedError):
        check_objection(S.SELESAI, True, "lagi")
    with pytest.raises(ObjectionNotAllowedError):
        check_objection(S.INVESTIGASI, False, "belum selesai")
    with pytest.raises(ObjectionNotAllowedError):
        check_objection(S.DIARSIPKAN, False, "terlambat")
    with pytest.raises(TransitionIncompleteError):
        check_objection(S.DITERUSKAN, False, " ")


def test_a_supervisor_answers_and_may_reopen() -> None:
    assert check_objection_answer(S.SELESAI, SUP, answer="Keputusan tetap.") is None
    reopened = check_objection_answer(
        S.TIDAK_DAPAT_DITINDAKLANJUTI, SUP, answer="Kami periksa lagi.", reopen_to="verifikasi"
    )
    assert reopened is not None and reopened.is_reopen
    assert reopened.reason == "Kami periksa lagi."
    with pytest.raises(RoleNotPermittedError):
        check_objection_answer(S.SELESAI, INV, answer="x")
    with pytest.raises(TransitionIncompleteError):
        check_objection_answer(S.SELESAI, SUP, answer="")
    with pytest.raises(ObjectionNotAllowedError):
        check_objection_answer(S.INVESTIGASI, SUP, answer="x")
    with pytest.raises(TransitionNotAllowedError):
        check_objection_answer(S.SELESAI, SUP, answer="x", reopen_to="diterima")


def _babel_app() -> Flask:
    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PACKAGE_DIR / "translations")
    Babel(app)
    return app


def test_labels_and_errors_are_bilingual() -> None:
    with _babel_app().test_request_context():
        with pytest.raises(TransitionNotAllowedError) as info:
            check_transition(S.DITERIMA, S.SELESAI, SUP)
        english = str(info.value)
        with force_locale("id"):
            indonesian = str(info.value)
            label = str(STATUS_TEXTS[S.INVESTIGASI].reporter_label)
    assert "Received" in english and english != indonesian
    assert label != "Under investigation"


def test_every_status_has_its_texts() -> None:
    for status in Status:
        texts = STATUS_TEXTS[status]
        assert str(texts.staff_label) and str(texts.reporter_label)
        assert len(str(texts.reporter_explanation)) > 20


def test_not_handled_needs_a_message_to_the_reporter() -> None:
    """A case the institution did not handle is not closed on the reporter without a word."""
    with pytest.raises(TransitionIncompleteError) as refused:
        check_transition(S.DITERUSKAN, S.SELESAI, SUP, forward_result="tidak_ditangani")
    assert refused.value.field == "message"
    closed = check_transition(
        S.DITERUSKAN,
        S.SELESAI,
        SUP,
        forward_result="tidak_ditangani",
        reason="Kami teruskan ke Ombudsman.",
    )
    assert closed.closes
    handled = check_transition(S.DITERUSKAN, S.SELESAI, SUP, forward_result="ditangani")
    assert handled.closes
