"""Signing in with an emailed link, as a person does it, and signing out."""
from __future__ import annotations

import time

import pytest

from views.sign_in_links import make_token

from tests.auth.conftest import (BUSINESS_SUPPORT, PRACTITIONER, STRANGER, ask_for_link, csrf_token, heading,
                                 link_in, outbox, page, sign_in_as, use_link)


def signed_in(client):
    with client.session_transaction() as session:
        return session.get("user")


def test_the_sign_in_page_asks_for_a_work_email(client):
    response = client.get("/demo/sign-in")
    assert response.status_code == 200
    assert heading(response) == "Sign in to Demo Safeguarding Partnership"
    field = page(response).find("input", {"name": "email"})
    assert field["type"] == "email" and field["autocomplete"] == "email"
    assert page(response).find("label", {"for": "email"}).get_text(strip=True) == "Your work email address"


def test_an_allowed_address_is_emailed_a_link_that_signs_it_in(app, client, capsys):
    response = ask_for_link(client, "Pat.Smith@Example.NHS.uk ")
    assert response.status_code == 302 and response.headers["Location"] == "/demo/sign-in/check-your-email"
    shown = client.get(response.headers["Location"])
    assert heading(shown) == "Check your email"
    [message] = outbox(app)
    assert message["To"] == PRACTITIONER
    assert message["From"] == "challenges@demo-partnership.example"
    path = link_in(message)
    printed = capsys.readouterr()
    assert path.rpartition("/")[2] not in printed.err + printed.out  # a link on the console only in LOCAL_DEV

    confirm = client.get(path)
    assert "You are signing in as pat.smith@example.nhs.uk" in page(confirm).get_text(" ", strip=True)
    assert signed_in(client) is None  # opening the link alone signs nobody in
    done = use_link(client, path)
    assert done.status_code == 302 and done.headers["Location"] == "/demo/"
    assert signed_in(client)["email"] == PRACTITIONER
    assert signed_in(client)["role"] == "practitioner"
    header = page(client.get("/demo/sign-in")).find(id="account")
    assert header is not None and "Signed in as pat.smith@example.nhs.uk" in header.get_text(" ", strip=True)


def test_named_business_support_sign_in_as_business_support(app, client):
    sign_in_as(app, client, BUSINESS_SUPPORT)
    assert signed_in(client)["role"] == "business_support"


def test_an_address_that_may_not_sign_in_sees_the_same_page_and_gets_no_email(app, client):
    allowed = client.get(ask_for_link(client, PRACTITIONER).headers["Location"])
    stranger = client.get(ask_for_link(client, STRANGER).headers["Location"])
    assert len(outbox(app)) == 1  # only the allowed address was sent a link
    assert stranger.status_code == allowed.status_code == 200
    assert (page(stranger).main.get_text(" ", strip=True).replace(STRANGER, "ADDRESS")
            == page(allowed).main.get_text(" ", strip=True).replace(PRACTITIONER, "ADDRESS"))


def test_another_partnerships_address_gets_no_link_here(app, client):
    ask_for_link(client, "support@other-partnership.example", slug="demo")
    assert outbox(app) == []


def test_a_mistyped_address_is_explained_and_kept(client):
    response = ask_for_link(client, "pat.smith at nhs")
    assert response.status_code == 200
    assert page(response).title.get_text().startswith("Error:")
    assert (page(response).select_one(".govuk-error-summary").get_text(" ", strip=True)
            == "There is a problem Enter your work email address in the correct format, like name@example.org")
    assert page(response).find("input", {"name": "email"})["value"] == "pat.smith at nhs"


def test_in_local_development_the_link_is_printed_on_the_console_too(app, client, capsys):
    app.config["LOCAL_DEV"] = True
    ask_for_link(client, PRACTITIONER)
    assert link_in(outbox(app)[-1]) in capsys.readouterr().err


@pytest.mark.parametrize("address", ["jos\u00e9@example.nhs.uk", "pat smith@example.nhs.uk", "pat@example", "a" * 250 + "@example.nhs.uk"])
def test_the_sign_in_form_refuses_what_every_other_form_refuses(app, client, address):
    from wtforms import Form, StringField

    from forms.base import email_address
    from procedures.values import is_email_address

    class OtherForm(Form):  # how every other form asks for an address
        email = StringField(validators=email_address("Their email address"))

    assert not is_email_address(address)
    response = ask_for_link(client, address)
    assert response.status_code == 200 and page(response).select_one(".govuk-error-summary") is not None
    assert outbox(app) == []
    other = OtherForm(data={"email": address})
    assert not other.validate() and other.email.errors


def test_an_empty_address_is_asked_for(client):
    response = ask_for_link(client, "")
    assert "Enter your work email address" in page(response).select_one(".govuk-error-message").get_text()


def test_the_link_takes_the_person_where_they_were_going(app, client):
    ask_for_link(client, PRACTITIONER, next_path="/demo/challenges/DEMO-ABC123")
    done = use_link(client, link_in(outbox(app)[-1]))
    assert done.headers["Location"] == "/demo/challenges/DEMO-ABC123"


def test_a_next_address_on_another_site_or_partnership_is_ignored(app, client):
    for target in ("//evil.example/x", "https://evil.example/", "/other/challenges/X", "/\\evil.example"):
        ask_for_link(client, PRACTITIONER, next_path=target)
        done = use_link(client, link_in(outbox(app)[-1]))
        assert done.headers["Location"] == "/demo/", target


def test_an_expired_link_is_refused(app, client):
    token = make_token(app.secret_key, "demo", PRACTITIONER, issued_at=time.time() - 16 * 60)
    response = client.get(f"/demo/sign-in/{token}")
    assert response.status_code == 410
    assert heading(response) == "This sign-in link has expired"
    assert client.post(f"/demo/sign-in/{token}", data={"csrf_token": csrf_token(client, "/demo/sign-in")}).status_code == 410
    assert signed_in(client) is None


def test_a_link_just_inside_its_15_minutes_works(app, client):
    token = make_token(app.secret_key, "demo", PRACTITIONER, issued_at=time.time() - 14 * 60)
    assert use_link(client, f"/demo/sign-in/{token}").status_code == 302
    assert signed_in(client)["email"] == PRACTITIONER


def test_a_link_works_once(app, client):
    sign_in_as(app, client, PRACTITIONER)
    path = link_in(outbox(app)[-1])
    client.post("/demo/sign-out", data={"csrf_token": csrf_token(client, "/demo/sign-in")})
    again = client.get(path)
    assert again.status_code == 410
    assert heading(again) == "This sign-in link has already been used"
    assert signed_in(client) is None


def test_a_link_used_twice_at_once_signs_in_only_once(app, client):
    ask_for_link(client, PRACTITIONER)
    path = link_in(outbox(app)[-1])
    other = app.test_client()
    shown_here, shown_there = client.get(path), other.get(path)
    token_here = page(shown_here).find("input", {"name": "csrf_token"})["value"]
    token_there = page(shown_there).find("input", {"name": "csrf_token"})["value"]
    assert client.post(path, data={"csrf_token": token_here}).status_code == 302
    second = other.post(path, data={"csrf_token": token_there})
    assert second.status_code == 410 and heading(second) == "This sign-in link has already been used"
    assert signed_in(other) is None


def test_a_tampered_link_is_refused(app, client):
    ask_for_link(client, PRACTITIONER)
    path = link_in(outbox(app)[-1])
    prefix, _, token = path.rpartition("/")
    flipped = "A" if token[10] != "A" else "B"
    forged = f"{prefix}/{token[:10]}{flipped}{token[11:]}"
    for bad in (forged, path[:-4], "/demo/sign-in/not-a-link"):
        response = client.get(bad)
        assert response.status_code == 400, bad
        assert heading(response) == "This sign-in link is not valid"
    token = make_token("another-secret", "demo", PRACTITIONER)
    assert heading(client.get(f"/demo/sign-in/{token}")) == "This sign-in link is not valid"


def test_a_link_for_another_partnership_is_refused(app, client):
    token = make_token(app.secret_key, "other", "support@other-partnership.example")
    response = client.get(f"/demo/sign-in/{token}")
    assert response.status_code == 400
    assert heading(response) == "This sign-in link is for a different partnership"
    token = make_token(app.secret_key, "demo", PRACTITIONER)
    assert heading(client.get(f"/other/sign-in/{token}")) == "This sign-in link is for a different partnership"


def test_a_link_for_an_address_no_longer_allowed_is_refused(app, client):
    token = make_token(app.secret_key, "demo", STRANGER)
    response = client.get(f"/demo/sign-in/{token}")
    assert response.status_code == 403
    assert heading(response) == "This email address cannot sign in"


def test_an_unknown_partnership_is_not_found(client):
    assert client.get("/nowhere/sign-in").status_code == 404


def test_signing_out_ends_the_session(app, client):
    sign_in_as(app, client, PRACTITIONER)
    token = page(client.get("/demo/sign-in")).find(id="account").find("input", {"name": "csrf_token"})["value"]
    response = client.post("/demo/sign-out", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/demo/sign-in"
    assert signed_in(client) is None
    assert "You have signed out." in page(client.get("/demo/sign-in")).get_text(" ", strip=True)


def test_signing_out_needs_a_post(client):
    response = client.get("/demo/sign-out")
    assert response.status_code == 405
    assert heading(response) == "Sorry, this page cannot be used like that"


def test_the_header_offers_sign_in_on_a_partnership_page(pages_app):
    client = pages_app.test_client()
    link = page(client.get("/demo/test-public")).find(id="account").find("a")
    assert link.get_text(strip=True) == "Sign in" and link["href"] == "/demo/sign-in"


def test_the_header_shows_who_is_signed_in_on_every_page(pages_app):
    client = pages_app.test_client()
    sign_in_as(pages_app, client, BUSINESS_SUPPORT)
    account = page(client.get("/demo/test-private")).find(id="account")
    assert "Signed in as business.support@demo-partnership.example" in account.get_text(" ", strip=True)
    assert account.find("form")["action"] == "/demo/sign-out"


def test_business_support_listed_in_the_lists_tab_sign_in_as_business_support(app, client, tmp_path):
    from sheets.local import LocalWorkbook
    from sheets.schema import LISTS

    book = LocalWorkbook(tmp_path / "instance" / "demo.xlsx")
    book.init()
    book.append(LISTS, [{"Business support": " Carol.Jones@Council.example "}, {"Agencies": "Police"}])
    sign_in_as(app, client, "carol.jones@council.example")
    assert signed_in(client)["role"] == "business_support"
    ask_for_link(client, "someone.else@council.example")  # the domain itself is not allowed
    assert len(outbox(app)) == 1


def test_every_address_is_answered_after_the_same_time(app, client, monkeypatch):
    """An allowed address (emailed a link) and a stranger's are both held to SIGN_IN_MIN_SECONDS,
    so response times do not tell which addresses may sign in."""
    import views.sign_in

    clock = {"now": 100.0}
    waits: list[float] = []
    monkeypatch.setattr(views.sign_in.time, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(views.sign_in.time, "sleep", lambda s: waits.append(round(s, 3)))
    app.config["SIGN_IN_MIN_SECONDS"] = 2.0
    ask_for_link(client, STRANGER)
    real_send = views.sign_in._send_link

    def slow_send(*args, **kwargs):
        clock["now"] += 0.5  # sending the email takes half a second
        real_send(*args, **kwargs)

    monkeypatch.setattr(views.sign_in, "_send_link", slow_send)
    ask_for_link(client, PRACTITIONER)
    assert waits == [2.0, 1.5]
    assert len(outbox(app)) == 1
