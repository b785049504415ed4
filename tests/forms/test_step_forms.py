"""The forms acting on a challenge after it is raised."""
from __future__ import annotations

import datetime as dt

import pytest

from forms.steps import AppendixAForm, ConversationForm, EscalateForm, ResolveForm, SatisfiedForm, WithdrawForm

AROSE = dt.date(2026, 11, 2)
TODAY = dt.date(2026, 11, 20)
STEP_STARTED = dt.date(2026, 11, 16)
SINCE = {"earliest": STEP_STARTED, "earliest_what": "the day step 2 started (16/11/2026)", "today": lambda: TODAY}


def conversation(submit, **changes):
    data = {"held_on": ["10", "11", "2026"], "with_whom": "Duty manager, social care", "notes": "Agreed to review."}
    return submit(ConversationForm, {**data, **changes}, earliest=AROSE, earliest_what="the day the concern arose",
                  today=lambda: TODAY)


def test_a_conversation_is_valid(submit):
    form = conversation(submit)
    assert form.errors == {} and form.held_on.data == dt.date(2026, 11, 10)


@pytest.mark.parametrize("changes, errors", [
    ({"held_on": ["", "", ""]}, {"held_on": ["Enter the date of the conversation"]}),
    ({"held_on": ["21", "11", "2026"]}, {"held_on": ["The date of the conversation must be today or in the past"]}),
    ({"held_on": ["1", "11", "2026"]},
     {"held_on": ["The date of the conversation must be on or after the day the concern arose"]}),
    ({"with_whom": ""}, {"with_whom": ["Enter who the conversation was with"]}),
    ({"notes": " "}, {"notes": ["Enter what was discussed and agreed"]}),
    ({"notes": "x" * 5001}, {"notes": ["What was discussed and agreed must be 5,000 characters or fewer"]}),
])
def test_conversation_rules(submit, changes, errors):
    assert conversation(submit, **changes).errors == errors


def test_a_conversation_held_before_the_challenge_was_recorded_is_accepted(submit):
    """Step 1 conversations often happen before anyone types the challenge in."""
    form = conversation(submit, held_on=["3", "11", "2026"])
    assert form.errors == {} and form.held_on.data == dt.date(2026, 11, 3)


RESOLVED = {"resolved_on": ["18", "11", "2026"], "what_was_done": "Met", "outcome": "Assessment booked",
            "how_resolved": "Agreed", "raiser_satisfied": "yes", "referred": "no"}


def test_resolving_asks_the_reporting_questions(submit):
    form = submit(ResolveForm, RESOLVED, ask_satisfied=True, **SINCE)
    assert form.errors == {} and form.resolved_on.data == dt.date(2026, 11, 18)
    assert submit(ResolveForm, {}, ask_satisfied=True, **SINCE).errors == {
        "resolved_on": ["Enter the date it was resolved"],
        "what_was_done": ["Enter what was done to address the challenge"],
        "outcome": ["Enter the outcome of these actions"],
        "how_resolved": ["Enter how the issue was resolved"],
        "raiser_satisfied": ["Select yes if the professional who raised it is satisfied"],
        "referred": ["Select yes if the issue was referred to the safeguarding partnership"],
    }
    assert submit(ResolveForm, {**RESOLVED, "referred": "maybe"}, ask_satisfied=True, **SINCE).errors == {
        "referred": ["Not a valid choice."]}


@pytest.mark.parametrize("day, errors", [
    (["20", "11", "2026"], {}),
    (["21", "11", "2026"], {"resolved_on": ["The date it was resolved must be today or in the past"]}),
    (["13", "11", "2026"], {"resolved_on": ["The date it was resolved must be on or after the day step 2 started "
                                            "(16/11/2026)"]}),
])
def test_a_resolution_carries_the_day_it_happened_not_before_the_step_nor_in_the_future(submit, day, errors):
    assert submit(ResolveForm, {**RESOLVED, "resolved_on": day}, ask_satisfied=True, **SINCE).errors == errors


def test_only_the_raiser_is_asked_whether_they_are_satisfied(submit):
    form = submit(ResolveForm, {k: v for k, v in RESOLVED.items() if k != "raiser_satisfied"}, ask_satisfied=False,
                  **SINCE)
    assert form.errors == {} and form.raiser_satisfied is None
    assert submit(SatisfiedForm, {}).errors == {"raiser_satisfied": ["Select yes if you are satisfied with the outcome"]}
    assert submit(SatisfiedForm, {"raiser_satisfied": "no"}).errors == {}


def test_the_date_offered_is_today_until_changed(submit):
    from werkzeug.datastructures import MultiDict
    from flask import Flask
    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", WTF_CSRF_ENABLED=False)
    with app.test_request_context(method="GET"):
        form = WithdrawForm(formdata=MultiDict(), **SINCE)
        assert form.withdrawn_on.data == TODAY


STEPS = [("3", "Step 3: Safeguarding Partnership representative"), ("4", "Step 4: Statutory Partners")]
ESCALATION = {"step": "3", "escalated_to": "Head of service", "escalated_to_email": "head@example.gov.uk",
              "reason": "No agreement at step 2", "escalated_on": ["19", "11", "2026"]}


def test_escalating_names_who_and_their_email(submit):
    assert submit(EscalateForm, ESCALATION, steps=STEPS, **SINCE).errors == {}
    assert submit(EscalateForm, {**ESCALATION, "escalated_to_email": "head@"}, steps=STEPS, **SINCE).errors == {
        "escalated_to_email": ["Enter their email address in the correct format, like name@example.org"]}
    assert submit(EscalateForm, {**ESCALATION, "escalated_to": ""}, steps=STEPS, **SINCE).errors == {
        "escalated_to": ["Enter who the challenge goes to"]}


def test_escalating_only_to_a_step_offered(submit):
    assert submit(EscalateForm, {**ESCALATION, "step": "2"}, steps=STEPS, **SINCE).errors == {
        "step": ["Select one of the steps shown"]}
    assert submit(EscalateForm, {**ESCALATION, "step": ""}, steps=STEPS, **SINCE).errors == {
        "step": ["Select the step it goes to"]}


def test_withdrawing_needs_a_reason(submit):
    day = {"withdrawn_on": ["20", "11", "2026"]}
    assert submit(WithdrawForm, {**day, "reason": "Raised in error"}, **SINCE).errors == {}
    assert submit(WithdrawForm, {**day, "reason": ""}, **SINCE).errors == {
        "reason": ["Enter why the challenge is being withdrawn"]}


def test_appendix_a_needs_each_representation_and_the_resolution(submit):
    assert submit(AppendixAForm, {}).errors == {
        "raiser_representation": ["Enter the written representation of the agency raising the challenge"],
        "other_representation": ["Enter the written representation of the agency being challenged"],
        "resolution_sought": ["Enter the resolution sought from the partnership"],
    }
