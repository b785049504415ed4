"""Raising a challenge on a Google Sheet: one write call, whatever the sheet holds."""
from __future__ import annotations

import pytest

from sheets.schema import CHALLENGES, HISTORY, LISTS, REMINDERS
from tests.fakesheets import FakeSheetsAPI, google_workbook
from tests.views.challenge_pages import app, page, partnership, send_form, sign_in_as  # noqa: F401 (fixtures)
from tests.views.test_challenges import answers
from views import records

WRITES = {"batchUpdate", "values.batchUpdate", "values.append", "values.update", "values.clear"}


@pytest.fixture
def api(monkeypatch, partnership):
    api = FakeSheetsAPI()
    setup = google_workbook(api, partnership)
    setup.init()
    setup.append(LISTS, [{"Agencies": a} for a in ("Health", "Children's social care")])
    setup.append(CHALLENGES, [{"Reference": f"DEMO-OLD{i:03}", "Raised on": "2026-10-01"} for i in range(300)])
    # Each request opens its own workbook, as the app does.
    monkeypatch.setattr(records, "workbook", lambda p: google_workbook(api, p))
    return api


def test_a_submission_is_one_write_call_and_one_more_to_note_the_emails_sent(client, app, api, partnership):
    sign_in_as(client, "sam@example.nhs.uk")
    opened = client.get("/demo/challenges/new", follow_redirects=True)
    api.reset_counts()
    response = send_form(client, "/demo/challenges/new", answers(), opened=opened)
    assert response.status_code == 302
    writes = {name: n for name, n in api.calls.items() if name in WRITES}
    # The challenge and its History row in one write; then the emails sent at once noted in the
    # Reminders tab (one more), so the daily job does not send them again.
    assert writes == {"batchUpdate": 2}
    book = google_workbook(api, partnership)
    tables = book.read_all([CHALLENGES, HISTORY, REMINDERS])
    assert sorted(r["Kind"] for r in tables[REMINDERS].records) == ["raised", "raised"]
    assert len(tables[CHALLENGES].records) == 301
    [history] = tables[HISTORY].records
    assert history["Action"] == "Raised" and history.reference == tables[CHALLENGES].records[-1].reference
