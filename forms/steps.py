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


def happened_on(label: str, noun: str) -> GovDateField:
    """The day something happened, which may be before the day it is recorded."""
    return GovDateField(label, noun=noun, description="For example, 27 3 2026. Leave it as today's date if "
                                                      "it happened today.")


class EventForm(StepActionForm):
    """A form recording something that happened on a day: today by default, never in the future, and
    never before ``earliest`` (the day the concern arose, or the day the current step started)."""

    def __init__(self, *args, earliest: dt.date | None, earliest_what: str,
                 today: Callable[[], dt.date] = dt.date.today, **kwargs):
        super().__init__(*args, **kwargs)
        field = self._date_field()
        field.validators = [not_in_future(today), not_before(lambda: earliest, earliest_what)]
        if not field.raw_data and field.data is None:
            field.data = today()

    def _date_field(self) -> GovDateField:
        return next(f for f in self if isinstance(f, GovDateField))


class ConversationForm(EventForm):
    """A conversation held at the current step: who, when, what was said and agreed."""

    held_on = GovDateField("When did the conversation take place?", noun="the date of the conversation",
                           description="It may be before the challenge was recorded here.")
    with_whom = StringField("Who was it with?", widget=GovTextInput(),
                            description="Their name or role, and their agency",
                            validators=[required("Enter who the conversation was with"),
                                        max_length("Who it was with", SHORT_TEXT)])
    notes = _long("What was discussed and agreed?", "Enter what was discussed and agreed",
                  "What was discussed and agreed")
    submit = SubmitField("Save conversation", widget=GovSubmitInput())


SATISFIED = "Is the professional who raised the challenge satisfied with the outcome?"


class ResolveForm(EventForm):
    """The reporting questions a partnership asks of every resolved challenge (seeds/000).

    Only the raiser answers "satisfied" (business support may, on their behalf): for anyone
    else the question is left out and left for the raiser.
    """

    resolved_on = happened_on("When was it resolved?", "the date it was resolved")
    what_was_done = _long("What was done to address the challenge?",
                          "Enter what was done to address the challenge", "What was done")  # not a column
    outcome = _long("What was the outcome of these actions?", "Enter the outcome of these actions", "The outcome")
    how_resolved = _long("How was the issue resolved?", "Enter how the issue was resolved", "How it was resolved")
    raiser_satisfied = RadioField(
        SATISFIED, widget=RadioInput(),
        choices=YES_NO, validators=[required("Select yes if the professional who raised it is satisfied")])
    referred = RadioField(
        "Was the issue referred to the safeguarding partnership?", widget=RadioInput(), choices=YES_NO,
        validators=[required("Select yes if the issue was referred to the safeguarding partnership")])
    submit = SubmitField("Mark as resolved", widget=GovSubmitInput())

    def __init__(self, *args, ask_satisfied: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_satisfied:
            del self.raiser_satisfied


class SatisfiedForm(StrippedForm):
    """The raiser's answer, after someone else recorded the resolution."""

    raiser_satisfied = RadioField(
        "Are you satisfied with the outcome?", widget=RadioInput(), choices=YES_NO,
        validators=[required("Select yes if you are satisfied with the outcome")])
    submit = SubmitField("Save answer", widget=GovSubmitInput())


class EscalateForm(EventForm):
    """Move the challenge on to a later step, naming who it goes to."""

    escalated_on = happened_on("When was it escalated?", "the date it was escalated")
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


class WithdrawForm(EventForm):
    withdrawn_on = happened_on("When was it withdrawn?", "the date it was withdrawn")
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
