"""Business support's form to end every session of one address (a lost laptop, someone who left)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from forms.base import address_field


class EndSessionsForm(FlaskForm):
    email = address_field("Email address", "Everyone signed in with this address is signed out, on every device.",
                          "Enter the email address to sign out", called="an email address")
    submit = SubmitField("Sign this address out everywhere", widget=GovSubmitInput())
