"""Business support's search for a person's data (a subject access request)."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import ValidationError

from forms.base import StrippedForm, max_length, required
from sheets.search import MINIMUM, normalise


def _long_enough(form, field) -> None:
    if field.data and len(normalise(field.data)) < MINIMUM:
        raise ValidationError(f"Enter at least {MINIMUM} characters of an email address or name")


class SubjectAccessForm(StrippedForm):
    """What to search for: an email address or a name."""

    term = StringField(
        "Email address or name",
        description="Every tab of the spreadsheet is searched, ignoring capitals: "
                    "for example sam.jones@example.nhs.uk or Sam Jones.",
        widget=GovTextInput(),
        validators=[required("Enter an email address or name to search for"), _long_enough,
                    max_length("Email address or name", 254)],
    )
    submit = SubmitField("Search", widget=GovSubmitInput())


class DownloadForm(StrippedForm):
    """The download buttons under the results: the search again, as a file."""

    term = HiddenField(validators=[required("Search again, then download"), _long_enough])
