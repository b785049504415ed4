"""Attaching the state store to the app: sessions, rate-limit storage, and a clear 503 when it is down."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app, render_template, request, session
from limits.errors import StorageError

from config import StartRefused
from state import StateUnavailable, check_persistence, store_for
from state.sessions import StoreSessionInterface

logger = logging.getLogger(__name__)


def default_url(app: Flask) -> str:
    """The embedded default: ``instance/state.sqlite3``."""
    return f"sqlite:///{Path(app.instance_path).resolve() / 'state.sqlite3'}"


def init_state(app: Flask) -> None:
    """Open the store named by STATE_URL and make the app keep its sessions and limits there.

    Refuses to start (one line) when the store would lose kept submissions on a restart.
    A store that cannot be reached at start-up is only warned about: pages answer 503 and
    /readyz says so until it is back.
    """
    if not app.config.get("STATE_URL"):
        app.config["STATE_URL"] = default_url(app)
    try:
        store = store_for(app.config)
    except ValueError as e:
        raise StartRefused(f"error: {e}") from None
    except StateUnavailable as e:
        raise StartRefused(f"error: {e}") from None
    try:
        problem = check_persistence(store)
    except StateUnavailable as e:
        logger.warning("state store not reachable at start-up: %s", e)
        problem = None
    if problem:
        raise StartRefused(f"error: STATE_URL: {problem}")
    app.config["RATELIMIT_STORAGE_URI"] = store.limiter_uri()
    options = {"wrap_exceptions": True}
    if store.limiter_uri().startswith(("redis", "unix")):
        options.update(socket_timeout=2, socket_connect_timeout=2)
    app.config["RATELIMIT_STORAGE_OPTIONS"] = options
    app.session_interface = StoreSessionInterface(unavailable=replace_with_unavailable)
    app.before_request(refuse_without_store)
    app.register_error_handler(StateUnavailable, state_unavailable)
    app.register_error_handler(StorageError, state_unavailable)


def refuse_without_store() -> None:
    """The session could not be read because the store is down: answer 503 before doing anything."""
    if getattr(session, "unavailable", False) and request.endpoint not in ("static", "health.healthz"):
        raise StateUnavailable("the session could not be read")


def replace_with_unavailable(response) -> None:
    """Make ``response`` the 503 page: the store stopped answering after the view ran, so what the
    page would say (signed in, signed out) did not happen."""
    body, status, headers = state_unavailable(StateUnavailable("the session could not be saved"))
    response.status_code = status
    response.set_data(body)
    response.headers.pop("Location", None)
    response.headers.update(headers)
    response.mimetype = "text/html"


def state_unavailable(error: Exception):
    """503 with a page saying nothing was saved and to try again shortly; the cause is logged, not shown."""
    current_app.logger.warning("state store unavailable: %s", error)
    return render_template("errors/503.html", posted=request.method == "POST"), 503, {"Retry-After": "30"}
