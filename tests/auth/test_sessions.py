"""Server-side sessions: the cookie is a random id; sign-out, the idle timeout and the absolute
lifetime end the session in the state store, so a copy of the cookie opens nothing afterwards."""
from __future__ import annotations

import time

from state import store_for
from tests.auth.conftest import BUSINESS_SUPPORT, PRACTITIONER, csrf_token, page, sign_in_as

COOKIE = "session"


def cookie_of(client) -> str:
    found = client.get_cookie(COOKIE)
    assert found is not None, "no session cookie"
    return found.value


def copy_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie (stolen, or a second tab)."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie_of(client))
    return thief


def test_the_cookie_holds_only_a_random_id(pages_app):
    client = pages_app.test_client()
    sign_in_as(pages_app, client, PRACTITIONER)
    value = cookie_of(client)
    assert len(value) >= 40 and "." not in value and "pat" not in value.lower()
    assert store_for(pages_app.config).load_session(value)["user"]["email"] == PRACTITIONER


def test_signing_in_gives_a_new_id(pages_app):
    client = pages_app.test_client()
    client.get("/demo/sign-in")
    before = cookie_of(client)
    sign_in_as(pages_app, client, PRACTITIONER)
    assert cookie_of(client) != before
    assert store_for(pages_app.config).load_session(before) is None


def test_after_sign_out_a_copy_of_the_cookie_opens_nothing(pages_app):
    client = pages_app.test_client()
    sign_in_as(pages_app, client, PRACTITIONER)
    thief = copy_of(pages_app, client)
    assert thief.get("/demo/test-private").status_code == 200
    token = csrf_token(client, "/demo/test-public")
    assert client.post("/demo/sign-out", data={"csrf_token": token}).status_code == 302
    assert thief.get("/demo/test-private").status_code == 302  # sent to sign in
    refused = thief.post("/demo/test-private", data={"note": "written after sign-out"})
    assert refused.status_code in (302, 400)
    assert pages_app.extensions["test_saved"] == []


def test_a_session_is_ended_after_its_absolute_lifetime_however_busy(pages_app):
    pages_app.config["SESSION_MAX_HOURS"] = 12
    client = pages_app.test_client()
    sign_in_as(pages_app, client, PRACTITIONER)
    with client.session_transaction() as session:
        session["since"] = int(time.time() - 12 * 3600 - 60)
    response = client.get("/demo/test-private")
    assert response.status_code == 302
    assert response.headers["Location"] == "/demo/sign-in?next=/demo/test-private"
    shown = page(client.get(response.headers["Location"]))
    assert ("You were signed out because you signed in more than 12 hours ago"
            in shown.select_one(".govuk-notification-banner").get_text(" ", strip=True))


def test_the_idle_timeout_is_30_minutes_by_default(app):
    assert app.config["SESSION_IDLE_MINUTES"] == 30 and app.config["SESSION_MAX_HOURS"] == 12


def test_business_support_end_every_session_of_one_address(pages_app):
    laptop, phone, support = pages_app.test_client(), pages_app.test_client(), pages_app.test_client()
    sign_in_as(pages_app, laptop, PRACTITIONER)
    sign_in_as(pages_app, phone, PRACTITIONER)
    other = pages_app.test_client()
    sign_in_as(pages_app, other, "sam.jones@example.nhs.uk")
    sign_in_as(pages_app, support, BUSINESS_SUPPORT)
    shown = support.get("/demo/sessions")
    assert shown.status_code == 200
    token = page(shown).find("input", {"name": "csrf_token"})["value"]
    done = support.post("/demo/sessions", data={"csrf_token": token, "email": PRACTITIONER.upper()})
    assert done.status_code == 302
    assert "2 sessions of pat.smith@example.nhs.uk ended" in page(support.get(done.location)).get_text(" ", strip=True)
    assert laptop.get("/demo/test-private").status_code == 302
    assert phone.get("/demo/test-private").status_code == 302
    assert other.get("/demo/test-private").status_code == 200
    assert support.get("/demo/test-private").status_code == 200


def test_only_business_support_may_end_sessions(pages_app):
    practitioner = pages_app.test_client()
    sign_in_as(pages_app, practitioner, PRACTITIONER)
    assert practitioner.get("/demo/sessions").status_code == 403
    token = csrf_token(practitioner, "/demo/test-public")
    assert practitioner.post("/demo/sessions", data={"csrf_token": token, "email": PRACTITIONER}).status_code == 403
    assert practitioner.get("/demo/test-private").status_code == 200  # nothing was ended
    anonymous = pages_app.test_client()
    assert anonymous.get("/demo/sessions").status_code == 302
    other = pages_app.test_client()
    sign_in_as(pages_app, other, "support@other-partnership.example", slug="other")
    assert other.get("/demo/sessions").status_code == 403


def test_an_address_that_is_not_one_gets_a_message(pages_app):
    support = pages_app.test_client()
    sign_in_as(pages_app, support, BUSINESS_SUPPORT)
    token = csrf_token(support, "/demo/sessions")
    shown = support.post("/demo/sessions", data={"csrf_token": token, "email": "not an address"})
    assert shown.status_code == 400
    assert page(shown).select_one(".govuk-error-summary") is not None
