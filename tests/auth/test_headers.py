"""Security headers on every response, and no inline script or style the policy would have to allow."""
from __future__ import annotations

import base64
import hashlib

import pytest
from flask import abort

from app import create_app
from tests.auth.conftest import PRACTITIONER, csrf_token, page, sign_in_as

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}
DIRECTIVES = {
    "default-src": "'self'", "object-src": "'none'", "base-uri": "'self'",
    "form-action": "'self'", "frame-ancestors": "'none'", "style-src": "'self'",
}


def policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def assert_protected(response, what: str) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, f"{what}: {name}"
    csp = policy(response)
    for directive, value in DIRECTIVES.items():
        assert csp.get(directive) == value, f"{what}: {directive}"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


@pytest.fixture
def failing_app(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.add_url_rule("/test-error/<int:code>", "test_error", lambda code: abort(code))

    def broken():
        raise RuntimeError("a bug")

    app.add_url_rule("/test-bug", "test_bug", broken)
    return app


@pytest.mark.parametrize("path, status", [
    ("/", 200),
    ("/demo/sign-in", 200),
    ("/demo/sign-in/check-your-email", 200),
    ("/demo/sign-in/not-a-token", 400),
    ("/static/app.css", 200),
    ("/static/govuk/govuk-frontend.min.js", 200),
    ("/demo/no/such/page", 404),
    ("/demo/sign-out", 405),
    ("/test-error/403", 403),
    ("/test-error/410", 410),
    ("/test-bug", 500),
])
def test_every_response_carries_the_headers(failing_app, path, status):
    with failing_app.test_client().get(path) as response:
        assert response.status_code == status
        assert_protected(response, path)


def test_a_rate_limited_response_carries_them_too(app):
    app.config["SIGN_IN_LIMIT_PER_CLIENT"] = "1 per hour"
    client = app.test_client()
    token = csrf_token(client, "/demo/sign-in")
    client.post("/demo/sign-in", data={"email": "a@example.nhs.uk", "csrf_token": token})
    response = client.post("/demo/sign-in", data={"email": "a@example.nhs.uk", "csrf_token": token})
    assert response.status_code == 429
    assert_protected(response, "429")


def test_signed_in_pages_carry_them_and_are_not_cached(pages_app):
    client = pages_app.test_client()
    sign_in_as(pages_app, client, PRACTITIONER)
    response = client.get("/demo/test-private")
    assert_protected(response, "private page")
    assert response.headers["Cache-Control"] == "no-store"


def test_the_only_inline_script_is_the_one_the_policy_names(pages_app):
    client = pages_app.test_client()
    sign_in_as(pages_app, client, PRACTITIONER)
    for path in ("/", "/demo/sign-in", "/demo/sign-in/check-your-email", "/demo/test-private", "/nowhere"):
        response = client.get(path)
        allowed = policy(response)["script-src"].split()
        html = page(response)
        for script in html.find_all("script"):
            if script.get("src"):
                continue
            digest = base64.b64encode(hashlib.sha256(script.string.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in allowed, f"{path}: inline script not allowed by the policy"
        assert html.find(attrs={"style": True}) is None, f"{path}: a style attribute the policy blocks"
        assert html.find("style") is None, f"{path}: an inline style block the policy blocks"


def test_local_development_has_no_hsts_and_a_plain_http_cookie(tmp_path, partnerships_dir, monkeypatch):
    monkeypatch.setenv("LOCAL_DEV", "1")
    local = create_app({"TESTING": True, "PARTNERSHIPS_DIR": str(partnerships_dir), "BASE_DIR": str(tmp_path),
                        "STATE_URL": f"sqlite:///{tmp_path}/state.sqlite3"})
    response = local.test_client().get("/demo/sign-in")
    assert "Strict-Transport-Security" not in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_outside_local_development_the_cookie_is_secure_httponly_and_lax(tmp_path, partnerships_dir, monkeypatch):
    monkeypatch.delenv("LOCAL_DEV", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    real = create_app({"TESTING": True, "SECRET_KEY": "s", "PARTNERSHIPS_DIR": str(partnerships_dir),
                       "BASE_DIR": str(tmp_path), "BASE_URL": "https://localhost",
                       "STATE_URL": f"sqlite:///{tmp_path}/state.sqlite3"})
    response = real.test_client().get("/demo/sign-in", base_url="https://localhost")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
