"""The sign-in form: one work email address, and where to go after signing in."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import HiddenField, SubmitField

from forms.base import address_field


class SignInForm(FlaskForm):
    """A person asks for a sign-in link; whether the address may sign in is decided elsewhere."""

    email = address_field("Your work email address",
                          "We will email you a link to sign in. The link works once, for 15 minutes.",
                          "Enter your work email address")
    next = HiddenField()
    submit = SubmitField("Send me a sign-in link", widget=GovSubmitInput())


class ContinueSignInForm(FlaskForm):
    """The one button that uses a sign-in link (a GET never does, so mail scanners cannot use it up)."""

    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ContinueToRespondForm(FlaskForm):
    """The one button that opens a line manager's response link (a GET never does)."""

    submit = SubmitField("Continue", widget=GovSubmitInput())
