"""Raise a challenge: the step 1 record."""
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
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from forms.base import (
    LONG_TEXT,
    SHORT_TEXT,
    YES_NO,
    choices,
    OneOf,
    StrippedForm,
    email_address,
    max_length,
    not_a_full_name,
    required,
)
from forms.dates import GovDateField, not_in_future
from forms.widgets import RadioInput

CHILD_OR_ADULT = choices([("Child", "A child or young person"), ("Adult at risk", "An adult at risk")])
CASE_REFERENCE_TEXT = 50


class RaiseChallengeForm(StrippedForm):
    """Everything the raiser tells us at step 1. Agencies and themes come from the Lists tab."""

    immediate_risk = RadioField(
        "Is anyone at immediate risk of harm?",
        widget=RadioInput(),
        choices=YES_NO,
        validators=[required("Select yes if anyone is at immediate risk of harm")],
    )
    raiser_name = StringField("Your name", widget=GovTextInput(), validators=[
        required("Enter your name"), max_length("Your name", SHORT_TEXT)])
    raiser_role = StringField("Your role", widget=GovTextInput(), validators=[
        required("Enter your role"), max_length("Your role", SHORT_TEXT)])
    raiser_agency = SelectField("Your agency", widget=GovSelect(), validate_choice=False,
                                validators=[required("Select your agency")])
    on_behalf_of = StringField(
        "Email address of the professional raising it", widget=GovTextInput(),
        description="Business support may raise a challenge on a professional's behalf: they are the raiser, "
                    "and the History says you recorded it",
        validators=[required("Enter the email address of the professional raising the challenge"),
                    *email_address("The raiser's email address")])
    line_manager_email = StringField(
        "Your line manager's email address", widget=GovTextInput(),
        validators=[required("Enter your line manager's email address"),
                    *email_address("Your line manager's email address")])
    other_agency = SelectField("The agency whose decision you are challenging", widget=GovSelect(),
                               validate_choice=False,
                               validators=[required("Select the agency whose decision you are challenging")])
    other_professional = StringField(
        "The professional's name or role", widget=GovTextInput(),
        validators=[required("Enter the name or role of the professional whose decision you are challenging"),
                    max_length("The professional's name or role", SHORT_TEXT)])
    other_professional_email = StringField(
        "The professional's email address (optional)", widget=GovTextInput(),
        description="They are told about the challenge straight away, and reminded at step 1",
        validators=[Optional(), *email_address("The professional's email address")])
    other_line_manager_email = StringField(
        "Their line manager's email address (optional)", widget=GovTextInput(),
        description="They are told if the challenge is escalated to line managers",
        validators=[Optional(), *email_address("Their line manager's email address")])
    child_or_adult = RadioField(
        "Who does the concern relate to?", widget=RadioInput(), choices=CHILD_OR_ADULT,
        validators=[required("Select whether the concern is about a child or an adult at risk")])
    case_reference = StringField(
        "Case reference", widget=GovTextInput(),  # not a column
        description="The case or record number your agency uses. Do not enter the person's name.",
        validators=[required("Enter the case reference"),
                    max_length("Case reference", CASE_REFERENCE_TEXT),  # not a column
                    not_a_full_name("Enter a case reference, not the person's name")])
    theme = RadioField("What is the challenge about?", widget=RadioInput(), validate_choice=False,
                       validators=[required("Select what the challenge is about")])
    decision = TextAreaField(
        "What decision or action are you challenging?", widget=GovCharacterCount(),
        validators=[required("Enter the decision or action you are challenging"),
                    max_length("The decision or action", LONG_TEXT)])
    outcome_sought = TextAreaField(
        "What do you want to happen?", widget=GovCharacterCount(),
        validators=[required("Enter what you want to happen"),
                    max_length("What you want to happen", LONG_TEXT)])
    concern_arose = GovDateField("When did the concern arise?", noun="the date the concern arose",
                                 description="For example, 27 3 2026")
    submission_id = HiddenField()
    submit = SubmitField("Send challenge", widget=GovSubmitInput())

    def __init__(self, *args, agencies: Sequence[str], themes: Sequence[str],
                 today: Callable[[], dt.date] = dt.date.today, on_behalf: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not on_behalf:
            # The raiser is the signed-in person; only business support raise for someone else.
            del self.on_behalf_of
        agency_choices = choices([("", "Choose an agency"), *agencies])
        self.raiser_agency.choices = agency_choices
        self.other_agency.choices = agency_choices
        self.raiser_agency.validators = [*self.raiser_agency.validators,
                                         OneOf(agencies, "Select your agency from the list")]
        self.other_agency.validators = [*self.other_agency.validators,
                                        OneOf(agencies, "Select the agency from the list")]
        self.theme.choices = choices(themes)
        self.theme.validators = [*self.theme.validators,
                                 OneOf(themes, "Select what the challenge is about from the list")]
        self.concern_arose.validators = [not_in_future(today)]
        if not self.submission_id.data:
            self.submission_id.data = uuid.uuid4().hex

    @property
    def at_immediate_risk(self) -> bool:
        return self.immediate_risk.data == "yes"
