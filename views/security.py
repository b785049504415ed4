"""Protection every response gets: security headers, friendly error pages, the stale-form
(CSRF) page, the rate limiter, and keeping emailed-link tokens out of access logs.

``init_security(app)`` is called once from ``views.register_views``.
"""
from __future__ import annotations

import base64
import hashlib
import logging
import re
from importlib import resources
from typing import Callable

from flask import Flask, current_app, flash, g, has_request_context, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from flask_wtf.form import _Auto
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, InternalServerError

from views.proxies import TrustedProxies, parse_proxies

from config import StartRefused, is_loopback

logger = logging.getLogger(__name__)

# Flask-Limiter: limits are declared on the views (see views.sign_in); the counts live in the
# state store (state.web sets RATELIMIT_STORAGE_URI), so every worker and instance shares them.
limiter = Limiter(key_func=get_remote_address)

ERROR_PAGES = (400, 403, 404, 405, 410, 429, 500)
STALE_FORM = "The form you were submitting has expired. Check your answers and submit the form again."


def _govuk_inline_script_hash() -> str:
    """The CSP hash of the one inline script in GOV.UK Frontend's page template.

    It is read from the installed template, so upgrading govuk-frontend-jinja keeps the policy right.
    """
    template = resources.files("govuk_frontend_jinja").joinpath("templates/template.html").read_text("utf-8")
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", template, re.S)
    if len(scripts) != 1:
        raise RuntimeError(f"expected one inline script in GOV.UK template.html, found {len(scripts)}")
    digest = hashlib.sha256(scripts[0].encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


GOVUK_SCRIPT_HASH = _govuk_inline_script_hash()

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    f"script-src 'self' '{GOVUK_SCRIPT_HASH}'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))


def security_headers(response):
    """Add the headers every response carries (pages, errors and static files alike)."""
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    # same-origin: no address (which may hold a link token or reference) leaves the site, while
    # Flask-WTF's HTTPS referrer check still sees our own pages (no-referrer would break it).
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    if not current_app.config.get("LOCAL_DEV"):
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static":
        # Pages may show personal data: never kept by browsers or proxies.
        headers["Cache-Control"] = "no-store"
    return response


def error_page(error: HTTPException):
    """A GOV.UK page for an HTTP error, with its status code."""
    code = error.code or 500
    template = f"errors/{code}.html" if code in ERROR_PAGES else "errors/400.html"
    return render_template(template, error=error), code


def server_error(error: InternalServerError):
    # The traceback is logged by Flask; the page says nothing about the cause.
    return render_template("errors/500.html"), 500


def stale_form(error: CSRFError):
    """The form's CSRF token was missing or out of date: show the same page again with the answers.

    The view runs again as a GET, so nothing is saved; its forms are filled from the submitted
    answers (see ``_kept_answers_formdata``) and the page carries a fresh token.
    """
    logger.info("stale form refused: %s %s (%s)", request.method, request.path, error.description)
    rule = request.url_rule
    if request.method == "POST" and rule is not None and "GET" in (rule.methods or ()) and request.endpoint:
        flash(STALE_FORM, "error")
        g.kept_answers = MultiDict((k, v) for k, v in request.form.items(multi=True) if k != "csrf_token")
        request.method = "GET"
        view = current_app.view_functions[request.endpoint]
        response = current_app.make_response(current_app.ensure_sync(view)(**(request.view_args or {})))
        if response.status_code == 200:
            response.status_code = 400
        return response
    return render_template("errors/csrf.html"), 400


_flask_wtf_formdata = FlaskForm.Meta.wrap_formdata


def _kept_answers_formdata(self, form, formdata):
    """Flask-WTF's form data, except while a stale form is shown again: then the kept answers."""
    kept = g.get("kept_answers") if has_request_context() else None
    if kept is not None and formdata is _Auto:
        return kept
    return _flask_wtf_formdata(self, form, formdata)


# An emailed link's token, wherever it appears (a request line, a Referer, an exception's path):
# itsdangerous's ``payload.timestamp.signature``, where a compressed payload starts with ".".
_ITSDANGEROUS = r"\.?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}"
# And whatever follows a link's path, even cut short or mangled, up to the end of the path segment.
_AFTER_LINK_PATH = r"(?<=/sign-in/)(?!check-your-email\b)[^\s/?#\"']+|(?<=/respond/)[^\s/?#\"']+"
TOKEN = re.compile(f"{_AFTER_LINK_PATH}|{_ITSDANGEROUS}")


def redact(text: str) -> str:
    """``text`` with every emailed-link token replaced by ``[token]``."""
    return TOKEN.sub("[token]", text)


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Take tokens out of a log record's message, traceback and stack before any handler sees it."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it to logging's own error report
        return record
    redacted = redact(message)
    if redacted != message:
        record.msg, record.args = redacted, ()
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


class RedactLinkTokens(logging.Filter):
    """A logging filter that redacts link tokens (for a handler set up outside this app)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def _redacting_factory(make: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args, **kwargs) -> logging.LogRecord:
        return redact_record(make(*args, **kwargs))
    factory.redacts_tokens = True  # type: ignore[attr-defined]
    return factory


def redact_every_log() -> None:
    """Make every log record of this process token-free as it is made: access logs (werkzeug,
    gunicorn, whose lines carry the path and the Referer), Flask's "Exception on <path>" with
    its traceback, and any other logger, whichever handlers print them."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "redacts_tokens", False):
        logging.setLogRecordFactory(_redacting_factory(current))


class LoopbackOnly:
    """WSGI middleware for LOCAL_DEV=1: answer 403 to anyone not on this machine.

    The local-development settings (a public secret, plain http) are safe on this machine only.
    """

    def __init__(self, wsgi_app: Callable):
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable):
        if not is_loopback(environ.get("REMOTE_ADDR") or ""):
            logger.warning("LOCAL_DEV=1: a request from beyond this machine was refused")
            start_response("403 Forbidden", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"LOCAL_DEV=1 serves this machine only.\n"]
        return self.wsgi_app(environ, start_response)


def init_security(app: Flask) -> None:
    """Attach the headers, error pages, CSRF page, rate limiter and log filter to ``app``."""
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    try:
        proxies = parse_proxies(app.config.get("TRUSTED_PROXIES"))
    except ValueError as e:
        raise StartRefused(f"error: {e}") from None
    if proxies:
        # Behind a TLS proxy: the client's address (for rate limits) and https come from its headers,
        # but only when the request comes from one of the listed proxies.
        app.wsgi_app = TrustedProxies(app.wsgi_app, proxies)
    app.after_request(security_headers)
    for code in ERROR_PAGES:
        if code != 500:
            app.register_error_handler(code, error_page)
    app.register_error_handler(InternalServerError, server_error)
    app.register_error_handler(CSRFError, stale_form)
    FlaskForm.Meta.wrap_formdata = _kept_answers_formdata
    redact_every_log()
    if app.config.get("LOCAL_DEV"):
        app.wsgi_app = LoopbackOnly(app.wsgi_app)  # outermost: sees the socket's address, not a header
