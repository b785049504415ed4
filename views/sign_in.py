"""The ``auth`` blueprint: sign in with an emailed link, sign out, and the idle timeout.

A person enters their work email. If it may sign in to the partnership (see
``views.auth.role_for``) it is sent a link; every address sees the same "check your
email" page, so the page never tells anyone which addresses have accounts.
"""
from __future__ import annotations

import hashlib
import logging
import time
from urllib.parse import urlencode

import click
from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request, session,
                   url_for)
from limits import parse as parse_limit

from forms.sign_in import ContinueSignInForm, SignInForm
from notify import EmailFailed, send_email
from notify import messages as mail
from partnership import partnerships_of
from partnership.config import Partnership
from procedures.values import is_email_address
from sheets.schema import BUSINESS_SUPPORT
from state import store_for
from views import kept_answers
from views.auth import User, current_user, role_for, session_expired, sign_in as sign_in_user, sign_out as sign_out_user
from views.lists_cache import lists_table
from views.partnership import get_partnership
from views.security import limiter
from views.sign_in_links import LinkRefused, has_control_character, local_path, make_token, read_token

bp = Blueprint("auth", __name__)
logger = logging.getLogger(__name__)

CHECK_EMAIL = "sign_in_email"  # the address the "check your email" page names
KEPT = "kept"
KEPT_MESSAGE = "Your answers were kept while you signed in again. Check them, then send the form."
IDLE_MESSAGE = "You were signed out because you had not used the service for {minutes} minutes. Sign in again to continue."
LIFETIME_MESSAGE = "You were signed out because you signed in more than {hours} hours ago. Sign in again to continue."
USED = "sign-in"  # the store's kind for used sign-in links


def _link_seconds() -> int:
    return int(current_app.config.get("SIGN_IN_LINK_MINUTES", 15)) * 60


def start_page(slug: str) -> str:
    """The partnership's start page (the rule ``/<slug>/``)."""
    for rule in current_app.url_map.iter_rules():
        if rule.rule == "/<slug>/" and "GET" in (rule.methods or ()):
            return url_for(rule.endpoint, slug=slug)
    return f"/{slug}/"


def _email_key() -> str:
    """The rate-limit key for the address being sent a link (hashed: no addresses in the store)."""
    email = (request.form.get("email") or "").strip().lower()
    slug = (request.view_args or {}).get("slug", "")
    return "sign-in-address:" + hashlib.sha256(f"{slug}:{email}".encode()).hexdigest()


def _limit_per_address() -> str:
    return current_app.config.get("SIGN_IN_LIMIT_PER_ADDRESS", "5 per 15 minutes")


def _limit_per_client() -> str:
    return current_app.config.get("SIGN_IN_LIMIT_PER_CLIENT", "20 per hour")


def listed_business_support(partnership: Partnership) -> tuple[str, ...]:
    """Addresses in the Lists tab's "Business support" column (cached: ``views.lists_cache``).

    The partnership file's ``business_support_users`` always work; when the spreadsheet
    cannot be read, the last list read (or none) is used and sign-in carries on.
    """
    table = lists_table(partnership)
    if table is None:
        return ()
    return tuple(sorted({r[BUSINESS_SUPPORT].strip().lower() for r in table.records
                         if is_email_address(r[BUSINESS_SUPPORT].strip())}))


def may_sign_in(partnership: Partnership, email: str) -> str | None:
    """The role ``email`` signs in to ``partnership`` with, or None."""
    return role_for(partnership, email, listed_business_support(partnership))


@bp.before_app_request
def end_expired_session():
    """Sign out a user idle for longer than SESSION_IDLE_MINUTES, or signed in longer than
    SESSION_MAX_HOURS ago, and send them to sign in."""
    if request.endpoint in ("static", "health.healthz", "health.readyz"):
        return None
    minutes = int(current_app.config.get("SESSION_IDLE_MINUTES", 30))
    hours = int(current_app.config.get("SESSION_MAX_HOURS", 12))
    user = current_user()
    expired = session_expired(minutes * 60, hours * 3600)
    if expired is None:
        return None
    why, slug = expired
    flash(IDLE_MESSAGE.format(minutes=minutes) if why == "idle" else LIFETIME_MESSAGE.format(hours=hours), "info")
    if not slug or slug not in partnerships_of(current_app):
        return redirect(url_for("public.index"))
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    if request.method == "POST" and user is not None and request.form:
        # A form sent after the session ended: keep its answers through sign-in, to send again from its page.
        kept_id = kept_answers.keep(current_app.config, user.email, request.path, request.form.items(multi=True))
        if kept_id:
            target = f"{request.path}?{urlencode({KEPT: kept_id})}"
    return redirect(url_for("auth.sign_in", slug=slug, next=local_path(target, slug)))


@bp.before_app_request
def restore_kept_answers():
    """Back from signing in with ``?kept=<id>``: the form's page is shown filled in with the kept answers."""
    kept_id = request.args.get(KEPT)
    user = current_user()
    if request.method != "GET" or not kept_id or user is None:
        return None
    answers = kept_answers.take(current_app.config, kept_id, user.email, request.path)
    if answers is not None:
        g.kept_answers = answers
        flash(KEPT_MESSAGE, "info")
    return None


@bp.app_context_processor
def signed_in_user():
    """``signed_in``: the signed-in user, for the header's "Signed in as ... / Sign out"."""
    return {"signed_in": current_user()}


@bp.route("/<slug>/sign-in", methods=["GET", "POST"])
@limiter.limit(_limit_per_client, methods=["POST"])
def sign_in(slug: str):
    partnership = get_partnership(slug)
    form = SignInForm()
    if has_control_character(request.values.get("next")):
        abort(400)  # a line break in a path is never a place to go back to, only a header injection
    if request.method == "GET":
        form.next.data = local_path(request.args.get("next"), slug) or ""
    if form.validate_on_submit():
        started = time.monotonic()
        email = form.email.data
        role = may_sign_in(partnership, email)
        if _within_address_limit() and role is not None:
            _send_link(partnership, email, local_path(form.next.data, slug) or "")
        _take_at_least(started, float(current_app.config.get("SIGN_IN_MIN_SECONDS", 2.0)))
        session[CHECK_EMAIL] = email
        return redirect(url_for("auth.check_email", slug=slug))
    return render_template("auth/sign_in.html", form=form, partnership=partnership)


def _within_address_limit() -> bool:
    """Count this request against the address's limit; False once it is spent.

    Past the limit no more links are sent, but the page says the same "check your email":
    whoever is asking learns nothing, and the owner of the address can still use a link
    already sent, so asking for someone's address many times locks nobody out.
    """
    return limiter.limiter.hit(parse_limit(_limit_per_address()), _email_key())


def _take_at_least(started: float, seconds: float) -> None:
    """Answer every address after the same time, sent a link or not, so timing tells nobody
    which addresses may sign in."""
    left = seconds - (time.monotonic() - started)
    if left > 0:
        time.sleep(left)


def _send_link(partnership: Partnership, email: str, next_path: str) -> None:
    """Email ``email`` a sign-in link; a failure is logged (without the address) and not shown."""
    token = make_token(current_app.secret_key, partnership.slug, email, next_path)
    url = current_app.config["BASE_URL"].rstrip("/") + url_for("auth.sign_in_link", slug=partnership.slug, token=token)
    minutes = _link_seconds() // 60
    message = mail.sign_in(partnership, email, url, minutes)
    if current_app.config.get("LOCAL_DEV"):
        # Only on this machine (LOCAL_DEV serves nobody else): a link anywhere else is a credential in a log.
        click.echo(f"sign-in link for {email}: {url}", err=True)
    try:
        send_email(message, from_address=partnership.email.from_address, config=current_app.config)
    except EmailFailed as e:
        logger.warning("sign-in link for an address at %s not sent: %s", email.rpartition("@")[2], e)


@bp.get("/<slug>/sign-in/check-your-email")
def check_email(slug: str):
    partnership = get_partnership(slug)
    return render_template("auth/check_email.html", partnership=partnership,
                           email=session.get(CHECK_EMAIL), minutes=_link_seconds() // 60)


@bp.route("/<slug>/sign-in/<token>", methods=["GET", "POST"])
def sign_in_link(slug: str, token: str):
    """Show who the link signs in (GET) and sign them in on the button (POST).

    Opening the link changes nothing: mail scanners that open links cannot use it up.
    """
    partnership = get_partnership(slug)
    try:
        link = read_token(current_app.secret_key, token, slug, _link_seconds())
        if store_for(current_app.config).is_claimed(USED, link.nonce):
            raise LinkRefused("used")
        role = may_sign_in(partnership, link.email)
        if role is None:
            raise LinkRefused("not_allowed")
    except LinkRefused as refused:
        return _refused(partnership, refused.reason)
    form = ContinueSignInForm()
    if form.validate_on_submit():
        if not store_for(current_app.config).claim(USED, link.nonce, _link_seconds() + 60):
            return _refused(partnership, "used")
        sign_in_user(User(email=link.email, partnership=slug, role=role))
        return redirect(local_path(link.next, slug) or start_page(slug))
    return render_template("auth/continue.html", form=form, partnership=partnership, email=link.email)


REFUSED_STATUS = {"expired": 410, "used": 410, "invalid": 400, "other_partnership": 400, "not_allowed": 403}


def _refused(partnership: Partnership, reason: str):
    return render_template("auth/link_refused.html", partnership=partnership, reason=reason,
                           minutes=_link_seconds() // 60), REFUSED_STATUS[reason]


@bp.post("/<slug>/sign-out")
def sign_out(slug: str):
    partnership = get_partnership(slug)
    sign_out_user()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in", slug=partnership.slug))
