"""Durham's Compliance Challenge Form (seeds/004) and the records of its later stages."""
from __future__ import annotations

import uuid
from typing import Sequence

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
from forms.dates import GovDateField
from forms.widgets import CheckboxesInput, RadioInput
from forms.steps import EventForm, StepActionForm
from sheets.schema import COMPLIANCE_ISSUES


def _text(label: str, message: str, name: str, **kwargs) -> StringField:
    return StringField(label, widget=GovTextInput(), validators=[required(message), max_length(name, SHORT_TEXT)],
                       **kwargs)


def _email(label: str, message: str, **kwargs) -> StringField:
    return StringField(label, widget=GovTextInput(), validators=[required(message), *email_address(label)],
                       **kwargs)


def _long(label: str, message: str, name: str, **kwargs) -> TextAreaField:
    return TextAreaField(label, widget=GovCharacterCount(),
                         validators=[required(message), max_length(name, LONG_TEXT)], **kwargs)


class ComplianceChallengeForm(StrippedForm):
    """Sent by the IRO after the informal discussion (stage 1); starts stage 2."""

    family_reference = _text("Family or case reference", "Enter the family or case reference",
                             "The family or case reference",
                             description="The case number. Do not enter the family's name.")
    iro = _text("Independent Reviewing Officer (IRO)", "Enter the IRO's name", "The IRO's name")
    iro_email = _email("IRO's email address", "Enter the IRO's email address",
                       description="Business support may send the form on an IRO's behalf: they are its IRO")
    professional = _text("Professional",  # not a column
                         "Enter the name or role of the professional", "The professional")
    professional_agency = SelectField("Professional's agency", widget=GovSelect(), validate_choice=False,
                                      validators=[required("Select the professional's agency")])
    professional_email = StringField("Professional's email address (optional)", widget=GovTextInput(),
                                     validators=[Optional(), *email_address("Professional's email address")])
    line_manager = _text("Line manager", "Enter the line manager's name", "The line manager's name")  # not a column
    line_manager_email = _email("Line manager's email address", "Enter the line manager's email address")
    safeguarding_lead = _text("Name of Safeguarding Lead", "Enter the name of the Safeguarding Lead",
                              "The Safeguarding Lead's name")
    safeguarding_lead_email = StringField("Safeguarding Lead's email address (optional)", widget=GovTextInput(),
                                          validators=[Optional(), *email_address("Safeguarding Lead's email address")])
    issues = SelectMultipleField("Identified issue", widget=CheckboxesInput(),  # not a column
                                 choices=choices(COMPLIANCE_ISSUES), validate_choice=False,
                                 description="Select all that apply",
                                 validators=[required("Select at least one identified issue")])
    concern = _long("The IRO's concern and what we would like to see happening",
                    "Enter the IRO's concern and what you would like to see happening", "The concern")
    submission_id = HiddenField()
    submit = SubmitField("Send to the line manager", widget=GovSubmitInput())

    def __init__(self, *args, agencies: Sequence[str], on_behalf: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not on_behalf:
            # The IRO is the signed-in person.
            del self.iro_email
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
    """The line manager's response to the form (Durham's stage 2, within 3 working days).

    The response link records the response only: whether it resolves the issue is for the IRO.
    """

    response = _long("Your response", "Enter your response", "Your response",
                     description="What you have done or will do about the issue, and by when")
    submit = SubmitField("Send response", widget=GovSubmitInput())


class StageDecisionForm(EventForm):
    """After the line manager's response: does it resolve the issue, and when was that decided."""

    outcome = RadioField("Does the line manager's response resolve the issue?", widget=RadioInput(),
                         choices=RESOLVED_OR_PROGRESSED, validators=[required("Select whether the issue is resolved")])
    decided_on = GovDateField("When was this decided?", noun="the date it was decided",
                              description="For example, 27 3 2026")
    submit = SubmitField("Save the outcome", widget=GovSubmitInput())


class StageMeetingForm(EventForm):
    """A meeting stage: the meeting, its record (actions agreed and timescales) and what came of it."""

    meeting_on = GovDateField("Date of meeting", noun="the date of the meeting")
    record = _long("Record of the meeting, actions agreed and timescales",
                   "Enter the record of the meeting, actions agreed and timescales", "The record of the meeting")
    outcome = RadioField("Is the issue resolved?", widget=RadioInput(), choices=RESOLVED_OR_PROGRESSED,
                         validators=[required("Select whether the issue is resolved")])
    submit = SubmitField("Save the meeting", widget=GovSubmitInput())


class EscalationForm(EventForm):
    """The last stage: escalation to the partnership's executive, with the reasons."""

    reasons = _long("Reasons for escalation", "Enter the reasons for escalation", "The reasons for escalation")
    escalated_on = GovDateField("When was it escalated?", noun="the date it was escalated",
                                description="For example, 27 3 2026")
    submit = SubmitField("Escalate", widget=GovSubmitInput())
