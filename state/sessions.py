"""Server-side sessions: the cookie holds only a random id; the session lives in the state store.

So signing out ends the session on every instance (a copied cookie opens nothing afterwards),
business support can end every session of one address, and nothing about the user travels
in the cookie. The store keeps a session at most ``SESSION_MAX_HOURS``; the idle timeout and
the absolute lifetime are checked on every request (``views.auth.session_expired``).
"""
from __future__ import annotations

import logging
import secrets
from typing import Any, Callable

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from state import StateUnavailable, store_for

ID_BYTES = 32
logger = logging.getLogger(__name__)


class StoreSession(CallbackDict, SessionMixin):
    """A session dict that knows its id and whether it changed."""

    def __init__(self, data: dict[str, Any] | None = None, session_id: str | None = None):
        def changed(_):
            self.modified = True

        super().__init__(data or {}, changed)
        self.session_id = session_id
        self.modified = False
        self.rotate_id = False
        self.unavailable = False

    def rotate(self) -> None:
        """Give the session a new id when it is next saved (on sign-in and sign-out), ending the old one."""
        self.rotate_id = True
        self.modified = True


class StoreSessionInterface(SessionInterface):
    """Flask's session, kept in the app's state store under a random id.

    ``unavailable(response)`` turns a response into the "service unavailable" page: used when the
    store stops answering after the view ran and the session change matters (signing in or out,
    a new session). Other changes (the time of the last request) are dropped with a warning.
    """

    def __init__(self, unavailable: Callable[[Response], None]):
        self.unavailable = unavailable

    def open_session(self, app: Flask, request: Request) -> StoreSession:
        session_id = request.cookies.get(self.get_cookie_name(app))
        if not session_id or len(session_id) > 100:
            return StoreSession()
        try:
            data = store_for(app.config).load_session(session_id)
        except StateUnavailable:
            found = StoreSession()
            found.unavailable = True  # state.web answers 503 before the view runs
            return found
        if data is None:
            return StoreSession()
        return StoreSession(data, session_id)

    def save_session(self, app: Flask, session: StoreSession, response: Response) -> None:  # type: ignore[override]
        if session.unavailable:
            return
        matters = session.rotate_id or session.session_id is None or not session
        try:
            self._save(app, session, response)
        except StateUnavailable as e:
            logger.warning("session not saved: %s", e)
            if matters:
                self.unavailable(response)

    def _save(self, app: Flask, session: StoreSession, response: Response) -> None:
        name, domain, path = self.get_cookie_name(app), self.get_cookie_domain(app), self.get_cookie_path(app)
        store = store_for(app.config)
        if session.session_id and (session.rotate_id or not session):
            store.delete_session(session.session_id)
            session.session_id = None
            if not session:
                response.delete_cookie(name, domain=domain, path=path, secure=self.get_cookie_secure(app),
                                       samesite=self.get_cookie_samesite(app), httponly=self.get_cookie_httponly(app))
                return
        if not session:
            return
        if not (session.modified or session.session_id is None):
            return
        new = session.session_id is None
        if new:
            session.session_id = secrets.token_urlsafe(ID_BYTES)
        user = session.get("user") or {}
        keep = int(app.config.get("SESSION_MAX_HOURS", 12)) * 3600
        store.save_session(session.session_id, dict(session), keep, user.get("email"))
        if new:
            # A browser-session cookie: it goes when the browser closes; the server ends it sooner.
            response.set_cookie(name, session.session_id, domain=domain, path=path,
                                secure=self.get_cookie_secure(app), httponly=self.get_cookie_httponly(app),
                                samesite=self.get_cookie_samesite(app))
        response.vary.add("Cookie")
