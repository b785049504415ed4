"""Business support end every session of one address, on every instance (``/<slug>/sessions``)."""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, flash, redirect, render_template, url_for

from forms.sessions import EndSessionsForm
from state import store_for
from views.auth import business_support_required, current_user
from views.partnership import get_partnership

bp = Blueprint("sessions", __name__, url_prefix="/<slug>")
logger = logging.getLogger(__name__)


@bp.route("/sessions", methods=["GET", "POST"])
@business_support_required
def end_sessions(slug: str):
    partnership = get_partnership(slug)
    form = EndSessionsForm()
    if form.validate_on_submit():
        email = form.email.data
        ended = store_for(current_app.config).end_sessions_of(email)
        logger.info("business support at %s ended %d sessions of an address", slug, ended)
        flash(f"{ended} session{'' if ended == 1 else 's'} of {email} ended. "
              f"They must sign in again with a new link.", "success")
        if email == current_user().email:
            return redirect(url_for("auth.sign_in", slug=slug))
        return redirect(url_for("sessions.end_sessions", slug=slug))
    status = 400 if form.errors else 200
    return render_template("auth/sessions.html", form=form, partnership=partnership), status
