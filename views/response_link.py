"""The signed, expiring link that lets a line manager respond to one compliance challenge.

The token carries the partnership, the reference, the line manager's address and the
last day it works (stage 2's conclude-by date plus a margin), signed with the app's
SECRET_KEY under a salt of its own, so a sign-in link can never be used as one.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "compliance-response"
MARGIN_DAYS = 14
# However late the expiry date, a token older than this is refused.
MAX_AGE_SECONDS = 120 * 24 * 3600


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


def expiry(conclude_by: dt.date | None, today: dt.date) -> dt.date:
    """The last day the link works: stage 2's conclude-by date plus a margin for late replies."""
    return (conclude_by or today) + dt.timedelta(days=MARGIN_DAYS)


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
