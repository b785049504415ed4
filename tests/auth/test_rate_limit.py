"""Sending sign-in links is limited per address and per client.

Past the per-address limit no more links are sent but the page is the same, so the limit
tells nobody anything and locks nobody out; past the per-client limit the client gets 429.
The counts live in the state store, so every worker and instance shares them."""
from __future__ import annotations

import pytest

from tests.auth.conftest import PRACTITIONER, csrf_token, heading, link_in, outbox, use_link


@pytest.fixture
def limited(app):
    app.config.update(SIGN_IN_LIMIT_PER_ADDRESS="3 per 15 minutes", SIGN_IN_LIMIT_PER_CLIENT="6 per hour")
    return app


def post(client, token: str, address: str, remote: str = "192.0.2.1"):
    return client.post("/demo/sign-in", data={"csrf_token": token, "email": address},
                       environ_base={"REMOTE_ADDR": remote})


def test_one_address_gets_three_links_then_the_same_page_and_no_more_email(limited):
    client = limited.test_client()
    token = csrf_token(client, "/demo/sign-in")
    answers = [post(client, token, PRACTITIONER) for _ in range(3)]
    answers.append(post(client, token, PRACTITIONER.upper()))  # the same address, however it is typed
    assert {(a.status_code, a.location) for a in answers} == {(302, "/demo/sign-in/check-your-email")}
    assert len(outbox(limited)) == 3
    assert heading(client.get("/demo/sign-in/check-your-email")) == "Check your email"
    assert post(client, token, "another@example.nhs.uk").status_code == 302  # other addresses carry on
    assert len(outbox(limited)) == 4


def test_the_limit_holds_from_another_client_for_the_same_address(limited):
    first, second = limited.test_client(), limited.test_client()
    token = csrf_token(first, "/demo/sign-in")
    for _ in range(3):
        post(first, token, PRACTITIONER, remote="192.0.2.1")
    other_token = csrf_token(second, "/demo/sign-in")
    assert post(second, other_token, PRACTITIONER, remote="198.51.100.7").status_code == 302
    assert len(outbox(limited)) == 3


def test_someone_whose_address_was_hammered_can_still_use_a_link_already_sent(limited):
    attacker, owner = limited.test_client(), limited.test_client()
    token = csrf_token(attacker, "/demo/sign-in")
    for n in range(10):
        post(attacker, token, PRACTITIONER, remote=f"198.51.100.{n}")
    messages = outbox(limited)
    assert len(messages) == 3
    assert use_link(owner, link_in(messages[0])).status_code == 302
    with owner.session_transaction() as session:
        assert session["user"]["email"] == PRACTITIONER


def test_one_client_gets_six_requests_an_hour_whatever_the_addresses(limited):
    client = limited.test_client()
    token = csrf_token(client, "/demo/sign-in")
    codes = [post(client, token, f"person{n}@example.nhs.uk").status_code for n in range(7)]
    assert codes == [302] * 6 + [429]
    other = limited.test_client()
    assert post(other, csrf_token(other, "/demo/sign-in"), "person9@example.nhs.uk",
                remote="198.51.100.7").status_code == 302


def test_opening_the_sign_in_page_is_not_limited(limited):
    client = limited.test_client()
    assert {client.get("/demo/sign-in").status_code for _ in range(10)} == {200}


def test_a_refused_address_counts_the_same_as_an_allowed_one(limited):
    """So the limit itself never tells anyone which addresses can sign in."""
    client = limited.test_client()
    token = csrf_token(client, "/demo/sign-in")
    allowed = [post(client, token, "someone@example.nhs.uk", remote="192.0.2.1") for _ in range(4)]
    refused = [post(client, token, "someone@gmail.example", remote="192.0.2.2") for _ in range(4)]
    assert {(a.status_code, a.location) for a in allowed + refused} == {(302, "/demo/sign-in/check-your-email")}
    assert len(outbox(limited)) == 3
