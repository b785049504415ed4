"""A form sent after the session ended keeps its answers through sign-in: the page comes back filled in."""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

from sheets.schema import CHALLENGES
from tests.views.challenge_pages import (  # noqa: F401 (fixtures)
    RAISER,
    app,
    hidden_fields,
    page,
    partnership,
    send_form,
    sign_in_as,
    text,
    workbook,
)
from tests.views.test_challenges import answers
from views import kept_answers

TYPED = {"decision": "The decision, typed at length\r\nover two lines ☕ _x0041_",
         "outcome_sought": "<b>An assessment</b> =1+1"}


def send_after_the_session_ended(client, app):
    sign_in_as(client, RAISER)
    opened = client.get("/demo/challenges/new", follow_redirects=True)  # its first question page
    with client.session_transaction() as s:
        s["seen"] = int(time.time()) - 3 * 3600  # idle for three hours
    return client.post("/demo/challenges/new", data={**hidden_fields(opened), **answers(**TYPED)}), opened


def test_the_answers_come_back_after_signing_in_and_send_with_one_click(client, app, workbook):
    sent, opened = send_after_the_session_ended(client, app)
    assert sent.status_code == 302 and "/demo/sign-in" in sent.location
    assert workbook.read(CHALLENGES).records == ()
    back_to = parse_qs(urlsplit(sent.location).query)["next"][0]
    assert back_to.startswith("/demo/challenges/new?kept=")
    sign_in_as(client, RAISER)  # as the emailed link does
    shown = client.get(back_to)
    assert shown.status_code == 200
    assert "Your answers were kept while you signed in again" in text(shown)
    # Every answer was sent, so it comes back as the check-your-answers page, ready to send.
    answered = {row.dt.get_text(strip=True): row.select_one(".govuk-summary-list__value").get_text()
                for row in page(shown).select("#answers .govuk-summary-list__row")}
    assert answered["What decision or action are you challenging?"].replace("\r\n", "\n").strip("\n") == \
        TYPED["decision"].replace("\r\n", "\n")
    assert hidden_fields(shown)["submission_id"]
    done = client.post("/demo/challenges/new", data=hidden_fields(shown))
    assert done.status_code == 302
    [row] = workbook.read(CHALLENGES).records
    assert row["Outcome sought"] == TYPED["outcome_sought"]
    assert "were kept" not in text(client.get(back_to, follow_redirects=True)), "used once"


def test_someone_else_signing_in_with_the_address_does_not_get_the_answers(client, app, workbook):
    sent, _ = send_after_the_session_ended(client, app)
    back_to = parse_qs(urlsplit(sent.location).query)["next"][0]
    sign_in_as(client, "someone.else@example.nhs.uk")
    shown = client.get(back_to)
    assert "were kept" not in text(shown)
    assert TYPED["outcome_sought"] not in shown.get_data(as_text=True)


def test_kept_answers_expire_after_a_day(app):
    config = app.config
    kept_id = kept_answers.keep(config, RAISER, "/demo/challenges/new", [("decision", "x")], now=1000.0)
    assert kept_answers.take(config, kept_id, RAISER, "/demo/challenges/new", now=1000.0 + 25 * 3600) is None
    kept_id = kept_answers.keep(config, RAISER, "/demo/challenges/new", [("decision", "x")])
    assert kept_answers.take(config, kept_id, RAISER, "/demo/other") is None
    assert kept_answers.take(config, kept_id, RAISER, "/demo/challenges/new").getlist("decision") == ["x"]
    assert kept_answers.take(config, "../../etc/passwd", RAISER, "/demo/challenges/new") is None
