"""Business support's form to end every session of one address (a lost laptop, someone who left)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length


def _normalise(value: str | None) -> str | None:
    return value.strip().lower() if isinstance(value, str) else value


class EndSessionsForm(FlaskForm):
    email = StringField(
        "Email address",
        description="Everyone signed in with this address is signed out, on every device.",
        widget=GovTextInput(),
        filters=[_normalise],
        validators=[
            InputRequired(message="Enter the email address to sign out"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(message="Enter an email address in the correct format, like name@example.org",
                  check_deliverability=False),
        ],
    )
    submit = SubmitField("Sign this address out everywhere", widget=GovSubmitInput())
