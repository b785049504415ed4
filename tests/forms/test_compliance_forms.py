"""Durham's Compliance Challenge Form and the records of its stages."""
from __future__ import annotations

import datetime as dt

import pytest

from forms.compliance import (
    ComplianceChallengeForm, EscalationForm, LineManagerResponseForm, StageDecisionForm, StageMeetingForm,
)
from sheets.schema import COMPLIANCE_ISSUES

AGENCIES = ("Health", "Education")
GOOD = {
    "family_reference": "FAM-0042",
    "iro": "Alex IRO",
    "iro_email": "alex.iro@demo-partnership.example",
    "professional": "School nurse",
    "professional_agency": "Health",
    "line_manager": "Nurse manager",
    "line_manager_email": "manager@example.nhs.uk",
    "safeguarding_lead": "Named nurse",
    "issues": [COMPLIANCE_ISSUES[0], COMPLIANCE_ISSUES[4]],
    "concern": "Reports are late; we would like them 3 days before the conference.",
}


def compliance(submit, **changes):
    """As business support fill it in, on an IRO's behalf (the IRO's own form does not ask their address)."""
    return submit(ComplianceChallengeForm, {**GOOD, **changes}, agencies=AGENCIES, on_behalf=True)


def test_the_iro_is_not_asked_their_own_address(submit):
    form = submit(ComplianceChallengeForm, {k: v for k, v in GOOD.items() if k != "iro_email"}, agencies=AGENCIES)
    assert form.errors == {} and form.iro_email is None


def test_a_complete_form_is_valid(submit):
    form = compliance(submit)
    assert form.errors == {}
    assert form.issues.data == [COMPLIANCE_ISSUES[0], COMPLIANCE_ISSUES[4]]


@pytest.mark.parametrize("field, message", [
    ("family_reference", "Enter the family or case reference"),
    ("iro", "Enter the IRO's name"),
    ("iro_email", "Enter the IRO's email address"),
    ("professional", "Enter the name or role of the professional"),
    ("professional_agency", "Select the professional's agency"),
    ("line_manager", "Enter the line manager's name"),
    ("line_manager_email", "Enter the line manager's email address"),
    ("safeguarding_lead", "Enter the name of the Safeguarding Lead"),
    ("issues", "Select at least one identified issue"),
    ("concern", "Enter the IRO's concern and what you would like to see happening"),
])
def test_each_required_answer_has_its_own_instruction(submit, field, message):
    assert compliance(submit, **{field: [] if field == "issues" else ""}).errors == {field: [message]}


def test_issues_are_limited_to_the_forms_list(submit):
    assert compliance(submit, issues=["Something invented"]).errors == {
        "issues": ["Select identified issues from the list"]}


def test_agency_is_limited_to_the_list_and_emails_must_be_emails(submit):
    assert compliance(submit, professional_agency="Nobody").errors == {
        "professional_agency": ["Select the professional's agency from the list"]}
    assert compliance(submit, line_manager_email="manager at nhs").errors == {
        "line_manager_email": ["Enter line manager's email address in the correct format, like name@example.org"]}


def test_a_family_name_is_not_a_reference(submit):
    assert compliance(submit, family_reference="Jane Smith").errors == {
        "family_reference": ["Enter a case reference, not the family's name"]}


def test_the_line_managers_response_is_their_response_only(submit):
    """Whether it resolves the issue is the IRO's to record (StageDecisionForm), not the link holder's."""
    assert submit(LineManagerResponseForm, {"response": "Report sent today"}).errors == {}
    assert submit(LineManagerResponseForm, {}).errors == {"response": ["Enter your response"]}
    assert not hasattr(LineManagerResponseForm, "outcome")


TODAY = lambda: dt.date(2026, 11, 20)  # noqa: E731
SINCE = {"earliest": dt.date(2026, 11, 16), "earliest_what": "the day stage 3 started (16/11/2026)", "today": TODAY}


def test_a_stage_meeting(submit):
    good = {"meeting_on": ["19", "11", "2026"], "record": "Actions: report by Friday", "outcome": "progress"}
    assert submit(StageMeetingForm, good, **SINCE).errors == {}
    assert submit(StageMeetingForm, {**good, "meeting_on": ["15", "11", "2026"]}, **SINCE).errors == {
        "meeting_on": ["The date of the meeting must be on or after the day stage 3 started (16/11/2026)"]}
    assert submit(StageMeetingForm, {}, **SINCE).errors == {
        "meeting_on": ["Enter the date of the meeting"],
        "record": ["Enter the record of the meeting, actions agreed and timescales"],
        "outcome": ["Select whether the issue is resolved"]}


def test_the_iros_decision_on_the_response(submit):
    assert submit(StageDecisionForm, {"outcome": "resolved", "decided_on": ["20", "11", "2026"]}, **SINCE).errors == {}
    assert submit(StageDecisionForm, {"outcome": "", "decided_on": ["21", "11", "2026"]}, **SINCE).errors == {
        "outcome": ["Select whether the issue is resolved"],
        "decided_on": ["The date it was decided must be today or in the past"]}


def test_escalation_needs_reasons_and_its_day(submit):
    day = {"escalated_on": ["20", "11", "2026"]}
    assert submit(EscalationForm, {**day, "reasons": ""}, **SINCE).errors == {
        "reasons": ["Enter the reasons for escalation"]}
    assert submit(EscalationForm, {**day, "reasons": "Still absent"}, **SINCE).errors == {}
