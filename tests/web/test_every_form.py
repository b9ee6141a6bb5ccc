"""Every HTML form of both consoles has a round-trip test.

The guard crawls the pages each kind of visitor can reach (a reporter before and after
filing, a reporter in their case, every staff role, the setup and enrolment pages), collects
every form it finds as (endpoint, method), and fails for a form that is not in ``COVERED``,
the list of tests that submit it as its rendered page sends it (tests/support/forms.py). A
new form therefore fails the suite until a round-trip test is written and named here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.crawled_site import crawled_site

REPO = Path(__file__).resolve().parents[2]
_J = "tests/reporting/test_journey.py::"
_CP = "tests/casework/test_case_page.py::"
_WF = "tests/casework/test_workflow_http.py::"
_MK = "tests/casework/test_message_kinds.py::"
_FW = "tests/casework/test_forwarding.py::"
_SF = "tests/web/test_staff_forms.py::"
_AC = "tests/staff/test_activation.py::"
_UA = "tests/casework/test_units_admin.py::"
_CF = "tests/confidential/test_pages.py::"
_EX = "tests/confidential/test_export.py::"
_RD = "tests/confidential/test_redaction_flow.py::"
# (endpoint, method) -> the test that submits that form as its page sends it.
COVERED: dict[tuple[str, str], str] = {
    ("reporting.submit", "POST"): _J + "test_full_journey",
    (
        "report_language.switch_language_keeping_report",
        "POST",
    ): "tests/reporting/test_language_switch.py::"
    "test_language_switch_on_the_report_form_keeps_what_was_typed",
    ("reporting.key_copy", "POST"): _J + "test_key_download_and_print_store_nothing",
    (
        "reporting.key_language",
        "POST",
    ): "tests/reporting/test_language_switch.py::test_english_switch_on_the_key_page_keeps_the_key",
    (
        "reporting.key_leave",
        "POST",
    ): "tests/reporting/test_key_page.py::test_leaving_without_confirming_shows_the_key_again",
    ("followup.login", "POST"): _J + "test_full_journey",
    ("followup.reply", "POST"): _J + "test_full_journey",
    (
        "followup.add_evidence",
        "POST",
    ): "tests/reporting/test_security.py::test_adding_evidence_and_refusals",
    ("followup.disclose_identity", "POST"): _J + "test_full_journey",
    ("followup.object_to_closure", "POST"): _J + "test_objection_once_after_closure",
    ("followup.rate", "POST"): "tests/reporting/test_rating.py::test_rating_once_after_closure",
    ("casework.send_to_reporter", "POST"): "tests/casework/test_reporter_files.py::"
    + "test_a_file_from_the_inspektorat_reaches_the_reporter_cleaned",
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
    ("casework.decide_forward_request", "POST"): "tests/casework/test_forward_four_eyes.py::"
    + "test_a_second_supervisor_decides_through_the_case_page",
    ("casework.record_forward_outcome", "POST"): _FW
    + "test_forward_then_record_the_outcome_through_the_page",
    ("casework.correct_reference", "POST"): _FW
    + "test_a_supervisor_corrects_a_mistyped_reference_sealed_and_unlogged",
    ("casework.archive", "POST"): _WF
    + "test_archiving_asks_first_saying_it_is_final_and_starts_retention",
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
    ("admin.reactivate", "POST"): _SF
    + "test_admin_creates_mails_resets_and_deactivates_an_account",
    ("admin.settings", "POST"): _SF + "test_admin_settings_checkbox_and_public_texts",
    ("admin.texts", "POST"): _SF + "test_admin_settings_checkbox_and_public_texts",
    ("auditor.log", "GET"): _SF + "test_auditor_filters_the_log",
    ("account_setup.page", "POST"): "tests/staff/test_account_setup.py::"
    "test_setup_refuses_a_weak_or_mismatched_password_and_keeps_the_link",
    # The custodians' Activations page posts the same form: tests/staff/
    # test_custodian_activation.py::test_approval_shares_the_earlier_identities_and_new_ones_...
    ("activation.approve", "POST"): _AC + "test_approval_is_audited_notified_and_new_reports_"
    "reach_the_approved",
    ("activation.share", "POST"): _AC
    + "test_share_gives_the_old_open_cases_and_not_closed_or_archived_ones",
    ("casework.request_identity", "POST"): _CF
    + "test_request_approve_read_and_the_reporter_sees_it",
    ("confidential.decide", "POST"): _CF + "test_request_approve_read_and_the_reporter_sees_it",
    ("followup.withdraw_identity", "POST"): _CF
    + "test_the_reporter_withdraws_before_anyone_opened_it",
    ("casework.request_export", "POST"): _EX + "test_export_with_the_passphrase_shown_once",
    ("casework.export_passphrase", "POST"): _EX + "test_export_with_the_passphrase_shown_once",
    ("casework.issue_export", "POST"): _EX
    + "test_export_to_a_public_key_opens_with_age_and_verifies",
    ("confidential.decide_export", "POST"): _EX + "test_export_with_the_passphrase_shown_once",
    ("casework.save_redaction", "POST"): _RD
    + "test_marking_by_hand_publishing_and_the_redacted_pdf",
    ("casework.decide_redaction", "POST"): _RD
    + "test_marking_by_hand_publishing_and_the_redacted_pdf",
}


def test_every_form_has_a_round_trip_test(tmp_path_factory: pytest.TempPathFactory) -> None:
    # The Indonesian crawl of every visitor (built once per test run and shared with the
    # raw-key and browser checks, tests/support/crawled_site.py).
    forms = crawled_site(tmp_path_factory).indonesian_forms
    missing = {key: sorted(pages) for key, pages in forms.items() if key not in COVERED}
    assert missing == {}, (
        "forms without a round-trip test (write one with tests/support/forms.py and add it "
        f"to COVERED): {missing}"
    )
    # The crawl reached the conditional forms too (so the list above is really checked).
    assert set(COVERED) <= set(forms), set(COVERED) - set(forms)


@pytest.mark.parametrize(("key", "test"), sorted(COVERED.items()))
def test_the_named_round_trip_tests_exist(key: tuple[str, str], test: str) -> None:
    path, name = test.split("::")
    source = (REPO / path).read_text(encoding="utf-8")
    assert re.search(rf"^def {re.escape(name)}\(", source, re.MULTILINE), (key, test)
