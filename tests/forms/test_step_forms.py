"""The forms acting on a challenge after it is raised."""
from __future__ import annotations

import datetime as dt

import pytest

from forms.steps import AppendixAForm, ConversationForm, EscalateForm, ResolveForm, WithdrawForm

RAISED = dt.date(2026, 11, 2)
TODAY = dt.date(2026, 11, 20)


def conversation(submit, **changes):
    data = {"held_on": ["10", "11", "2026"], "with_whom": "Duty manager, social care", "notes": "Agreed to review."}
    return submit(ConversationForm, {**data, **changes}, raised_on=RAISED, today=lambda: TODAY)


def test_a_conversation_is_valid(submit):
    form = conversation(submit)
    assert form.errors == {} and form.held_on.data == dt.date(2026, 11, 10)


@pytest.mark.parametrize("changes, errors", [
    ({"held_on": ["", "", ""]}, {"held_on": ["Enter the date of the conversation"]}),
    ({"held_on": ["21", "11", "2026"]}, {"held_on": ["The date of the conversation must be today or in the past"]}),
    ({"held_on": ["1", "11", "2026"]},
     {"held_on": ["The date of the conversation must be on or after the day the challenge was raised"]}),
    ({"with_whom": ""}, {"with_whom": ["Enter who the conversation was with"]}),
    ({"notes": " "}, {"notes": ["Enter what was discussed and agreed"]}),
    ({"notes": "x" * 5001}, {"notes": ["What was discussed and agreed must be 5,000 characters or fewer"]}),
])
def test_conversation_rules(submit, changes, errors):
    assert conversation(submit, **changes).errors == errors


RESOLVED = {"what_was_done": "Met", "outcome": "Assessment booked", "how_resolved": "Agreed", "raiser_satisfied": "yes",
            "referred": "no"}


def test_resolving_asks_the_reporting_questions(submit):
    assert submit(ResolveForm, RESOLVED).errors == {}
    assert submit(ResolveForm, {}).errors == {
        "what_was_done": ["Enter what was done to address the challenge"],
        "outcome": ["Enter the outcome of these actions"],
        "how_resolved": ["Enter how the issue was resolved"],
        "raiser_satisfied": ["Select yes if the professional who raised it is satisfied"],
        "referred": ["Select yes if the issue was referred to the safeguarding partnership"],
    }
    assert submit(ResolveForm, {**RESOLVED, "referred": "maybe"}).errors == {"referred": ["Not a valid choice."]}


STEPS = [("3", "Step 3: Safeguarding Partnership representative"), ("4", "Step 4: Statutory Partners")]
ESCALATION = {"step": "3", "escalated_to": "Head of service", "escalated_to_email": "head@example.gov.uk",
              "reason": "No agreement at step 2"}


def test_escalating_names_who_and_their_email(submit):
    assert submit(EscalateForm, ESCALATION, steps=STEPS).errors == {}
    assert submit(EscalateForm, {**ESCALATION, "escalated_to_email": "head@"}, steps=STEPS).errors == {
        "escalated_to_email": ["Enter their email address in the correct format, like name@example.org"]}
    assert submit(EscalateForm, {**ESCALATION, "escalated_to": ""}, steps=STEPS).errors == {
        "escalated_to": ["Enter who the challenge goes to"]}


def test_escalating_only_to_a_step_offered(submit):
    assert submit(EscalateForm, {**ESCALATION, "step": "2"}, steps=STEPS).errors == {
        "step": ["Select one of the steps shown"]}
    assert submit(EscalateForm, {**ESCALATION, "step": ""}, steps=STEPS).errors == {
        "step": ["Select the step it goes to"]}


def test_withdrawing_needs_a_reason(submit):
    assert submit(WithdrawForm, {"reason": "Raised in error"}).errors == {}
    assert submit(WithdrawForm, {"reason": ""}).errors == {"reason": ["Enter why the challenge is being withdrawn"]}


def test_appendix_a_needs_each_representation_and_the_resolution(submit):
    assert submit(AppendixAForm, {}).errors == {
        "raiser_representation": ["Enter the written representation of the agency raising the challenge"],
        "other_representation": ["Enter the written representation of the agency being challenged"],
        "resolution_sought": ["Enter the resolution sought from the partnership"],
    }
