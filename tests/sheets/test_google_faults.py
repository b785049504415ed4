"""Google faults the retry client meets in real life: replies cut off, HTML error pages, and
writes whose reply was lost. A write that adds rows is never sent twice blind: the sheet is read
again (by Submission ID, reminder Key, or the whole row) before it is written again."""
from __future__ import annotations

import pytest

from state import open_store
import requests

from sheets import pending
from sheets.base import SheetUnavailable, WriteUncertain
from sheets.http import adds_something
from sheets.schema import CHALLENGES, HISTORY, REFERENCE, REMINDER_KEY, REMINDERS, SUBMISSION_ID
from tests.fakesheets import FakeSheetsAPI, google_workbook


@pytest.fixture
def api() -> FakeSheetsAPI:
    return FakeSheetsAPI()


@pytest.fixture
def book(api, partnership, tmp_path):
    # The layout (tab ids, header rows) is kept in a state store, as the app keeps it: writes need no read.
    store = open_store(f"sqlite:///{tmp_path / 'state.sqlite3'}")
    workbook = google_workbook(api, partnership, store=store)
    workbook.init()
    workbook.append(CHALLENGES, [{REFERENCE: "PC-1", SUBMISSION_ID: "s-1"}])
    fresh = google_workbook(api, partnership, store=store)
    fresh.read_all()
    api.reset_counts()
    return fresh


def rows(api, book, tab, column):
    table = google_workbook(api, book_partnership(book)).read(tab)
    return [r[column] for r in table.records]


def book_partnership(book):
    return book._partnership


@pytest.fixture(autouse=True)
def _keep_partnership(book, partnership):
    book._partnership = partnership


@pytest.mark.parametrize("cut", ["truncated", "chunked"])
def test_a_reply_cut_off_mid_transfer_is_retried_like_a_timeout(api, book, cut):
    api.cut_reply_next(1, how=cut)
    assert book.read(CHALLENGES).find("PC-1") is not None
    assert api.calls["values.batchGet"] == 2


def test_an_html_error_page_is_retried(api, book):
    api.html_error_next(502)
    assert book.read(CHALLENGES).find("PC-1") is not None
    assert api.failures == {"values.batchGet": 1}


@pytest.mark.parametrize("fault", ["lost", "truncated", "chunked"])
def test_an_append_applied_but_its_reply_lost_is_read_back_not_written_again(api, book, fault):
    if fault == "lost":
        api.lose_reply_next(1)
    else:
        api.cut_reply_next(1, how=fault)
    book.append(CHALLENGES, [{REFERENCE: "PC-2", SUBMISSION_ID: "s-2"}])
    assert rows(api, book, CHALLENGES, SUBMISSION_ID) == ["s-1", "s-2"]
    assert api.calls["batchUpdate"] == 1


@pytest.mark.parametrize("fault", ["timeout", "connection", "500", "html"])
def test_an_append_that_may_not_have_landed_is_written_again_only_after_reading(api, book, fault):
    {"timeout": api.timeout_next, "connection": api.disconnect_next,
     "500": lambda: api.fail_next(500), "html": lambda: api.html_error_next(502)}[fault]()
    book.append(CHALLENGES, [{REFERENCE: "PC-2", SUBMISSION_ID: "s-2"}])
    assert rows(api, book, CHALLENGES, SUBMISSION_ID) == ["s-1", "s-2"]
    assert api.calls["batchUpdate"] == 2
    assert api.calls["values.batchGet"] >= 1, "the tab was read before writing again"


def test_a_429_on_an_append_is_retried_as_it_is(api, book):
    api.fail_next(429)
    book.append(CHALLENGES, [{REFERENCE: "PC-2", SUBMISSION_ID: "s-2"}])
    assert api.calls["values.batchGet"] == 0
    assert rows(api, book, CHALLENGES, SUBMISSION_ID) == ["s-1", "s-2"]


def test_a_submission_and_its_history_row_land_once_when_the_reply_is_lost(api, book):
    api.lose_reply_next(1)
    book.append_many({CHALLENGES: [{REFERENCE: "PC-2", SUBMISSION_ID: "s-2"}],
                      HISTORY: [{REFERENCE: "PC-2", "Action": "Raised", "When": "2026-11-30 10:00"}]})
    assert rows(api, book, CHALLENGES, SUBMISSION_ID) == ["s-1", "s-2"]
    assert rows(api, book, HISTORY, REFERENCE) == ["PC-2"]
    assert api.calls["batchUpdate"] == 1


def test_a_history_row_alone_is_recognised_by_its_values(api, book):
    api.lose_reply_next(1)
    book.append(HISTORY, [{REFERENCE: "PC-1", "Action": "Conversation recorded", "When": "2026-11-30 10:01",
                           "By": "a@b.example"}])
    assert rows(api, book, HISTORY, "Action") == ["Conversation recorded"]


def test_sent_emails_are_logged_once_by_their_key(api, book):
    api.lose_reply_next(1)
    book.append(REMINDERS, [{REFERENCE: "PC-1", REMINDER_KEY: "PC-1|1|due soon|a@b.example|01/12/2026"}])
    assert rows(api, book, REMINDERS, REMINDER_KEY) == ["PC-1|1|due soon|a@b.example|01/12/2026"]


def test_every_reply_lost_is_kept_for_later_and_writing_it_later_finds_the_row(api, book, partnership):
    """The submission is kept (SheetUnavailable); writing it later reads for its Submission ID first."""
    writes = [{"op": "append", "tab": CHALLENGES, "rows": [{REFERENCE: "PC-2", SUBMISSION_ID: "s-2"}],
               "key": "s-2"}]
    api.lose_reply_next(50)  # every request from here on: applied, reply lost
    with pytest.raises(SheetUnavailable):
        pending.apply(book, writes, keys_checked=True)
    api._faults.clear()
    pending.apply(google_workbook(api, partnership), writes)
    assert rows(api, book, CHALLENGES, SUBMISSION_ID) == ["s-1", "s-2"]
    assert issubclass(WriteUncertain, SheetUnavailable), "kept for later, as when Google cannot be reached"


def test_only_requests_that_add_something_are_held_back():
    url = "https://sheets.googleapis.com/v4/spreadsheets/x"
    assert adds_something("post", f"{url}/values/Challenges!A1:append", None)
    assert adds_something("post", f"{url}:batchUpdate", {"requests": [{"appendCells": {}}]})
    assert adds_something("post", f"{url}:batchUpdate", {"requests": [{"addSheet": {}}]})
    assert not adds_something("post", f"{url}:batchUpdate", {"requests": [{"updateCells": {}}]})
    assert not adds_something("post", f"{url}/values:batchUpdate", {"data": []})
    assert not adds_something("get", f"{url}/values:batchGet", None)


def test_a_reply_that_is_not_whole_json_on_a_read_never_reaches_gspread_as_a_raw_error(api, book):
    api.cut_reply_next(10, how="truncated")
    with pytest.raises(SheetUnavailable, match="cut off"):
        book.read(CHALLENGES)
    api._faults.clear()
    assert isinstance(book.read(CHALLENGES).find("PC-1").values, dict)
    assert not isinstance(requests.exceptions.ChunkedEncodingError(), (requests.Timeout, requests.ConnectionError))


def test_a_kept_submission_that_had_landed_is_not_written_twice_history_included(api, book, partnership):
    writes = [{"op": "append", "tab": CHALLENGES, "rows": [{REFERENCE: "PC-2", SUBMISSION_ID: "s-2"}], "key": "s-2"},
              {"op": "append", "tab": HISTORY, "rows": [{REFERENCE: "PC-2", "Action": "Raised",
                                                         "When": "2026-11-30 10:00"}], "key": None}]
    pending.apply(book, writes, keys_checked=True)  # it landed, but the page never heard (kept on disk)
    pending.apply(google_workbook(api, partnership), writes, recheck=True)  # written from the kept copy
    assert rows(api, book, CHALLENGES, SUBMISSION_ID) == ["s-1", "s-2"]
    assert rows(api, book, HISTORY, REFERENCE) == ["PC-2"]
