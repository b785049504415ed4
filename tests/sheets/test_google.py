"""The Google workbook's costs and retries, through gspread and our retry client over the fake API."""
from __future__ import annotations

import os

import pytest
import requests

from sheets.base import SheetError, SheetUnavailable, SummaryTable
from sheets.http import POLICIES, RetryingHTTPClient, RetryPolicy, retry_after_seconds
from sheets.schema import CHALLENGES, COMPLIANCE, HISTORY, REFERENCE, STATUS, TABS
from tests.fakesheets import FakeSheetsAPI, google_workbook

WRITES = ("batchUpdate", "values.batchUpdate", "values.append", "values.update", "values.clear", "values.batchClear")


class Clock:
    """A clock that moves only when the retry client sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def api() -> FakeSheetsAPI:
    return FakeSheetsAPI()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def book(api, partnership, clock):
    """An initialised Google workbook with two challenges; call counts start from zero."""
    workbook = google_workbook(api, partnership, sleep=clock.sleep, clock=clock)
    workbook.init()
    workbook.append(CHALLENGES, [{REFERENCE: "PC-1"}, {REFERENCE: "PC-2"}])
    workbook.append(COMPLIANCE, [{REFERENCE: "PC-3"}])
    fresh = google_workbook(api, partnership, sleep=clock.sleep, clock=clock)
    api.reset_counts()
    return fresh


def test_read_all_is_one_batch_get_and_needs_no_metadata(api, book):
    book.read_all()
    book.read_all()
    assert api.calls == {"values.batchGet": 2}
    endpoint, _, params, _ = api.log[-1]
    assert sorted(params["ranges"]) == sorted(f"'{t}'" for t in TABS)


def test_append_is_one_append_cells_call_of_text_values(api, book):
    book.read(CHALLENGES)
    api.reset_counts()
    book.append(CHALLENGES, [{REFERENCE: "PC-9", STATUS: "=1+1"}])
    # Without a state store the layout (tab ids) is read first; with one, see test_google_calls.py.
    assert api.calls == {"get": 1, "batchUpdate": 1}
    _, _, _, body = api.log[-1]
    [request] = body["requests"]
    cells = request["appendCells"]["rows"][0]["values"]
    assert cells[0] == {"userEnteredValue": {"stringValue": "PC-9"}}
    assert {"userEnteredValue": {"stringValue": "=1+1"}} in cells


def test_a_submission_on_a_fresh_workbook_costs_one_read_and_one_write(api, book):
    book.append(HISTORY, [{REFERENCE: "PC-9", "Action": "Raised"}])
    assert api.calls == {"get": 1, "batchUpdate": 1}


def test_an_append_lands_under_its_headers_when_column_a_has_no_header(api, partnership):
    """Google's values:append would start at the first column of the table it detects (B here)."""
    api.add_spreadsheet("blank-a", tabs={CHALLENGES: [["", REFERENCE, STATUS], ["", "PC-1", "on track"]]})
    from dataclasses import replace
    from partnership.config import SheetConfig
    book = google_workbook(api, replace(partnership, sheet=SheetConfig("google", spreadsheet_id="blank-a")))
    book.append(CHALLENGES, [{REFERENCE: "PC-2", STATUS: "overdue"}])
    assert api.values("blank-a", CHALLENGES) == [["", REFERENCE, STATUS], ["", "PC-1", "on track"],
                                                 ["", "PC-2", "overdue"]]


def test_update_after_a_read_is_one_batch_update_of_text_cells_across_tabs(api, book):
    book.read_all()
    book.read_all()  # the layout, once
    book._metadata()
    api.reset_counts()
    book.update({CHALLENGES: {"PC-1": {STATUS: "overdue"}, "PC-2": {STATUS: "resolved"}},
                 COMPLIANCE: {"PC-3": {STATUS: "on track"}}})
    # The rows' places come from the read: no read before the write.
    assert api.calls == {"batchUpdate": 1}
    _, _, params, body = api.log[-1]
    # Only the named cells: one single-cell run per change, never whole rows; text, never a formula.
    starts = sorted((r["updateCells"]["start"]["rowIndex"], r["updateCells"]["start"]["columnIndex"],
                     r["updateCells"]["rows"][0]["values"][0]["userEnteredValue"]["stringValue"])
                    for r in body["requests"])
    assert starts == [(1, 16, "on track"), (1, TAB_STATUS, "overdue"), (2, TAB_STATUS, "resolved")]
    # The reply brings back the header rows and the changed rows' Reference cells, to check them.
    assert body["includeSpreadsheetInResponse"] and body["responseIncludeGridData"]
    assert "'Challenges'!A2:A3" in body["responseRanges"] and "'Challenges'!1:1" in body["responseRanges"]
    assert api.values(book.id, CHALLENGES)[2][TAB_STATUS] == "resolved"
    assert api.values(book.id, COMPLIANCE)[1][16] == "on track"


def test_write_summary_is_one_spreadsheet_batch_update(api, book):
    book.write_summary(SummaryTable(rows=(("Heading",), ("Raised", "3")), bold=frozenset({0})))
    assert api.calls == {"get": 1, "batchUpdate": 1}
    assert api.values(book.id, "Summary") == [["Heading"], ["Raised", "3"]]


def test_429_waits_at_least_retry_after_then_succeeds(api, book, clock):
    api.fail_next(429, times=1, retry_after=3)
    assert book.read(CHALLENGES).find("PC-1") is not None
    assert api.failures == {"values.batchGet": 1}
    assert clock.sleeps[0] >= 3


def test_500_then_success(api, book, clock):
    book.read_all()
    api.fail_next(500)
    book.update({CHALLENGES: {"PC-1": {STATUS: "overdue"}}})
    assert api.values(book.id, CHALLENGES)[1][TAB_STATUS] == "overdue"
    assert len(clock.sleeps) == 1


TAB_STATUS = 21  # "Status" is column V in a fresh Challenges tab


def test_timeout_then_success(api, book, clock):
    api.timeout_next(1)
    api.disconnect_next(1)
    assert len(book.read(CHALLENGES).records) == 2
    assert api.failures == {"values.batchGet": 2}
    assert 0 < clock.sleeps[0] <= clock.sleeps[1]


def test_web_budget_exhausted_raises_sheet_unavailable_after_bounded_attempts(api, book, clock):
    api.fail_next(503, times=50)
    with pytest.raises(SheetUnavailable, match="HTTP 503"):
        book.read_all()
    assert api.calls["values.batchGet"] == POLICIES["web"].attempts
    assert clock.now <= POLICIES["web"].budget


def test_retry_after_longer_than_the_budget_gives_up_at_once(api, book, clock):
    api.fail_next(429, times=1, retry_after=600)
    with pytest.raises(SheetUnavailable, match="quota"):
        book.read_all()
    assert api.calls["values.batchGet"] == 1 and clock.sleeps == []


def test_cron_budget_waits_out_a_quota_minute(api, partnership, clock):
    workbook = google_workbook(api, partnership, purpose="cron", sleep=clock.sleep, clock=clock)
    api.fail_next(429, times=2, retry_after=30)
    workbook.init()
    assert clock.now >= 60
    assert api.failures == {"get": 2}
    assert set(api.spreadsheets[workbook.id].tabs) == set(TABS)


def test_errors_that_retrying_cannot_fix_are_not_retried(api, partnership, clock):
    workbook = google_workbook(api, partnership, sleep=clock.sleep, clock=clock)
    api.fail_next(403)
    with pytest.raises(SheetError, match="share it"):
        workbook.read_all()
    assert api.calls["values.batchGet"] == 1 and clock.sleeps == []


def test_a_missing_spreadsheet_is_named(api, partnership):
    workbook = google_workbook(api, partnership)
    del api.spreadsheets[workbook.id]
    with pytest.raises(SheetError, match="was not found"):
        workbook.read_all()


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    policy = RetryPolicy(attempts=10, budget=100, base_delay=1.0, max_delay=8.0, timeout=5)
    low = RetryingHTTPClient(None, requests.Session(), policy=policy, jitter=lambda: 0.0)
    high = RetryingHTTPClient(None, requests.Session(), policy=policy, jitter=lambda: 1.0)
    assert [low.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert [high.backoff(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 8.0, 8.0]


def test_retry_after_as_an_http_date():
    response = requests.Response()
    response.headers["Retry-After"] = "Wed, 21 Oct 2026 07:28:10 GMT"
    assert retry_after_seconds(response, now=lambda: 1792567680.0) == pytest.approx(10.0)


def test_init_on_an_empty_spreadsheet_costs_a_constant_few_calls(api, partnership):
    workbook = google_workbook(api, partnership)
    workbook.init()
    assert sum(api.calls.values()) <= 5
    assert api.calls["batchUpdate"] == 1  # every missing tab in one addSheet batch
    assert all(api.tab(workbook.id, t).frozen_rows == 1 for t in TABS)


@pytest.mark.skipif(not (os.environ.get("GOOGLE_APPLICATION_CREDENTIALS") and os.environ.get("LIVE_SHEET_ID")),
                    reason="set GOOGLE_APPLICATION_CREDENTIALS and LIVE_SHEET_ID to run against a real sheet")
def test_live_sheet_round_trip(partnership):
    """Against a real spreadsheet shared with the service account: text stays text."""
    import dataclasses
    import uuid

    from partnership.config import SheetConfig
    from sheets.google import GoogleWorkbook

    live = dataclasses.replace(partnership, sheet=SheetConfig("google", spreadsheet_id=os.environ["LIVE_SHEET_ID"]))
    workbook = GoogleWorkbook.connect(live, purpose="cron")
    workbook.init()
    reference = f"LIVE-{uuid.uuid4().hex[:8]}"
    workbook.append(HISTORY, [{REFERENCE: reference, "Action": "=HYPERLINK(\"http://x.example\",\"y\")"}])
    record = GoogleWorkbook.connect(live, purpose="cron").read(HISTORY).find(reference)
    assert record is not None and record["Action"] == "=HYPERLINK(\"http://x.example\",\"y\")"


def test_a_submission_and_its_history_row_are_one_write(api, book):
    book.append_many({CHALLENGES: [{REFERENCE: "PC-9", STATUS: "=1+1"}],
                      HISTORY: [{REFERENCE: "PC-9", "Action": "Raised"}]})
    assert api.calls == {"get": 1, "batchUpdate": 1}
    tables = book.read_all([CHALLENGES, HISTORY])
    assert [(r.reference, r[STATUS]) for r in tables[CHALLENGES].records][-1] == ("PC-9", "=1+1")
    assert [(r.reference, r["Action"]) for r in tables[HISTORY].records] == [("PC-9", "Raised")]
