"""The sign-in form: one work email address, and where to go after signing in."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import InputRequired

from forms.base import email_address


def _normalise(value: str | None) -> str | None:
    return value.strip().lower() if isinstance(value, str) else value


class SignInForm(FlaskForm):
    """A person asks for a sign-in link; whether the address may sign in is decided elsewhere."""

    email = StringField(
        "Your work email address",
        description="We will email you a link to sign in. The link works once, for 15 minutes.",
        widget=GovTextInput(),
        filters=[_normalise],
        validators=[InputRequired(message="Enter your work email address"),
                    *email_address("Your work email address")],
    )
    next = HiddenField()
    submit = SubmitField("Send me a sign-in link", widget=GovSubmitInput())


class ContinueSignInForm(FlaskForm):
    """The one button that uses a sign-in link (a GET never does, so mail scanners cannot use it up)."""

    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ContinueToRespondForm(FlaskForm):
    """The one button that opens a line manager's response link (a GET never does)."""

    submit = SubmitField("Continue", widget=GovSubmitInput())
