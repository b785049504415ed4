"""Bad input gets a 400 page (or the form again with its errors), never a 500."""
from __future__ import annotations

import pytest

from tests.auth.conftest import PRACTITIONER, ask_for_link, heading, link_in, outbox, page, use_link
from tests.views.challenge_pages import (  # noqa: F401 (fixtures)
    SUPPORT,
    hidden_fields,
    partnership,
    sign_in_as,
    workbook,
)
from views.sign_in_links import make_token

BAD_VALUES = ["/demo/\r\nSet-Cookie: x=1", "\x00", "\u202e%", "x" * 20000]


@pytest.fixture
def quiet(app):
    """The app with exceptions turned into its 500 page, as in production, so a 500 shows as one."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.mark.parametrize("next_value", ["/demo/\r\nLocation: https://evil.example", "/demo/%0d%0a", "/demo/\n"])
def test_a_next_with_a_line_break_is_a_400_page(quiet, next_value):
    client = quiet.test_client()
    shown = client.get("/demo/sign-in", query_string={"next": next_value})
    if "\r" in next_value or "\n" in next_value:
        assert shown.status_code == 400
        assert heading(shown) == "Sorry, there is a problem with your request"
    else:  # "%0d%0a" typed literally is just characters: no break, and not a page of ours either
        assert shown.status_code == 200


def test_a_link_carrying_a_line_break_in_next_signs_in_to_the_start_page(quiet):
    """A link made before line breaks were refused: using it goes to the start page, not a 500."""
    client = quiet.test_client()
    token = make_token(quiet.secret_key, "demo", PRACTITIONER, "/demo/x\r\nSet-Cookie: a=b")
    done = use_link(client, f"/demo/sign-in/{token}")
    assert done.status_code == 302 and done.headers["Location"] == "/demo/"
    assert "Set-Cookie: a=b" not in str(done.headers)
    again = client.get(f"/demo/sign-in/{token}")  # spent: a page that says so
    assert again.status_code == 410


def test_a_posted_next_with_a_line_break_is_a_400_page(quiet):
    client = quiet.test_client()
    shown = client.get("/demo/sign-in")
    token = page(shown).find("input", {"name": "csrf_token"})["value"]
    response = client.post("/demo/sign-in", data={"csrf_token": token, "email": PRACTITIONER,
                                                  "next": "/demo/\r\nX: y"})
    assert response.status_code == 400
    assert outbox(quiet) == []


def test_a_sign_in_link_asked_for_with_a_good_next_still_goes_there(app, client):
    ask_for_link(client, PRACTITIONER, next_path="/demo/challenges")
    done = use_link(client, link_in(outbox(app)[-1]))
    assert done.headers["Location"] == "/demo/challenges"


GET_PAGES = ["/demo/", "/demo/challenges", "/demo/compliance", "/demo/dashboard", "/demo/challenges/new",
             "/demo/compliance/new", "/demo/sign-in", "/demo/immediate-risk"]


@pytest.mark.parametrize("path", GET_PAGES)
def test_odd_query_strings_are_never_a_500(quiet, workbook, path):
    client = quiet.test_client()
    sign_in_as(client, SUPPORT, "business_support")
    for value in BAD_VALUES:
        response = client.get(path, query_string={"next": value, "period": value, "status": value})
        assert response.status_code < 500, (path, repr(value[:20]), response.status_code)


def test_odd_references_are_never_a_500(quiet, workbook):
    client = quiet.test_client()
    sign_in_as(client, SUPPORT, "business_support")
    for reference in ("%00", "%0D%0A", "x" * 3000, "..%2F..%2Fetc", "%FF%FE"):
        for prefix in ("/demo/challenges/", "/demo/compliance/"):
            response = client.get(prefix + reference)
            assert response.status_code < 500, (prefix + reference[:20], response.status_code)


@pytest.mark.parametrize("path", ["/demo/challenges/new", "/demo/compliance/new", "/demo/sign-in"])
def test_odd_answers_in_every_field_are_refused_or_kept_never_a_500(quiet, workbook, path):
    client = quiet.test_client()
    sign_in_as(client, SUPPORT, "business_support")
    shown = client.get(path)
    names = {i.get("name") for i in page(shown).select("form input, form textarea, form select")} - {None}
    for value in BAD_VALUES:
        data = {**hidden_fields(shown), **{n: value for n in names if n != "csrf_token"}}
        response = client.post(path, data=data)
        assert response.status_code < 500, (path, repr(value[:20]), response.status_code)
