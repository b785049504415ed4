"""The line manager's way in through an emailed response link: a button step, and an end.

Opening the link (GET) changes nothing and shows one button, as a sign-in link does, so a mail
scanner, or a page that makes someone's browser open the link, signs nobody in and replaces
nobody's session. The button (POST, with the page's CSRF token) signs the holder in for that
one challenge. The link ends when the response is recorded: from then on it says a response
has been recorded and shows nothing of the case. It also ends on its last day (the stage's
deadline plus a few working days, see ``views.response_link.last_day``).
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

from flask import current_app, flash, redirect, render_template, request
from flask.typing import ResponseReturnValue

from forms.sign_in import ContinueToRespondForm
from partnership.config import Partnership
from views import formatting
from views.auth import User, current_user, sign_in, sign_out
from views.response_link import LinkRefused, ResponseLink, read_token
from state import store_for

RESPONDER = "responder"
SPENT = "response-link"  # the state store's kind for challenges whose response links have done their job


def _spent_key(slug: str, reference: str) -> str:
    return f"{slug}:{reference}"


def enter(partnership: Partnership, reference: str, token: str,
          waiting: Callable[[], bool]) -> tuple[ResponseLink | None, ResponseReturnValue | None]:
    """``(link, None)`` when this session holds the link's one-challenge sign-in and the view may
    show or take the response; otherwise ``(None, page)``: a refusal, "already responded", the
    button, or (after the button) the redirect to the response form.

    ``waiting()`` says whether the challenge still waits for this response (read from the sheet).
    """
    try:
        link = read_token(current_app.config["SECRET_KEY"], token, slug=partnership.slug,
                          reference=reference, today=formatting.today())
    except LinkRefused as e:
        expired = "expired" in str(e)
        return None, (render_template("compliance/link_refused.html", partnership=partnership, expired=expired,
                                      message=str(e)), 410 if expired else 403)
    if store_for(current_app.config).is_claimed(SPENT, _spent_key(partnership.slug, reference)) or not waiting():
        return None, (render_template("compliance/already_responded.html", partnership=partnership), 410)
    user = current_user()
    if (user is not None and user.role == RESPONDER and user.partnership == partnership.slug
            and user.reference == reference and user.email == link.email):
        return link, None
    form = ContinueToRespondForm()
    if form.validate_on_submit():
        sign_in(User(link.email, partnership.slug, RESPONDER, reference))
        return None, redirect(request.path)
    return None, render_template("compliance/respond_continue.html", partnership=partnership,
                                 reference=reference, email=link.email, form=form, signed_in_as=user)


def finish(partnership: Partnership, link: ResponseLink, message: str) -> ResponseReturnValue:
    """The response is recorded: end every response link of this challenge and the holder's
    one-challenge session, and say so on a page that shows nothing of the case."""
    # Remembered until the link would have expired anyway (its last day, and a day to spare).
    keep = (dt.datetime.combine(link.expires_on, dt.time()) - dt.datetime.now()).total_seconds() + 2 * 86400
    store_for(current_app.config).claim(SPENT, _spent_key(partnership.slug, link.reference), max(keep, 86400))
    sign_out()
    flash(message, "success")
    return redirect(request.path)
