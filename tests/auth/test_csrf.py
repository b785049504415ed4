"""A form sent without a valid CSRF token: a friendly 400 page, the answers kept, nothing done."""
from __future__ import annotations

from tests.auth.conftest import PRACTITIONER, csrf_token, heading, outbox, page, sign_in_as

EXPIRED = "The form you were submitting has expired"


def test_a_stale_sign_in_form_comes_back_with_the_answer_kept(app, client):
    response = client.post("/demo/sign-in", data={"email": PRACTITIONER, "csrf_token": "stale"})
    assert response.status_code == 400
    assert EXPIRED in page(response).select_one(".govuk-notification-banner").get_text(" ", strip=True)
    assert heading(response) == "Sign in to Demo Safeguarding Partnership"
    assert page(response).find("input", {"name": "email"})["value"] == PRACTITIONER
    fresh = page(response).find("input", {"name": "csrf_token"})["value"]
    assert fresh and fresh != "stale"
    assert outbox(app) == []  # nothing was sent
    resent = client.post("/demo/sign-in", data={"email": PRACTITIONER, "csrf_token": fresh})
    assert resent.status_code == 302 and len(outbox(app)) == 1  # the page's new token works


def test_a_missing_token_is_treated_the_same(app, client):
    response = client.post("/demo/sign-in", data={"email": PRACTITIONER})
    assert response.status_code == 400
    assert EXPIRED in response.get_data(as_text=True)
    assert outbox(app) == []


def test_a_stale_form_on_a_signed_in_page_keeps_the_answers_and_saves_nothing(pages_app):
    client = pages_app.test_client()
    sign_in_as(pages_app, client, PRACTITIONER)
    response = client.post("/demo/test-private", data={"csrf_token": "stale", "note": "typed =1+1 <b>"})
    assert response.status_code == 400
    assert heading(response) == "Private"  # the same page, shown again as a GET
    assert EXPIRED in response.get_data(as_text=True)
    assert page(response).find("input", {"name": "note"})["value"] == "typed =1+1 <b>"
    assert pages_app.extensions["test_saved"] == []
    fresh = page(response).find("input", {"name": "csrf_token"})["value"]
    assert client.post("/demo/test-private", data={"csrf_token": fresh, "note": "again"}).get_data(as_text=True) == "saved"
    assert pages_app.extensions["test_saved"] == ["again"]


def test_a_stale_form_after_signing_out_goes_to_sign_in(pages_app):
    client = pages_app.test_client()
    response = client.post("/demo/test-private", data={"csrf_token": "stale"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/demo/sign-in")


def test_signing_out_without_a_token_shows_the_expired_page_and_keeps_the_session(app, client):
    sign_in_as(app, client, PRACTITIONER)
    response = client.post("/demo/sign-out")
    assert response.status_code == 400
    assert heading(response) == EXPIRED
    with client.session_transaction() as session:
        assert session["user"]["email"] == PRACTITIONER


def test_a_token_from_another_session_is_refused(app, client):
    token = csrf_token(app.test_client(), "/demo/sign-in")
    response = client.post("/demo/sign-in", data={"email": PRACTITIONER, "csrf_token": token})
    assert response.status_code == 400 and outbox(app) == []
