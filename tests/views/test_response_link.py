"""The line manager's response link: a button step, one challenge only, ended by the response,
and a lifetime bounded by the stage's deadline."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from itsdangerous import URLSafeTimedSerializer

from procedures import Calendar
from sheets.schema import COMPLIANCE
from tests.views.challenge_pages import SUPPORT, body, page, send_form, sign_in_as, text
from tests.views.test_compliance import (  # noqa: F401 (fixtures)
    IRO,
    MANAGER,
    answers,
    app,
    line_manager,
    link_path,
    outbox,
    partnership,
    partnerships_dir,
    sent,
    urls,
    workbook,
)
from views.response_link import GRACE_WORKING_DAYS, SALT, last_day

england = Calendar("ENG")
tuesday_22_december_2026 = dt.date(2026, 12, 22)
tuesday_29_december_2026 = dt.date(2026, 12, 29)
monday_4_january_2027 = dt.date(2027, 1, 4)


def who(client) -> dict | None:
    with client.session_transaction() as session:
        return session.get("user")


def test_the_last_day_is_the_stage_deadline_plus_a_few_working_days(partnership):
    durham = partnership.compliance_procedure
    # Stage 2 is due 3 working days after it started; Christmas and New Year's Day are not working days.
    assert england.add_working_days(tuesday_22_december_2026, 3) == tuesday_29_december_2026
    assert GRACE_WORKING_DAYS == 3
    assert last_day(durham, england, 2, tuesday_22_december_2026) == monday_4_january_2027


def test_the_emailed_link_lasts_until_that_day_and_a_link_sent_again_no_longer(client, sent, app, urls, partnership):
    def last_days() -> list[str]:
        """The last day written into each link the line manager was sent."""
        signed = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=SALT)
        tokens = [re.search(r"/respond/(\S+)", body(m)).group(1) for m in outbox(app) if m["To"] == MANAGER]
        return [signed.loads(token)["x"] for token in tokens]

    today = dt.date.today()
    expected = last_day(partnership.compliance_procedure, partnership.calendar, 2, today).isoformat()
    assert last_days() == [expected]
    shown = client.get(urls("compliance.show", reference=sent))
    token = page(shown).select_one("form input[name=csrf_token]")["value"]
    client.post(urls("compliance.send_link", reference=sent), data={"csrf_token": token})
    assert last_days() == [expected, expected]  # counted from the stage's start, not from the day it was sent again


def test_opening_the_link_signs_nobody_in_and_shows_no_case_detail(client, sent, app):
    visitor = app.test_client()
    shown = visitor.get(link_path(app))
    assert shown.status_code == 200
    assert page(shown).select_one("form button, form input[type=submit]").get_text(strip=True) == "Continue"
    assert MANAGER in text(shown)
    assert "FAM-0042" not in text(shown) and "core groups" not in text(shown)
    assert who(visitor) is None


def test_a_page_that_makes_a_signed_in_browser_open_the_link_replaces_nobodys_session(client, sent, app):
    sign_in_as(client, SUPPORT, "business_support")
    opened = client.get(link_path(app))
    assert "You are signed in as " + SUPPORT in text(opened)
    assert who(client)["email"] == SUPPORT
    forced = client.post(link_path(app), data={})  # a cross-site form has no CSRF token
    assert forced.status_code == 400
    assert who(client)["email"] == SUPPORT and who(client)["role"] == "business_support"


def test_the_button_signs_in_for_this_challenge_only(client, sent, app, urls, workbook):
    manager = line_manager(app, link_path(app))
    assert who(manager) == {"email": MANAGER, "partnership": "demo", "role": "responder", "reference": sent}
    form = manager.get(link_path(app))
    assert "FAM-0042" in text(form)
    assert manager.get(urls("compliance.meeting", reference=sent)).status_code == 403
    assert manager.get(urls("dashboard.dashboard")).status_code == 403
    sign_in_as(client, IRO)
    other = send_form(client, urls("compliance.new"), answers(family_reference="FAM-0099"))
    assert other.status_code == 302
    another = next(r.reference for r in workbook.read(COMPLIANCE).records if r.reference != sent)
    assert manager.get(urls("compliance.show", reference=another)).status_code == 403


def test_the_response_ends_the_link_for_everyone_even_if_the_row_is_put_back(client, sent, app, workbook, urls):
    path = link_path(app)
    manager = line_manager(app, path)
    done = send_form(manager, path, {"response": "Will attend"})
    assert done.status_code == 302
    thanks = manager.get(done.location)
    assert "Thank you: your response is recorded" in text(thanks)
    assert who(manager) is None  # the one-challenge session ended with the response
    # Business support clear the response from the row by hand: the link still does not open.
    workbook.update({COMPLIANCE: {sent: {"Line manager response": "", "Line manager responded on": ""}}})
    for browser in (manager, app.test_client()):
        again = browser.get(path)
        assert again.status_code == 410
        assert "FAM-0042" not in text(again) and "Will attend" not in text(again)
        assert send_form(browser, path, {}).status_code == 410
        assert who(browser) is None


@pytest.mark.parametrize("days_late, status", [(0, 200), (1, 410)])
def test_the_link_ends_after_its_last_day(client, sent, app, urls, days_late, status):
    from views.response_link import ResponseLink, make_token
    token = make_token(app.config["SECRET_KEY"],
                       ResponseLink("demo", sent, MANAGER, dt.date.today() - dt.timedelta(days=days_late)))
    assert app.test_client().get(urls("compliance.respond", reference=sent, token=token)).status_code == status
