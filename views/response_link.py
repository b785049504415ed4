"""The signed, expiring link that lets a line manager respond to one compliance challenge.

The token carries the partnership, the reference, the line manager's address and the
last day it works, signed with the app's SECRET_KEY under a salt of its own, so a sign-in
link can never be used as one. The last day is the response stage's deadline plus a few
working days, worked out by the procedure engine in the partnership's calendar.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from procedures import ChallengeDates, position
from procedures.calendar import Calendar
from procedures.model import Procedure

SALT = "compliance-response"
# Working days after the stage's deadline that a late reply is still taken.
GRACE_WORKING_DAYS = 3
# However late the last day, a token older than this is refused (holidays never stretch it further).
MAX_AGE_SECONDS = 30 * 24 * 3600


class LinkRefused(Exception):
    """A link that cannot be used; the message says why, for the person holding it."""


@dataclass(frozen=True)
class ResponseLink:
    slug: str
    reference: str
    email: str
    expires_on: dt.date


def make_token(secret_key: str, link: ResponseLink) -> str:
    return URLSafeTimedSerializer(secret_key, salt=SALT).dumps(
        {"p": link.slug, "r": link.reference, "e": link.email, "x": link.expires_on.isoformat()})


def last_day(procedure: Procedure, calendar: Calendar, step: int, step_started: dt.date) -> dt.date:
    """The last day a response link works: the step's conclude-by date (counted by the engine from
    the day the step started) plus GRACE_WORKING_DAYS working days."""
    where = position(procedure, calendar, ChallengeDates(raised_on=step_started, step=step,
                                                         step_started=step_started), step_started)
    return calendar.add_working_days(where.conclude_by or step_started, GRACE_WORKING_DAYS)


def read_token(secret_key: str, token: str, *, slug: str, reference: str, today: dt.date) -> ResponseLink:
    """The link's contents if it is genuine, for this partnership and challenge, and not expired."""
    try:
        data = URLSafeTimedSerializer(secret_key, salt=SALT).loads(token, max_age=MAX_AGE_SECONDS)
        link = ResponseLink(str(data["p"]), str(data["r"]), str(data["e"]), dt.date.fromisoformat(data["x"]))
    except BadSignature as e:
        expired = type(e).__name__ == "SignatureExpired"
        raise LinkRefused("This link has expired" if expired else "This link is not valid") from None
    except (KeyError, TypeError, ValueError):
        raise LinkRefused("This link is not valid") from None
    if link.slug != slug or link.reference != reference:
        raise LinkRefused("This link is not valid")
    if today > link.expires_on:
        raise LinkRefused("This link has expired")
    return link
