"""What happens to a challenge after it is raised: a conversation, resolution, escalation, withdrawal."""
from __future__ import annotations

import datetime as dt
from typing import Callable, Sequence

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, StringField, SubmitField, TextAreaField

from forms.base import LONG_TEXT, SHORT_TEXT, YES_NO, OneOf, choices, StrippedForm, email_address, max_length, required
from forms.dates import GovDateField, not_before, not_in_future
from forms.widgets import RadioInput


def _long(label: str, message: str, name: str) -> TextAreaField:
    return TextAreaField(label, widget=GovCharacterCount(), validators=[required(message), max_length(name, LONG_TEXT)])


class StepActionForm(StrippedForm):
    """A form acting on a challenge at one step: ``at_step`` notices that it moved on meanwhile."""

    at_step = HiddenField()


class ConversationForm(StepActionForm):
    """A conversation held at the current step: who, when, what was said and agreed."""

    held_on = GovDateField("When did the conversation take place?", noun="the date of the conversation")
    with_whom = StringField("Who was it with?", widget=GovTextInput(),
                            description="Their name or role, and their agency",
                            validators=[required("Enter who the conversation was with"),
                                        max_length("Who it was with", SHORT_TEXT)])
    notes = _long("What was discussed and agreed?", "Enter what was discussed and agreed",
                  "What was discussed and agreed")
    submit = SubmitField("Save conversation", widget=GovSubmitInput())

    def __init__(self, *args, raised_on: dt.date | None, today: Callable[[], dt.date] = dt.date.today, **kwargs):
        super().__init__(*args, **kwargs)
        self.held_on.validators = [not_in_future(today),
                                   not_before(lambda: raised_on, "the day the challenge was raised")]


class ResolveForm(StepActionForm):
    """The reporting questions a partnership asks of every resolved challenge (seeds/000)."""

    what_was_done = _long("What was done to address the challenge?",
                          "Enter what was done to address the challenge", "What was done")
    outcome = _long("What was the outcome of these actions?", "Enter the outcome of these actions", "The outcome")
    how_resolved = _long("How was the issue resolved?", "Enter how the issue was resolved", "How it was resolved")
    raiser_satisfied = RadioField(
        "Is the professional who raised the challenge satisfied with the outcome?", widget=RadioInput(),
        choices=YES_NO, validators=[required("Select yes if the professional who raised it is satisfied")])
    referred = RadioField(
        "Was the issue referred to the safeguarding partnership?", widget=RadioInput(), choices=YES_NO,
        validators=[required("Select yes if the issue was referred to the safeguarding partnership")])
    submit = SubmitField("Mark as resolved", widget=GovSubmitInput())


class EscalateForm(StepActionForm):
    """Move the challenge on to a later step, naming who it goes to."""

    step = RadioField("Which step does it go to?", widget=RadioInput(), validate_choice=False,
                      validators=[required("Select the step it goes to")])
    escalated_to = StringField("Who does it go to?", widget=GovTextInput(),
                               description="Their name and role",
                               validators=[required("Enter who the challenge goes to"),
                                           max_length("Who it goes to", SHORT_TEXT)])
    escalated_to_email = StringField("Their email address", widget=GovTextInput(),
                                     validators=[required("Enter their email address"),
                                                 *email_address("Their email address")])
    reason = _long("Why does it need to go further?", "Enter why it needs to go further", "The reason")
    submit = SubmitField("Escalate", widget=GovSubmitInput())

    def __init__(self, *args, steps: Sequence[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.step.choices = choices(steps)
        self.step.validators = [*self.step.validators,
                                OneOf([value for value, _ in steps], "Select one of the steps shown")]
        if len(steps) == 1 and not self.step.data:
            self.step.data = steps[0][0]


class WithdrawForm(StepActionForm):
    reason = _long("Why is the challenge being withdrawn?", "Enter why the challenge is being withdrawn",
                   "The reason")
    submit = SubmitField("Withdraw challenge", widget=GovSubmitInput())


class AppendixAForm(StrippedForm):
    """Pan Cheshire Appendix A: each agency's written representation and the resolution sought."""

    raiser_representation = _long("Written representation of the agency raising the challenge",
                                  "Enter the written representation of the agency raising the challenge",
                                  "The raising agency's representation")
    other_representation = _long("Written representation of the agency being challenged",
                                 "Enter the written representation of the agency being challenged",
                                 "The other agency's representation")
    resolution_sought = _long("What resolution is sought from the partnership?",
                              "Enter the resolution sought from the partnership", "The resolution sought")
    submit = SubmitField("Save Appendix A", widget=GovSubmitInput())
