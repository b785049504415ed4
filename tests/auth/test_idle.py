"""Sessions end after SESSION_IDLE_MINUTES without a request."""
from __future__ import annotations

import time

from tests.auth.conftest import PRACTITIONER, page, sign_in_as


def set_last_seen(client, seconds_ago: float) -> None:
    with client.session_transaction() as session:
        session["seen"] = int(time.time() - seconds_ago)


def test_an_idle_session_is_signed_out_and_sent_to_sign_in_with_a_message(pages_app):
    pages_app.config["SESSION_IDLE_MINUTES"] = 30
    client = pages_app.test_client()
    sign_in_as(pages_app, client, PRACTITIONER)
    set_last_seen(client, 31 * 60)
    response = client.get("/demo/test-private")
    assert response.status_code == 302
    assert response.headers["Location"] == "/demo/sign-in?next=/demo/test-private"
    with client.session_transaction() as session:
        assert "user" not in session
    shown = page(client.get(response.headers["Location"]))
    assert ("You were signed out because you had not used the service for 30 minutes"
            in shown.select_one(".govuk-notification-banner").get_text(" ", strip=True))


def test_a_session_in_use_stays_signed_in_and_its_clock_restarts(pages_app):
    pages_app.config["SESSION_IDLE_MINUTES"] = 30
    client = pages_app.test_client()
    sign_in_as(pages_app, client, PRACTITIONER)
    set_last_seen(client, 29 * 60)
    assert client.get("/demo/test-private").status_code == 200
    with client.session_transaction() as session:
        assert time.time() - session["seen"] < 5


def test_an_idle_session_on_a_public_page_is_still_signed_out(pages_app):
    client = pages_app.test_client()
    sign_in_as(pages_app, client, PRACTITIONER)
    set_last_seen(client, 61 * 60)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/demo/sign-in"
    with client.session_transaction() as session:
        assert "user" not in session


def test_a_session_without_a_last_seen_time_is_not_trusted(pages_app):
    client = pages_app.test_client()
    sign_in_as(pages_app, client, PRACTITIONER)
    with client.session_transaction() as session:
        del session["seen"]
    assert client.get("/demo/test-private").status_code == 302
