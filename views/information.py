"""The pages a public-sector service must have, linked from every page's footer: the accessibility
statement, the privacy notice and the cookies page.

Each is a partnership's own (``/<slug>/privacy``): its controller, lawful basis, contact and
retention come from its file. Outside a partnership (``/privacy``) they say what every
partnership's says and link to each one's.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, render_template

from partnership.config import Partnership
from sheets.schema import CHALLENGES, COMPLIANCE, HISTORY, REMINDERS, personal_columns
from views.partnership import by_name, get_partnership

bp = Blueprint("info", __name__)

# When the accessibility statement was written and last reviewed against the service.
STATEMENT_PREPARED = dt.date(2026, 11, 30)
STATEMENT_REVIEWED = dt.date(2026, 11, 30)


def _all() -> list[Partnership]:
    return by_name()


def email_processor() -> str | None:
    """Who carries the emails the service sends, as the privacy notice names them."""
    backend = current_app.config.get("MAIL_BACKEND", "outbox")
    if backend == "notify":
        return "GOV.UK Notify (the Government Digital Service), which sends the service's emails"
    if backend == "smtp":
        return "the email provider that relays the service's emails (its mail server)"
    return None


def _page(template: str, slug: str | None, **context):
    partnership = get_partnership(slug) if slug is not None else None
    return render_template(template, partnership=partnership, partnerships=_all(), **context)


@bp.get("/accessibility")
@bp.get("/<slug>/accessibility")
def accessibility(slug: str | None = None):
    return _page("info/accessibility.html", slug, prepared=STATEMENT_PREPARED, reviewed=STATEMENT_REVIEWED,
                 idle_minutes=current_app.config.get("SESSION_IDLE_MINUTES", 30),
                 max_hours=current_app.config.get("SESSION_MAX_HOURS", 12))


@bp.get("/privacy")
@bp.get("/<slug>/privacy")
def privacy(slug: str | None = None):
    personal = {tab: personal_columns(tab) for tab in (CHALLENGES, COMPLIANCE, HISTORY, REMINDERS)}
    return _page("info/privacy.html", slug, email_processor=email_processor(), personal=personal)


@bp.get("/cookies")
@bp.get("/<slug>/cookies")
def cookies(slug: str | None = None):
    config = current_app.config
    return _page("info/cookies.html", slug, cookie_name=config.get("SESSION_COOKIE_NAME", "session"),
                 idle_minutes=config.get("SESSION_IDLE_MINUTES", 30), max_hours=config.get("SESSION_MAX_HOURS", 12))
