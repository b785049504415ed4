"""A challenge whose row cannot be acted on (its Reference on two rows, a date that cannot be read):
its page says it needs correcting and offers no actions; anything sent about it is refused (409)
with what is wrong and every answer shown again, and nothing is written. Never a 500."""
from __future__ import annotations

import pytest

from sheets.schema import CHALLENGES, COMPLIANCE, HISTORY, RAISED_ON, REFERENCE
from tests.views.challenge_pages import (  # noqa: F401 (fixtures)
    RAISER,
    SUPPORT,
    app,
    page,
    page_urls,
    partnership,
    send_form,
    sign_in_as,
    text,
    workbook,
)
from tests.views.test_challenges import answers
from tests.views.test_challenges_steps import TODAY_FIELDS


@pytest.fixture
def urls(app):
    return page_urls(app)


@pytest.fixture
def reference(client, urls, workbook) -> str:
    sign_in_as(client, RAISER)
    response = send_form(client, urls("challenges.new"), answers())
    return page(client.get(response.location)).select_one(".govuk-panel__body strong").get_text(strip=True)


def duplicate(workbook, tab, reference):
    row = dict(workbook.read(tab).find(reference).values)
    workbook.append(tab, [row])


def unreadable(workbook, tab, reference):
    workbook.update({tab: {reference: {RAISED_ON: "the week after half term"}}})


ACTIONS = {
    "resolve": {"what_was_done": "Met and agreed\r\na plan", "outcome": "Assessment booked _x0041_",
                "how_resolved": "Agreement", "raiser_satisfied": "yes", "referred": "no"},
    "conversation": {"held_on": TODAY_FIELDS, "with_whom": "Duty manager", "notes": "Agreed to review ☕"},
    "withdraw": {"reason": "Resolved informally"},
    "escalate": {"step": "2", "escalated_to": "Named nurse", "escalated_to_email": "named.nurse@example.nhs.uk",
                 "reason": "No agreement"},
}


@pytest.mark.parametrize("breaks", [duplicate, unreadable])
def test_the_page_says_needs_correcting_and_offers_no_actions(client, urls, reference, workbook, breaks):
    breaks(workbook, CHALLENGES, reference)
    shown = client.get(urls("challenges.show", reference=reference))
    assert shown.status_code == 200
    assert "This row of the spreadsheet needs correcting" in text(shown)
    assert page(shown).select(".app-actions a") == []
    if breaks is duplicate:
        assert f"{reference} is on 2 rows" in text(shown)


@pytest.mark.parametrize("breaks, action", [(duplicate, "resolve"), (duplicate, "escalate"),
                                            (unreadable, "conversation"), (unreadable, "withdraw")])
def test_anything_sent_is_refused_with_the_answers_kept_and_nothing_written(client, urls, reference, workbook,
                                                                           breaks, action):
    url = urls(f"challenges.{action}", reference=reference)
    opened = client.get(url)  # opened while the row was fine
    breaks(workbook, CHALLENGES, reference)
    before = (workbook.read(CHALLENGES).records, workbook.read(HISTORY).records)
    refused = send_form(client, url, ACTIONS[action], opened=opened)
    assert refused.status_code == 409
    shown = text(refused)
    assert f"Nothing was saved: challenge {reference} needs correcting" in shown
    for value in ACTIONS[action].values():
        if isinstance(value, str) and len(value) > 2:
            assert value.replace("\r\n", "\n") in page(refused).get_text().replace("\r\n", "\n")
    assert (workbook.read(CHALLENGES).records, workbook.read(HISTORY).records) == before


def test_someone_who_may_not_see_it_is_refused_without_its_problems(client, urls, reference, workbook):
    url = urls("challenges.resolve", reference=reference)
    opened = client.get(url)
    duplicate(workbook, CHALLENGES, reference)
    sign_in_as(client, "someone.else@example.nhs.uk")
    refused = send_form(client, url, ACTIONS["resolve"], opened=opened)
    assert refused.status_code == 403
    assert "on 2 rows" not in text(refused) and "Met and agreed" not in text(refused)


def test_a_compliance_challenge_on_two_rows_is_refused_too(client, urls, workbook):
    row = {REFERENCE: "DEMO-CMP001", RAISED_ON: "02/11/2026", "Step": "3", "Step started": "03/11/2026",
           "IRO email": "iro@example.nhs.uk"}
    workbook.append(COMPLIANCE, [row, row])
    sign_in_as(client, SUPPORT, role="business_support")
    shown = client.get(urls("compliance.show", reference="DEMO-CMP001"))
    assert shown.status_code == 200 and "DEMO-CMP001 is on 2 rows" in text(shown)
    url = urls("compliance.meeting", reference="DEMO-CMP001")
    refused = send_form(client, url, {"record": "Met with the team manager", "outcome": "resolved"}, opened=shown)
    assert refused.status_code == 409
    assert "Met with the team manager" in text(refused)
    assert len(workbook.read(COMPLIANCE).records) == 2
