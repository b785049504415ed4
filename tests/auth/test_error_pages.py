"""Errors are GOV.UK pages with the right status, never a traceback."""
from __future__ import annotations

import pytest
from flask import abort

from tests.auth.conftest import heading, page


@pytest.fixture
def failing_app(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.add_url_rule("/test-error/<int:code>", "test_error", lambda code: abort(code))

    def broken():
        raise RuntimeError("secret case detail in a bug")

    app.add_url_rule("/test-bug", "test_bug", broken)
    return app


@pytest.mark.parametrize("path, status, title", [
    ("/test-error/400", 400, "Sorry, there is a problem with your request"),
    ("/test-error/403", 403, "You cannot see this page"),
    ("/demo/no/such/page", 404, "Page not found"),
    ("/demo/sign-out", 405, "Sorry, this page cannot be used like that"),
    ("/test-error/410", 410, "This page is no longer available"),
    ("/test-error/429", 429, "Too many attempts"),
    ("/test-bug", 500, "Sorry, there is a problem with the service"),
])
def test_each_error_has_its_own_page(failing_app, path, status, title):
    response = failing_app.test_client().get(path)
    assert response.status_code == status
    assert heading(response) == title
    assert page(response).title.get_text(strip=True).startswith(title)
    assert "Traceback" not in response.get_data(as_text=True)
    assert "secret case detail" not in response.get_data(as_text=True)
