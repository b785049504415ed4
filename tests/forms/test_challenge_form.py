"""Raise a challenge: every rule, each with its own instruction."""
from __future__ import annotations

import datetime as dt

import pytest

from forms.challenge import RaiseChallengeForm

AGENCIES = ("Health", "Police", "Children's social care")
THEMES = ("Timeliness", "Information sharing", "Other")
TODAY = dt.date(2026, 11, 20)

GOOD = {
    "immediate_risk": "no",
    "raiser_name": "Sam Jones",
    "raiser_role": "Health visitor",
    "raiser_agency": "Health",
    "line_manager_email": "lead@example.nhs.uk",
    "other_agency": "Children's social care",
    "other_professional": "Duty social worker",
    "other_professional_email": "",
    "child_or_adult": "Child",
    "case_reference": "CS-12345",
    "theme": "Timeliness",
    "decision": "The referral was closed with no assessment.",
    "outcome_sought": "An assessment within 10 days.",
    "concern_arose": ["18", "11", "2026"],
    "submission_id": "abc123",
}


def raise_form(submit, **changes):
    return submit(RaiseChallengeForm, {**GOOD, **changes}, agencies=AGENCIES, themes=THEMES, today=lambda: TODAY)


def test_a_complete_answer_is_valid(submit):
    form = raise_form(submit)
    assert form.errors == {}
    assert form.concern_arose.data == dt.date(2026, 11, 18)


@pytest.mark.parametrize("field, message", [
    ("immediate_risk", "Select yes if anyone is at immediate risk of harm"),
    ("raiser_name", "Enter your name"),
    ("raiser_role", "Enter your role"),
    ("raiser_agency", "Select your agency"),
    ("line_manager_email", "Enter your line manager's email address"),
    ("other_agency", "Select the agency whose decision you are challenging"),
    ("other_professional", "Enter the name or role of the professional whose decision you are challenging"),
    ("child_or_adult", "Select whether the concern is about a child or an adult at risk"),
    ("case_reference", "Enter the case reference"),
    ("theme", "Select what the challenge is about"),
    ("decision", "Enter the decision or action you are challenging"),
    ("outcome_sought", "Enter what you want to happen"),
])
def test_each_required_answer_has_its_own_instruction(submit, field, message):
    form = raise_form(submit, **{field: ""})
    assert form.errors == {field: [message]}


def test_whitespace_only_counts_as_blank_and_answers_are_stripped(submit):
    form = raise_form(submit, raiser_name="   ", raiser_role="  Nurse  ")
    assert form.errors == {"raiser_name": ["Enter your name"]}
    assert form.raiser_role.data == "Nurse"


def test_the_date_is_required_and_not_in_the_future(submit):
    assert raise_form(submit, concern_arose=["", "", ""]).errors == {
        "concern_arose": ["Enter the date the concern arose"]}
    assert raise_form(submit, concern_arose=["21", "11", "2026"]).errors == {
        "concern_arose": ["The date the concern arose must be today or in the past"]}


@pytest.mark.parametrize("field, message", [
    ("other_line_manager_email", "Enter their line manager's email address in the correct format, like name@example.org"),
    ("line_manager_email", "Enter your line manager's email address in the correct format, like name@example.org"),
    ("other_professional_email", "Enter the professional's email address in the correct format, like name@example.org"),
])
def test_email_addresses_must_look_like_one(submit, field, message):
    assert raise_form(submit, **{field: "not an email"}).errors == {field: [message]}


def test_the_other_professionals_email_is_optional(submit):
    assert raise_form(submit, other_professional_email="").errors == {}


@pytest.mark.parametrize("field, value, message", [
    ("raiser_agency", "Hackers Ltd", "Select your agency from the list"),
    ("other_agency", "Hackers Ltd", "Select the agency from the list"),
    ("theme", "Something else", "Select what the challenge is about from the list"),
    ("child_or_adult", "Dog", "Not a valid choice."),
])
def test_choices_are_limited_to_the_list(submit, field, value, message):
    assert raise_form(submit, **{field: value}).errors == {field: [message]}


@pytest.mark.parametrize("field, limit, message", [
    ("raiser_name", 200, "Your name must be 200 characters or fewer"),
    ("decision", 5000, "The decision or action must be 5,000 characters or fewer"),
    ("outcome_sought", 5000, "What you want to happen must be 5,000 characters or fewer"),
    ("case_reference", 50, "Case reference must be 50 characters or fewer"),
])
def test_answers_have_length_limits_well_under_a_cell(submit, field, limit, message):
    assert raise_form(submit, **{field: "x" * limit}).errors == {}
    assert raise_form(submit, **{field: "x" * (limit + 1)}).errors == {field: [message]}


def test_a_case_reference_that_looks_like_a_full_name_is_refused(submit):
    assert raise_form(submit, case_reference="Jane Smith").errors == {
        "case_reference": ["Enter a case reference, not the person's name"]}
    assert raise_form(submit, case_reference="SMITH-2026-04").errors == {}


def test_text_that_looks_like_a_formula_or_html_is_accepted_as_typed(submit):
    form = raise_form(submit, decision='=HYPERLINK("http://x","y")', outcome_sought="<script>alert(1)</script>")
    assert form.errors == {}
    assert form.decision.data == '=HYPERLINK("http://x","y")'


def test_immediate_risk_is_told_apart(submit):
    assert raise_form(submit, immediate_risk="yes").at_immediate_risk
    assert not raise_form(submit).at_immediate_risk


def test_a_new_form_gets_a_submission_id_and_a_sent_one_keeps_its_own(submit):
    assert raise_form(submit).submission_id.data == "abc123"
    assert len(raise_form(submit, submission_id="").submission_id.data) == 32


def test_agencies_and_themes_come_from_the_lists_given(submit):
    form = raise_form(submit)
    assert [c.value for c in form.raiser_agency.choices] == ["", *AGENCIES]
    assert [c.value for c in form.theme.choices] == list(THEMES)
