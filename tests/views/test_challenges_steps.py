"""A challenge's page and what is recorded on it: conversations, escalation, resolution, withdrawal, Appendix A."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from procedures.values import display_date
from sheets.schema import CHALLENGES, HISTORY, REMINDERS
from tests.views.challenge_pages import (  # noqa: F401 (fixtures)
    app,
    page_urls,
    COLLEAGUE,
    RAISER,
    SUPPORT,
    body,
    errors,
    outbox,
    page,
    partnership,
    send_form,
    sign_in_as,
    text,
    workbook,
)
from tests.views.test_challenges import answers

TODAY = dt.date.today()
TODAY_FIELDS = [str(TODAY.day), str(TODAY.month), str(TODAY.year)]


@pytest.fixture
def urls(app):
    return page_urls(app)


@pytest.fixture
def reference(client, urls, workbook) -> str:
    """A challenge raised by RAISER, who stays signed in."""
    sign_in_as(client, RAISER)
    response = send_form(client, urls("challenges.new"), answers())
    return page(client.get(response.location)).select_one(".govuk-panel__body strong").get_text(strip=True)


def row(workbook, reference):
    return workbook.read(CHALLENGES).find(reference)


def test_the_page_shows_the_timeline_with_dates_and_status(client, urls, reference, partnership):
    from procedures import ChallengeDates, position
    response = client.get(urls("challenges.show", reference=reference))
    assert response.status_code == 200
    where = position(partnership.procedure, partnership.calendar,
                     ChallengeDates(raised_on=TODAY, step_started=TODAY), TODAY)
    assert page(response).h1.get_text(" ", strip=True) == f"{reference} {where.status.capitalize()}"
    cells = [[c.get_text(" ", strip=True) for c in tr.select("th, td")]
             for tr in page(response).select("table.govuk-table tbody tr")]
    assert len(cells) == 4
    assert display_date(where.timeline[1].conclude_by) in cells[1][2]
    assert display_date(where.timeline[3].conclude_by) in cells[3][2]
    assert "To come" in cells[2][3]
    assert "Case reference CS-12345" in text(response)
    summary = page(response).select_one(".govuk-summary-list").get_text(" ", strip=True)
    assert f"Raised on {display_date(TODAY)}" in summary
    assert "Escalated to" not in summary


@pytest.mark.parametrize("who, role, status", [
    (RAISER, "practitioner", 200),
    ("lead@example.nhs.uk", "practitioner", 200),
    (COLLEAGUE, "practitioner", 403),
    (SUPPORT, "business_support", 200),
    ("responder@example.nhs.uk", "responder", 403),
])
def test_only_people_the_challenge_names_and_business_support_see_it(client, urls, reference, who, role, status):
    sign_in_as(client, who, role)
    assert client.get(urls("challenges.show", reference=reference)).status_code == status


def test_an_unknown_reference_is_refused_like_one_not_yours_and_another_partnerships_user_too(
        client, urls, reference):
    # A practitioner cannot tell a reference not in use from one they may not see.
    assert client.get(urls("challenges.show", reference="DEMO-NOTHER")).status_code == 403
    sign_in_as(client, SUPPORT, "business_support")
    assert client.get(urls("challenges.show", reference="DEMO-NOTHER")).status_code == 404
    sign_in_as(client, RAISER, slug="other")
    assert client.get(urls("challenges.show", reference=reference)).status_code == 403


def test_recording_a_conversation(client, urls, reference, workbook):
    url = urls("challenges.conversation", reference=reference)
    blank = send_form(client, url, {})
    assert blank.status_code == 400
    assert errors(blank) == ["Enter who the conversation was with", "Enter what was discussed and agreed"]
    done = send_form(client, url, {"held_on": TODAY_FIELDS, "with_whom": "Duty manager",
                                   "notes": "<b>Agreed</b> to review"})
    assert done.status_code == 302
    shown = client.get(done.location)
    assert "Conversation saved." in text(shown)
    assert "<b>Agreed</b> to review" in text(shown)
    last = workbook.read(HISTORY).records[-1]
    assert (last["Action"], last["Step"], last["By"]) == ("Conversation", "1", RAISER)
    assert "Duty manager" in last["Details"]


def test_escalating_moves_to_the_next_step_and_emails_who_it_goes_to(client, urls, reference, workbook, app):
    url = urls("challenges.escalate", reference=reference)
    opened = client.get(url)
    offered = [i["value"] for i in page(opened).select("input[name=step]")]
    assert offered == ["2"]  # Pan Cheshire: one step at a time
    done = send_form(client, url, {"escalated_to": "Named nurse", "escalated_to_email": "named.nurse@example.nhs.uk",
                                   "reason": "No agreement"}, opened=opened)
    assert done.status_code == 302
    record = row(workbook, reference)
    assert (record["Step"], record["Step started"], record["Escalated to email"]) == (
        "2", TODAY.isoformat(), "named.nurse@example.nhs.uk")
    # Step 2 names the raiser's line manager (acts) and the raiser (told); whoever it was escalated to
    # is told too. Each hears at once, before any job runs.
    told = sorted(m["To"] for m in outbox(app) if m["Subject"] == f"{reference}: now at Step 2")
    assert told == ["lead@example.nhs.uk", "named.nurse@example.nhs.uk", RAISER]
    for message in outbox(app):
        assert "CS-12345" not in body(message)
    # Noted in the sent journal, for the daily job's one write to put in the Reminders tab.
    from notify.journal import SentJournal
    from state import store_for
    keys = [row["Key"] for row in SentJournal(store_for(app.config), "demo").sent_rows()]
    assert f"{reference}|2|escalated|named.nurse@example.nhs.uk|{TODAY.isoformat()}" in keys
    assert workbook.read(REMINDERS).records == ()
    # The person it went to can now see it.
    sign_in_as(client, "named.nurse@example.nhs.uk")
    assert client.get(urls("challenges.show", reference=reference)).status_code == 200


def test_a_form_opened_before_the_challenge_moved_on_changes_nothing(client, urls, reference, workbook):
    url = urls("challenges.escalate", reference=reference)
    opened = client.get(url)
    data = {"escalated_to": "Named nurse", "escalated_to_email": "named.nurse@example.nhs.uk", "reason": "No"}
    send_form(client, url, data, opened=opened)
    again = send_form(client, url, {**data, "step": "3"}, opened=opened)
    assert again.status_code == 302
    assert "moved to step 2" in text(client.get(again.location))
    assert row(workbook, reference)["Step"] == "2"


def test_resolving_records_the_reporting_answers_and_closes_it(client, urls, reference, workbook):
    url = urls("challenges.resolve", reference=reference)
    done = send_form(client, url, {"what_was_done": "Met the manager", "outcome": "Assessment booked",
                                   "how_resolved": "Agreed at step 1", "raiser_satisfied": "yes", "referred": "no"})
    assert done.status_code == 302, errors(done)
    assert done.status_code == 302
    record = row(workbook, reference)
    assert (record["Resolved on"], record["Raiser satisfied"], record["Referred to partnership"]) == (
        TODAY.isoformat(), "Yes", "No")
    shown = client.get(done.location)
    assert "Resolved" in page(shown).h1.get_text()
    assert "Record a conversation" not in text(shown)
    refused = client.get(urls("challenges.withdraw", reference=reference))
    assert refused.status_code == 302
    assert "closed" in text(client.get(refused.location))


def test_withdrawing_needs_a_reason(client, urls, reference, workbook):
    url = urls("challenges.withdraw", reference=reference)
    assert errors(send_form(client, url, {"reason": "  "})) == ["Enter why the challenge is being withdrawn"]
    send_form(client, url, {"reason": "Raised in error"})
    record = row(workbook, reference)
    assert (record["Withdrawn on"], record["Withdrawal reason"]) == (TODAY.isoformat(), "Raised in error")
    assert [r["Action"] for r in workbook.read(HISTORY).records] == ["Raised", "Withdrawn"]
    assert workbook.read(HISTORY).records[-1]["Happened on"] == TODAY.isoformat()


def test_appendix_a_is_prefilled_saved_and_printable(client, urls, reference, workbook):
    url = urls("challenges.appendix_a", reference=reference)
    shown = client.get(url)
    assert "Duty social worker" in text(shown) and "CS-12345" in text(shown)
    assert page(shown).select_one("[data-app-print]") is not None
    done = send_form(client, url, {"raiser_representation": "We think X", "other_representation": "They think Y",
                                   "resolution_sought": "=1+1"})
    assert done.status_code == 302
    again = client.get(url)
    assert page(again).select_one("#resolution_sought").get_text() == "=1+1"
    assert "They think Y" in page(again).select_one(".app-print-only").get_text()
    saved = json.loads(workbook.read(HISTORY).records[-1]["Details"])
    assert saved["Resolution sought"] == "=1+1"


def test_an_unreachable_sheet_gives_a_clear_page_not_an_error(client, urls, reference, monkeypatch):
    from sheets.base import SheetUnavailable
    from views import records

    def fail(partnership):
        raise SheetUnavailable("no answer")
    monkeypatch.setattr(records, "workbook", fail)
    response = client.get(urls("challenges.show", reference=reference))
    assert response.status_code == 503
    assert "cannot be reached" in page(response).h1.get_text()


def test_a_row_deleted_meanwhile_is_not_found(client, urls, reference, workbook, monkeypatch):
    from sheets.base import UnknownReference
    opened = client.get(urls("challenges.withdraw", reference=reference))

    def gone(changes):
        raise UnknownReference(reference)
    monkeypatch.setattr(type(workbook), "update", lambda self, changes: gone(changes))
    response = send_form(client, urls("challenges.withdraw", reference=reference), {"reason": "x"}, opened=opened)
    assert response.status_code == 404


def test_a_row_business_support_typed_wrongly_is_shown_with_what_to_correct(client, urls, reference, workbook):
    workbook.update({CHALLENGES: {reference: {"Raised on": "last Tuesday"}}})
    response = client.get(urls("challenges.show", reference=reference))
    assert response.status_code == 200
    assert "This row of the spreadsheet needs correcting" in text(response)
    assert "Raised on" in page(response).select_one(".govuk-inset-text").get_text()
    assert page(response).select_one("table.govuk-table") is None
