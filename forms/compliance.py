"""Durham's Compliance Challenge Form (seeds/004) and the records of its later stages."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Callable, Sequence

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional, ValidationError

from forms.base import (
    LONG_TEXT, SHORT_TEXT, OneOf, StrippedForm, choices, email_address, max_length, not_a_full_name, required,
)
from forms.dates import GovDateField, not_before, not_in_future
from forms.widgets import CheckboxesInput, RadioInput
from forms.steps import StepActionForm
from sheets.schema import COMPLIANCE_ISSUES


def _text(label: str, message: str, name: str, **kwargs) -> StringField:
    return StringField(label, widget=GovTextInput(), validators=[required(message), max_length(name, SHORT_TEXT)],
                       **kwargs)


def _email(label: str, message: str) -> StringField:
    return StringField(label, widget=GovTextInput(), validators=[required(message), *email_address(label)])


def _long(label: str, message: str, name: str, **kwargs) -> TextAreaField:
    return TextAreaField(label, widget=GovCharacterCount(),
                         validators=[required(message), max_length(name, LONG_TEXT)], **kwargs)


class ComplianceChallengeForm(StrippedForm):
    """Sent by the IRO after the informal discussion (stage 1); starts stage 2."""

    family_reference = _text("Family or case reference", "Enter the family or case reference",
                             "The family or case reference",
                             description="The case number. Do not enter the family's name.")
    iro = _text("Independent Reviewing Officer (IRO)", "Enter the IRO's name", "The IRO's name")
    iro_email = _email("IRO's email address", "Enter the IRO's email address")
    professional = _text("Professional", "Enter the name or role of the professional", "The professional")
    professional_agency = SelectField("Professional's agency", widget=GovSelect(), validate_choice=False,
                                      validators=[required("Select the professional's agency")])
    professional_email = StringField("Professional's email address (optional)", widget=GovTextInput(),
                                     validators=[Optional(), *email_address("Professional's email address")])
    line_manager = _text("Line manager", "Enter the line manager's name", "The line manager's name")
    line_manager_email = _email("Line manager's email address", "Enter the line manager's email address")
    safeguarding_lead = _text("Name of Safeguarding Lead", "Enter the name of the Safeguarding Lead",
                              "The Safeguarding Lead's name")
    safeguarding_lead_email = StringField("Safeguarding Lead's email address (optional)", widget=GovTextInput(),
                                          validators=[Optional(), *email_address("Safeguarding Lead's email address")])
    issues = SelectMultipleField("Identified issue", widget=CheckboxesInput(),
                                 choices=choices(COMPLIANCE_ISSUES), validate_choice=False,
                                 description="Select all that apply",
                                 validators=[required("Select at least one identified issue")])
    concern = _long("The IRO's concern and what we would like to see happening",
                    "Enter the IRO's concern and what you would like to see happening", "The concern")
    submission_id = HiddenField()
    submit = SubmitField("Send to the line manager", widget=GovSubmitInput())

    def __init__(self, *args, agencies: Sequence[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.professional_agency.choices = choices([("", "Choose an agency"), *agencies])
        self.professional_agency.validators = [*self.professional_agency.validators,
                                               OneOf(agencies, "Select the professional's agency from the list")]
        self.family_reference.validators = [*self.family_reference.validators,
                                            not_a_full_name("Enter a case reference, not the family's name")]
        if not self.submission_id.data:
            self.submission_id.data = uuid.uuid4().hex

    def validate_issues(self, field: SelectMultipleField) -> None:
        if any(value not in COMPLIANCE_ISSUES for value in field.data or ()):
            raise ValidationError("Select identified issues from the list")


RESOLVED_OR_PROGRESSED = choices([("resolved", "Resolved"), ("progress", "Not resolved: go to the next stage")])


class LineManagerResponseForm(StepActionForm):
    """Stage 2: the line manager's response, within 3 working days."""

    response = _long("Your response", "Enter your response", "Your response",
                     description="What you have done or will do about the issue, and by when")
    outcome = RadioField("Is the issue resolved?", widget=RadioInput(),
                         choices=choices([("resolved", "Yes, it is resolved"),
                                          ("progress", "No, it needs a meeting with the Safeguarding Lead (stage 3)")]),
                         validators=[required("Select whether the issue is resolved")])
    submit = SubmitField("Send response", widget=GovSubmitInput())


class StageMeetingForm(StepActionForm):
    """Stages 3 and 4: the meeting, its record (actions agreed and timescales) and what came of it."""

    meeting_on = GovDateField("Date of meeting", noun="the date of the meeting")
    record = _long("Record of the meeting, actions agreed and timescales",
                   "Enter the record of the meeting, actions agreed and timescales", "The record of the meeting")
    outcome = RadioField("Is the issue resolved?", widget=RadioInput(), choices=RESOLVED_OR_PROGRESSED,
                         validators=[required("Select whether the issue is resolved")])
    submit = SubmitField("Save the meeting", widget=GovSubmitInput())

    def __init__(self, *args, raised_on: dt.date | None, today: Callable[[], dt.date] = dt.date.today, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting_on.validators = [not_in_future(today),
                                      not_before(lambda: raised_on, "the day the form was sent")]


class EscalationForm(StepActionForm):
    """Stage 5: escalation to the partnership's executive, with the reasons."""

    reasons = _long("Reasons for escalation", "Enter the reasons for escalation", "The reasons for escalation")
    submit = SubmitField("Escalate", widget=GovSubmitInput())
