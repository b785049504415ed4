"""Who is signed in, and what they may see.

The session holds one signed-in user of one partnership. Pages that show
challenge data use ``login_required`` (or ``business_support_required``);
an anonymous visitor is sent to sign in; a user of another partnership, or one whose
role does not reach the page, is refused (403). What a person may do to one challenge is
decided by ``views.permissions``.
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Callable, Literal

from flask import abort, redirect, request, session, url_for

from partnership.config import Partnership
from sheets.schema import REFERENCE

Role = Literal["practitioner", "business_support", "responder"]

# Seconds since the epoch of the signed-in user's last request (for the idle timeout).
LAST_SEEN = "seen"
# Seconds since the epoch when they signed in (for the absolute lifetime).
SIGNED_IN_AT = "since"


@dataclass(frozen=True)
class User:
    email: str
    partnership: str
    role: Role
    # A responder (line manager, safeguarding lead) reached one challenge through an emailed link.
    reference: str | None = None

    @property
    def is_business_support(self) -> bool:
        return self.role == "business_support"


def role_for(partnership: Partnership, email: str, extra_business_support: tuple[str, ...] = ()) -> Role | None:
    """The role an email address signs in with, or None if it may not sign in to this partnership."""
    email = email.strip().lower()
    support = set(partnership.access.business_support_users) | {e.lower() for e in extra_business_support}
    if email in support:
        return "business_support"
    domain = email.rpartition("@")[2]
    if domain and domain in partnership.access.allowed_domains:
        return "practitioner"
    return None


def sign_in(user: User) -> None:
    """Start a new session (with a new id: one fixed before sign-in is never signed in)."""
    _rotate()
    session.clear()
    session["user"] = {"email": user.email, "partnership": user.partnership,
                       "role": user.role, "reference": user.reference}
    session[LAST_SEEN] = session[SIGNED_IN_AT] = int(time.time())


def sign_out() -> None:
    """End the session on every instance: the store forgets it, so a copy of the cookie opens nothing."""
    _rotate()
    session.clear()


def _rotate() -> None:
    rotate = getattr(session, "rotate", None)
    if rotate is not None:
        rotate()


Expiry = Literal["idle", "lifetime"]


def session_expired(idle_seconds: int, max_seconds: int, now: float | None = None) -> tuple[Expiry, str] | None:
    """Sign out a user idle for longer than ``idle_seconds``, or signed in longer than
    ``max_seconds`` ago, and return why and their partnership's slug; otherwise note this
    request as their latest and return None."""
    if not session.get("user"):
        return None
    now = time.time() if now is None else now
    seen, since = session.get(LAST_SEEN), session.get(SIGNED_IN_AT, session.get(LAST_SEEN))
    why: Expiry | None = None
    if not isinstance(seen, (int, float)) or now - seen > idle_seconds:
        why = "idle"
    elif not isinstance(since, (int, float)) or now - since > max_seconds:
        why = "lifetime"
    if why is not None:
        slug = session["user"].get("partnership")
        sign_out()
        return why, slug or ""
    if int(now) != seen:
        session[LAST_SEEN] = int(now)
    return None


def current_user() -> User | None:
    data = session.get("user")
    if not data:
        return None
    return User(data["email"], data["partnership"], data["role"], data.get("reference"))


def _guard(view: Callable, allow: Callable[[User], bool]) -> Callable:
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        slug = kwargs.get("slug")
        user = current_user()
        if user is None:
            return redirect(url_for("auth.sign_in", slug=slug, next=request.full_path.rstrip("?")))
        if user.partnership != slug or not allow(user):
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def login_required(view: Callable) -> Callable:
    """Any signed-in user of the partnership named by the URL's ``slug``."""
    return _guard(view, lambda user: True)


def business_support_required(view: Callable) -> Callable:
    """Business support of the partnership named by the URL's ``slug``."""
    return _guard(view, lambda user: user.is_business_support)


def can_see(user: User, record_values: dict[str, str], email_columns: tuple[str, ...]) -> bool:
    """Whether ``user`` may see a challenge row: business support see all; a practitioner
    the ones that name their address; a responder only the one their link was for."""
    if user.is_business_support:
        return True
    if user.role == "responder":
        return record_values.get(REFERENCE, "").strip() == user.reference
    return any(record_values.get(c, "").strip().lower() == user.email for c in email_columns)
