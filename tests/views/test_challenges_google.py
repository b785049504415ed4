"""The pages on a Google Sheet: what each costs in calls, whatever the sheet holds.

A submission is one write; recording a step one write (the rows' places come from the page
read); a page viewed again within SHEET_CACHE_SECONDS reads nothing unless the app wrote
meanwhile (on any instance: the version is in the state store); people's own edits in Google
show once the cache's time is up.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from jobs.run import run_partnerships
from sheets.google import forget_cached_pages
from sheets.schema import CHALLENGES, HISTORY, LISTS, REMINDERS
from state import store_for
from tests.fakesheets import FakeSheetsAPI, StoppedClock, google_workbook
from tests.views.challenge_pages import app, outbox, page, partnership, send_form, sign_in_as  # noqa: F401
from tests.views.test_challenges import answers
from views import records

WRITES = {"batchUpdate", "values.batchUpdate", "values.append", "values.update", "values.clear"}


@pytest.fixture
def clock():
    return StoppedClock(1000.0)


@pytest.fixture
def api(monkeypatch, partnership, app, clock):
    forget_cached_pages()
    api = FakeSheetsAPI()
    store = store_for(app.config)
    setup = google_workbook(api, partnership, store=store)
    setup.init()
    setup.append(LISTS, [{"Agencies": a} for a in ("Health", "Children's social care")])
    setup.append(CHALLENGES, [{"Reference": f"DEMO-OLD{i:03}", "Raised on": "2026-10-01", "Step": "1",
                               "Raiser email": "sam@example.nhs.uk"} for i in range(40)])
    # Each request opens its own workbook, as the app does, sharing the state store and the page cache.
    monkeypatch.setattr(records, "workbook", lambda p: google_workbook(api, p, store=store, cache_seconds=30,
                                                                        clock=clock))
    yield api
    forget_cached_pages()


def test_a_submission_is_one_write_call_and_nothing_else(client, app, api, partnership):
    sign_in_as(client, "sam@example.nhs.uk")
    opened = client.get("/demo/challenges/new", follow_redirects=True)
    api.reset_counts()
    response = send_form(client, "/demo/challenges/new", answers(), opened=opened)
    assert response.status_code == 302
    # The challenge and its History row in one write, no read: the layout is in the state store, a
    # double submit is caught there too, and the emails sent at once are noted in the sent journal.
    assert api.calls == {"batchUpdate": 1}
    assert sorted(m["To"] for m in outbox(app)) == ["duty@demo-partnership.example", "sam@example.nhs.uk"]
    book = google_workbook(api, partnership)
    tables = book.read_all([CHALLENGES, HISTORY, REMINDERS])
    assert len(tables[CHALLENGES].records) == 41
    [history] = tables[HISTORY].records
    assert history["Action"] == "Raised" and history.reference == tables[CHALLENGES].records[-1].reference
    assert tables[REMINDERS].records == ()

    # Sent again (a double click): recorded once, and the page says it is the same challenge.
    again = send_form(client, "/demo/challenges/new", answers(), opened=opened)
    assert again.status_code == 302
    assert len(book.read(CHALLENGES).records) == 41

    # The daily job's one write notes the emails in the Reminders tab and sends neither again.
    api.reset_counts()
    today = dt.date.today()
    # (Retention, on its weekday only, reads and writes on its own: not this run.)
    partnership = replace(partnership, retention=replace(partnership.retention, anonymise_after_months=None))
    assert run_partnerships([partnership], today, config=app.config, echo=lambda *a, **k: None,
                            open_workbook=lambda p: google_workbook(api, p, store=store_for(app.config)))
    assert api.calls == {"values.batchGet": 1, "batchUpdate": 1}
    reference = history.reference
    raised = sorted(r["Recipient"] for r in book.read(REMINDERS).records
                    if r.reference == reference and r["Kind"] == "raised")
    assert raised == ["duty@demo-partnership.example", "sam@example.nhs.uk"]
    subjects = [m["Subject"] for m in outbox(app)]
    assert subjects.count(f"{reference}: a professional challenge has been raised with you") == 1
    assert subjects.count(f"{reference}: your professional challenge is recorded") == 1


def test_a_page_viewed_again_reads_nothing_until_the_app_writes_or_the_time_is_up(client, api, clock):
    sign_in_as(client, "sam@example.nhs.uk")
    api.reset_counts()
    assert client.get("/demo/challenges/DEMO-OLD001").status_code == 200
    assert api.calls == {"values.batchGet": 1}
    assert client.get("/demo/challenges/DEMO-OLD001").status_code == 200
    assert client.get("/demo/challenges").status_code == 200
    assert api.calls == {"values.batchGet": 1}, "viewed again within SHEET_CACHE_SECONDS: no read"

    # Business support edit the sheet in Google: seen once the cache's time is up.
    api.tab("fake-demo", CHALLENGES).rows[2][0] = "DEMO-EDITED"
    assert "DEMO-EDITED" not in client.get("/demo/challenges").get_data(as_text=True)
    clock.now += 30
    assert "DEMO-EDITED" in client.get("/demo/challenges").get_data(as_text=True)
    assert api.calls == {"values.batchGet": 2}


def test_recording_a_step_is_one_write_and_the_next_page_shows_it(client, api):
    sign_in_as(client, "sam@example.nhs.uk")
    url = "/demo/challenges/DEMO-OLD007/conversation"
    opened = client.get(url)
    api.reset_counts()
    today = dt.date.today()
    done = send_form(client, url, {"held_on": [str(today.day), str(today.month), str(today.year)],
                                   "with_whom": "Duty manager", "notes": "Agreed to review"}, opened=opened)
    assert done.status_code == 302
    assert api.calls == {"batchUpdate": 1}
    # The app wrote: every instance's cache is stale, and the next page reads once and shows it.
    shown = client.get(done.location)
    assert "Agreed to review" in shown.get_data(as_text=True)
    assert api.calls == {"batchUpdate": 1, "values.batchGet": 1}


def test_a_step_recorded_after_people_sorted_the_rows_lands_on_the_right_row(client, api):
    sign_in_as(client, "sam@example.nhs.uk")
    url = "/demo/challenges/DEMO-OLD007/escalate"
    opened = client.get(url)
    # Between the page's read and the write, a person sorts the sheet: the rows are reversed.
    tab = api.tab("fake-demo", CHALLENGES)
    tab.rows[1:] = list(reversed([r for r in tab.rows[1:] if any(r)]))
    before = {r[0]: list(r) for r in tab.rows[1:]}
    api.reset_counts()
    done = send_form(client, url, {"escalated_to": "Named nurse", "escalated_to_email": "nurse@example.nhs.uk",
                                   "reason": "No agreement"}, opened=opened)
    assert done.status_code == 302
    # One write, seen to miss in its own reply; one read and one write put it right.
    assert api.calls == {"batchUpdate": 1, "values.batchGet": 1, "get": 1, "values.batchUpdate": 1}
    headers = tab.rows[0]
    rows = {r[0]: r for r in tab.rows[1:]}
    step = headers.index("Step")
    assert rows["DEMO-OLD007"][step] == "2"
    assert rows["DEMO-OLD007"][headers.index("Escalated to email")] == "nurse@example.nhs.uk"
    # Every other row is as it was: the cells written where DEMO-OLD007 had been were put back.
    for reference, row in rows.items():
        if reference != "DEMO-OLD007":
            assert [v for v in row if v] == [v for v in before[reference] if v], reference
