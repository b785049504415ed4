"""What each Google workbook operation costs in calls once the layout is kept in the state store,
and how writes stay right when people move rows or columns between a read and a write."""
from __future__ import annotations

import pytest

from sheets.base import SummaryTable
from sheets.google import forget_cached_pages
from sheets.schema import CHALLENGES, HISTORY, LISTS, REFERENCE, REMINDERS, STATUS, SUMMARY
from state import open_store, refresh_lists
from tests.fakesheets import FakeSheetsAPI, StoppedClock, google_workbook


@pytest.fixture
def store(tmp_path):
    return open_store(f"sqlite:///{tmp_path / 'state.sqlite3'}")


@pytest.fixture
def api(partnership, store):
    api = FakeSheetsAPI()
    setup = google_workbook(api, partnership, store=store)
    setup.init()
    setup.append(CHALLENGES, [{REFERENCE: f"PC-{i}", STATUS: "on track", "Theme": f"theme {i}"} for i in range(1, 6)])
    api.reset_counts()
    return api


def book(api, partnership, store, **kwargs):
    return google_workbook(api, partnership, store=store, **kwargs)


def headers(api, tab=CHALLENGES):
    return api.values("fake-demo", tab)[0]


def by_reference(api, tab=CHALLENGES):
    rows = api.values("fake-demo", tab)
    return {dict(zip(rows[0], r)).get(REFERENCE): dict(zip(rows[0], r)) for r in rows[1:]}


def test_an_append_is_one_call_when_the_layout_is_kept(api, partnership, store):
    book(api, partnership, store).append(CHALLENGES, [{REFERENCE: "PC-9", STATUS: "overdue"}])
    assert api.calls == {"batchUpdate": 1}
    assert by_reference(api)["PC-9"][STATUS] == "overdue"


def test_the_job_reads_only_the_columns_it_asks_for(api, partnership, store):
    tables = book(api, partnership, store).read_columns({CHALLENGES: (REFERENCE, STATUS), REMINDERS: ("Key",)})
    assert api.calls == {"values.batchGet": 1}
    [(_, _, params, _)] = api.log
    assert params["ranges"] == ["'Challenges'!A:A", "'Challenges'!V:V", "'Reminders'!G:G"]
    assert [(r.reference, r[STATUS], r["Theme"]) for r in tables[CHALLENGES].records][:2] == [
        ("PC-1", "on track", ""), ("PC-2", "on track", "")]


def test_a_column_moved_since_the_layout_was_kept_is_read_again_whole(api, partnership, store):
    # A person inserts a column at A: every column moves one to the right.
    tab = api.tab("fake-demo", CHALLENGES)
    tab.rows = [["Notes", *r] for r in tab.rows]
    tables = book(api, partnership, store).read_columns({CHALLENGES: (REFERENCE, STATUS)})
    assert api.calls == {"values.batchGet": 2}
    assert tables[CHALLENGES].find("PC-3")[STATUS] == "on track"


def test_a_batch_is_one_write_and_nothing_is_written_if_it_raises(api, partnership, store):
    workbook = book(api, partnership, store)
    workbook.read_columns({CHALLENGES: (REFERENCE, STATUS), REMINDERS: ("Key",)})
    api.reset_counts()
    with workbook.batch():
        workbook.append(REMINDERS, [{"Key": "k-1", REFERENCE: "PC-1"}])
        workbook.update({CHALLENGES: {"PC-1": {STATUS: "overdue"}, "PC-4": {STATUS: "due soon"}}})
        workbook.write_summary(SummaryTable(rows=(("Raised", 5),)))
    assert api.calls == {"batchUpdate": 1}
    assert by_reference(api)["PC-1"][STATUS] == "overdue" and by_reference(api)["PC-4"][STATUS] == "due soon"
    assert api.values("fake-demo", REMINDERS)[1][-1] == "k-1"
    assert api.values("fake-demo", SUMMARY)[0][0] == "Raised"

    api.reset_counts()
    with pytest.raises(RuntimeError):
        with workbook.batch():
            workbook.update({CHALLENGES: {"PC-2": {STATUS: "overdue"}}})
            raise RuntimeError("the run broke")
    assert not any(name in api.calls for name in ("batchUpdate", "values.batchUpdate"))
    assert by_reference(api)["PC-2"][STATUS] == "on track"


def test_an_append_after_a_person_moved_the_columns_is_put_under_the_right_headers(api, partnership, store):
    workbook = book(api, partnership, store)
    workbook.read(CHALLENGES)
    # After the layout was kept, a person swaps two columns' places (headers and cells).
    tab = api.tab("fake-demo", CHALLENGES)
    a, b = tab.rows[0].index(STATUS), tab.rows[0].index("Theme")
    for r in tab.rows:
        r[a], r[b] = r[b], r[a]
    api.reset_counts()
    workbook.append(CHALLENGES, [{REFERENCE: "PC-9", STATUS: "overdue", "Theme": "Timeliness"}])
    # The write's reply shows the header row moved: the row is read back and laid out again.
    assert api.calls["batchUpdate"] == 1 and api.calls["values.batchUpdate"] == 1
    rows = by_reference(api)
    assert (rows["PC-9"][STATUS], rows["PC-9"]["Theme"]) == ("overdue", "Timeliness")
    assert (rows["PC-2"][STATUS], rows["PC-2"]["Theme"]) == ("on track", "theme 2")
    assert workbook.repairs == 1


def test_another_instances_write_empties_this_ones_page_cache(api, partnership, store):
    forget_cached_pages()
    clock = StoppedClock()
    page = book(api, partnership, store, cache_seconds=30, clock=clock)
    page.read_all([CHALLENGES, HISTORY])
    book(api, partnership, store, cache_seconds=30, clock=clock).read(CHALLENGES)
    assert api.calls == {"values.batchGet": 1}
    # Another instance (no shared memory, the same state store) records a step.
    other = book(api, partnership, store)
    other.read(CHALLENGES)
    other.update({CHALLENGES: {"PC-5": {STATUS: "resolved"}}})
    api.reset_counts()
    again = book(api, partnership, store, cache_seconds=30, clock=clock).read(CHALLENGES)
    assert api.calls == {"values.batchGet": 1}
    assert again.find("PC-5")[STATUS] == "resolved"
    forget_cached_pages()


def test_a_pages_one_read_brings_the_lists_tab_and_refresh_lists_reads_it_afresh(api, partnership, store):
    forget_cached_pages()
    clock = StoppedClock()
    page = book(api, partnership, store, cache_seconds=30, clock=clock)
    page.read_all([CHALLENGES])
    assert list(page.read(LISTS).records) == []
    assert api.calls == {"values.batchGet": 1}  # a first view, its Lists tab included: one call
    # Business support add an agency in Google: within the cache's time pages do not see it...
    header = api.values("fake-demo", LISTS)[0]
    api.set_values("fake-demo", LISTS, [header, ["Health" if name == "Agencies" else "" for name in header]])
    assert list(book(api, partnership, store, cache_seconds=30, clock=clock).read(LISTS).records) == []
    # ...until they ask every instance to read the tab again.
    refresh_lists(store, partnership.slug)
    lists = book(api, partnership, store, cache_seconds=30, clock=clock).read(LISTS)
    assert [r["Agencies"] for r in lists.records] == ["Health"]
    assert api.calls == {"values.batchGet": 2}
    forget_cached_pages()


def test_the_columns_come_column_by_column_and_read_as_the_whole_tab_does(api, partnership, store):
    # Blank rows, a row of spaces, a row with no Reference, a number, a date cell and a formula-like text.
    tab = api.tab("fake-demo", CHALLENGES)
    index = {name: i for i, name in enumerate(tab.rows[0])}
    blank = [""] * len(tab.rows[0])
    odd = list(blank)
    odd[index["Theme"]], odd[index["Raised on"]], odd[index[STATUS]] = "=SUM(A1)", 46357, 3
    spaces = list(blank)
    spaces[index["Theme"]] = "   "
    tab.rows[3:3] = [list(blank), odd, spaces]
    wanted = (REFERENCE, "Raised on", STATUS, "Theme")
    tables = book(api, partnership, store).read_columns({CHALLENGES: wanted})
    [(_, _, params, _)] = api.log
    assert params["majorDimension"] == ["COLUMNS"]
    whole = book(api, partnership, store).read_all([CHALLENGES])[CHALLENGES]
    columns = tables[CHALLENGES]
    assert columns.count == len(whole.records) == 6  # five challenges and the odd row; blank rows left out
    for got, was in zip(columns.records, whole.records):
        assert got.row == was.row
        assert dict(got.values) == {k: v for k, v in was.values.items() if k in wanted}
    assert columns.column("Raised on")[2] == "2026-12-01" and columns.column(STATUS)[2] == "3"
    assert columns.column("Theme")[2] == "=SUM(A1)" and columns.column("Outcome") == [""] * 6
    assert columns.record_at(3).reference == "PC-3" and columns.record_at(3).row == 7


@pytest.mark.parametrize("blank_rows", [False, True])
def test_a_tab_read_by_one_column_without_a_reference_leaves_out_only_its_blank_rows(api, partnership, store,
                                                                                   blank_rows):
    # The job reads the Reminders tab's keys alone: every row with a key is kept, with its row number.
    tab = api.tab("fake-demo", REMINDERS)
    key = tab.rows[0].index("Key")
    keys = ["PC-1|1|overdue|a@x.example|2026-12-01", "PC-2|1|overdue|b@x.example|2026-12-01", "  ",
            "PC-3|2|escalate|c@x.example|2026-12-02"] if blank_rows else ["PC-1|1|raised|a@x.example|2026-11-30"]
    for k in keys:
        row = [""] * len(tab.rows[0])
        row[key] = k
        tab.rows.append(row)
    read = book(api, partnership, store).read_columns({REMINDERS: ("Key",)})[REMINDERS]
    whole = book(api, partnership, store).read_all([REMINDERS])[REMINDERS]
    assert [(r.row, r["Key"]) for r in read.records] == [(r.row, r["Key"]) for r in whole.records]
    assert read.column("Key") == [k for k in keys if k.strip()]
