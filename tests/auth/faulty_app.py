"""The real app for gunicorn, with one fault to inject: a request to a link's page carrying the
header ``X-Test-Fault`` raises inside the view, so Flask logs "Exception on <path>" with a
traceback whose message holds the path (tests/auth/test_logs_gunicorn.py)."""
from __future__ import annotations

from flask import request

from app import create_app

app = create_app()


def _faulty(view):
    def wrapped(**values):
        if request.headers.get("X-Test-Fault"):
            raise RuntimeError(f"injected fault while answering {request.path}")
        return view(**values)
    return wrapped


for endpoint in ("auth.sign_in_link", "compliance.respond"):
    app.view_functions[endpoint] = _faulty(app.view_functions[endpoint])
