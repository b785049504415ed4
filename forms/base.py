"""What every form shares: whitespace stripped from answers, and the rules written as instructions."""
from __future__ import annotations

import re
import weakref
from typing import Any, Sequence

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import Field, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from procedures.values import EMAIL_LENGTH, is_email_address

from sheets.schema import UNSTORABLE

# Long answers stay well under the spreadsheet's 50,000-character cell limit.
LONG_TEXT = 5000
SHORT_TEXT = 200
EMAIL_TEXT = EMAIL_LENGTH



def choices(pairs: Sequence[tuple[str, str]] | Sequence[str]) -> list[SelectChoice]:
    """Options for a select, radios or checkboxes, from (value, label) pairs or plain values."""
    return [SelectChoice(p) if isinstance(p, str) else SelectChoice(p[0], p[1]) for p in pairs]


YES_NO = choices([("yes", "Yes"), ("no", "No")])


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _storable(value: Any) -> Any:
    """Refuse an answer the spreadsheet could not keep as typed, rather than change it silently."""
    if isinstance(value, str) and UNSTORABLE.search(value):
        raise ValueError("Remove the invisible control characters from this answer (they were probably "
                         "pasted in): the spreadsheet cannot keep them")
    return value


class StrippedForm(FlaskForm):
    """A form whose text answers lose leading and trailing whitespace before validation, and which
    refuses characters the spreadsheet cannot hold."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = [_storable, _strip, *unbound_field.kwargs.get("filters", [])]
            bound = unbound_field.bind(form=form, filters=filters, **options)
            bound.get_form = weakref.ref(form)
            return bound


def required(message: str) -> DataRequired:
    """The answer must be given (whitespace alone is no answer); ``message`` says what to do."""
    return DataRequired(message=message)


def max_length(label: str, limit: int) -> Length:
    return Length(max=limit, message=f"{label} must be {limit:,} characters or fewer")


def email_address(label: str = "Email address") -> list:
    """An email address by the app's one rule (``procedures.values.is_email_address``)."""
    message = f"Enter {label.lower()} in the correct format, like name@example.org"

    def check(form: FlaskForm, field: Field) -> None:
        if field.data and not is_email_address(field.data):
            raise ValidationError(message)
    return [max_length(label, EMAIL_TEXT), check]


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def address_field(label: str, description: str, missing: str, called: str | None = None) -> StringField:
    """A person's address typed to find them (sign-in, signing out): trimmed and lower-cased, by the
    app's one rule; ``missing`` when blank, and "Enter ``called`` in the correct format" when wrong."""
    return StringField(label, description=description, widget=GovTextInput(), filters=[_lower],
                       validators=[InputRequired(message=missing), *email_address(called or label)])


class OneOf:
    """The answer is one of ``choices`` (shown lists may change between GET and POST)."""

    def __init__(self, choices: Sequence[str], message: str):
        self.choices, self.message = tuple(choices), message

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if field.data and field.data not in self.choices:
            raise ValidationError(self.message)


_NAME_LIKE = re.compile(r"^[A-Z][a-z'-]+(\s+[A-Z][a-z'-]+)+$")


def not_a_full_name(message: str):
    """Refuse an answer that looks like a person's full name (``Jane Smith``): a case reference is asked for."""

    def check(form: FlaskForm, field: Field) -> None:
        if field.data and _NAME_LIKE.match(field.data):
            raise ValidationError(message)
    return check
