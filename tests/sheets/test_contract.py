"""The rules people's editing imposes, checked on both workbooks (see conftest.Sheet)."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

from procedures.values import parse_date
from sheets.base import CellTooLong, SheetError, SummaryTable, UnknownReference
from sheets.schema import (
    CELL_LIMIT,
    CHALLENGE_COLUMNS,
    CHALLENGES,
    COLUMNS,
    HISTORY,
    LISTS,
    RAISED_ON,
    REFERENCE,
    STATUS,
    STEP,
    STEP_DUE_BY,
    SUMMARY,
    TABS,
)

TRICKY = ['=HYPERLINK("http://x.example","y")', "+44 20 7946 0000", "-1", "@x", "0012", "1/2", "TRUE", "=1+1",
          "line one\r\nline two", "<b>&amp;</b>"]


def test_init_creates_every_tab_and_column_then_changes_nothing(sheet):
    tables = sheet.workbook.read_all()
    assert set(tables) == set(TABS)
    for tab in TABS:
        assert tables[tab].headers == COLUMNS[tab]
    assert sheet.new_workbook().init() == []


def test_init_adds_missing_columns_and_keeps_data_and_peoples_columns(sheet):
    sheet.set_rows(CHALLENGES, [["Notes", REFERENCE, STEP], ["keep me", "PC-1", "2"]])
    done = sheet.new_workbook().init()
    assert any(RAISED_ON in line for line in done)
    table = sheet.new_workbook().read(CHALLENGES)
    assert table.headers[:3] == ("Notes", REFERENCE, STEP)
    assert set(CHALLENGE_COLUMNS) <= set(table.headers)
    assert dict(table.records[0].values) == {"Notes": "keep me", REFERENCE: "PC-1", STEP: "2"}


def test_columns_found_by_header_in_any_order_and_blank_rows_skipped(sheet):
    sheet.set_rows(CHALLENGES, [
        [STEP, "My own notes", REFERENCE, RAISED_ON],
        ["", "", "", ""],
        ["3", "call back", "PC-2", "2026-11-20"],
        [],
        ["  ", "", "", ""],
        ["1", "", "PC-1", "21/11/2026"],
    ])
    records = sheet.new_workbook().read(CHALLENGES).records
    assert [(r.row, r.reference, r[STEP], r["My own notes"]) for r in records] == [
        (3, "PC-2", "3", "call back"), (6, "PC-1", "1", "")]


def test_dates_typed_either_way_or_real_date_cells_all_read(sheet):
    sheet.set_rows(CHALLENGES, [
        [REFERENCE, RAISED_ON],
        ["A", "21/11/2026"],
        ["B", "2026-11-21"],
        ["C", dt.date(2026, 11, 21)],
    ])
    records = sheet.new_workbook().read(CHALLENGES).records
    assert [parse_date(r[RAISED_ON]) for r in records] == [dt.date(2026, 11, 21)] * 3
    if sheet.kind == "local":
        assert records[2][RAISED_ON] == "2026-11-21"


def test_formula_looking_text_appended_stays_text(sheet):
    sheet.workbook.append(CHALLENGES, [{REFERENCE: f"PC-{i}", "Outcome": value} for i, value in enumerate(TRICKY)])
    records = sheet.new_workbook().read(CHALLENGES).records
    assert [r["Outcome"] for r in records] == TRICKY
    column = CHALLENGE_COLUMNS.index("Outcome") + 1
    assert all(sheet.is_text(CHALLENGES, row, column) for row in range(2, 2 + len(TRICKY)))


def test_formula_looking_text_updated_stays_text(sheet):
    sheet.workbook.append(CHALLENGES, [{REFERENCE: "PC-1"}])
    sheet.workbook.update({CHALLENGES: {"PC-1": {"Outcome": TRICKY[0], STATUS: "-1", STEP: "+44"}}})
    record = sheet.new_workbook().read(CHALLENGES).records[0]
    assert (record["Outcome"], record[STATUS], record[STEP]) == (TRICKY[0], "-1", "+44")
    for name in ("Outcome", STATUS, STEP):
        assert sheet.is_text(CHALLENGES, 2, CHALLENGE_COLUMNS.index(name) + 1)


def test_append_puts_values_under_their_headers_when_columns_are_reordered(sheet):
    sheet.set_rows(CHALLENGES, [["Mine", STEP, RAISED_ON, REFERENCE], ["x", "1", "2026-01-05", "PC-0"]])
    workbook = sheet.new_workbook()
    workbook.append(CHALLENGES, [{REFERENCE: "PC-1", STEP: "2", RAISED_ON: "2026-11-21"}])
    assert sheet.stored(CHALLENGES)[2] == ["", "2", "2026-11-21", "PC-1"]


def test_append_adds_missing_header_columns_after_the_last(sheet):
    sheet.set_rows(HISTORY, [[REFERENCE, "Mine"], ["PC-0", "x"]])
    sheet.new_workbook().append(HISTORY, [{REFERENCE: "PC-1", "Action": "Raised"}])
    stored = sheet.stored(HISTORY)
    assert stored[0] == [REFERENCE, "Mine", "Action"]
    assert stored[2] == ["PC-1", "", "Raised"]


def test_update_writes_only_the_named_cells_of_the_row_found_by_reference(sheet):
    sheet.set_rows(CHALLENGES, [
        [REFERENCE, "Mine", STATUS, STEP],
        ["PC-1", "a", "on track", "1"],
        ["PC-2", "b", "on track", "2"],
    ])
    sheet.set_rows(CHALLENGES, [  # a person sorts the rows
        [REFERENCE, "Mine", STATUS, STEP],
        ["PC-2", "b", "on track", "2"],
        ["PC-1", "a", "on track", "1"],
    ])
    sheet.new_workbook().update({CHALLENGES: {"PC-1": {STATUS: "overdue"}}})
    assert sheet.stored(CHALLENGES)[1:] == [["PC-2", "b", "on track", "2"], ["PC-1", "a", "overdue", "1"]]


def test_update_adds_a_missing_app_column(sheet):
    sheet.set_rows(CHALLENGES, [[REFERENCE, "Mine"], ["PC-1", "a"]])
    sheet.new_workbook().update({CHALLENGES: {"PC-1": {STEP_DUE_BY: "2026-12-01"}}})
    assert sheet.stored(CHALLENGES) == [[REFERENCE, "Mine", STEP_DUE_BY], ["PC-1", "a", "2026-12-01"]]


def test_update_across_tabs_in_one_write(sheet):
    sheet.workbook.append(CHALLENGES, [{REFERENCE: "PC-1"}])
    sheet.workbook.append("Compliance", [{REFERENCE: "PC-2"}])
    sheet.workbook.update({CHALLENGES: {"PC-1": {STATUS: "overdue"}}, "Compliance": {"PC-2": {STATUS: "resolved"}}})
    tables = sheet.new_workbook().read_all([CHALLENGES, "Compliance"])
    assert tables[CHALLENGES].find("PC-1")[STATUS] == "overdue"
    assert tables["Compliance"].find("PC-2")[STATUS] == "resolved"


@pytest.mark.parametrize("changes, error", [
    ({"PC-9": {STATUS: "overdue"}}, UnknownReference),
    ({"PC-1": {"Mine": "overwritten"}}, SheetError),
    ({"PC-1": {STATUS: "x" * (CELL_LIMIT + 1)}}, CellTooLong),
])
def test_update_refused_writes_nothing(sheet, changes, error):
    sheet.set_rows(CHALLENGES, [[REFERENCE, "Mine", STATUS], ["PC-1", "a", "on track"], ["PC-2", "b", "on track"]])
    before = sheet.stored(CHALLENGES)
    with pytest.raises(error):
        sheet.new_workbook().update({CHALLENGES: {"PC-2": {STATUS: "overdue"}, **changes}})
    assert sheet.stored(CHALLENGES) == before


def test_update_refuses_a_reference_on_two_rows(sheet):
    sheet.set_rows(CHALLENGES, [[REFERENCE, STATUS], ["PC-1", "a"], ["PC-1", "b"]])
    with pytest.raises(SheetError, match="rows 2, 3"):
        sheet.new_workbook().update({CHALLENGES: {"PC-1": {STATUS: "overdue"}}})
    assert sheet.stored(CHALLENGES)[1:] == [["PC-1", "a"], ["PC-1", "b"]]


def test_a_value_over_the_cell_limit_is_refused_before_any_write(sheet):
    too_long = "x" * (CELL_LIMIT + 1)
    before = {tab: sheet.stored(tab) for tab in (CHALLENGES, SUMMARY)}
    with pytest.raises(CellTooLong, match="50,000"):
        sheet.workbook.append(CHALLENGES, [{REFERENCE: "PC-1"}, {REFERENCE: "PC-2", "Outcome": too_long}])
    with pytest.raises(CellTooLong):
        sheet.workbook.write_summary(SummaryTable(rows=(("Heading",), (too_long,))))
    assert {tab: sheet.stored(tab) for tab in (CHALLENGES, SUMMARY)} == before
    sheet.workbook.append(CHALLENGES, [{REFERENCE: "PC-3", "Outcome": "x" * CELL_LIMIT}])
    assert sheet.new_workbook().read(CHALLENGES).find("PC-3")["Outcome"] == "x" * CELL_LIMIT


def test_write_summary_replaces_the_tab_with_bold_headings(sheet):
    sheet.workbook.write_summary(SummaryTable(rows=(("Old", "stuff", "wide"),) * 5))
    sheet.workbook.write_summary(SummaryTable(rows=(("Challenges this period",), ("Raised", "12"), ("=A1", "-1")),
                                              bold=frozenset({0})))
    assert sheet.stored(SUMMARY) == [["Challenges this period"], ["Raised", "12"], ["=A1", "-1"]]
    assert sheet.is_text(SUMMARY, 3, 1) and sheet.is_text(SUMMARY, 2, 2)
    assert bold_rows(sheet, SUMMARY) == {1}


def bold_rows(sheet, tab: str) -> set[int]:
    """1-based rows whose first cell is bold."""
    if sheet.kind == "google":
        return {r + 1 for r in sheet.api.tab(sheet.id, tab).bold_rows}
    import openpyxl
    ws = openpyxl.load_workbook(sheet.path)[tab]
    return {r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).font.b}


def test_threads_appending_at_once_lose_and_double_nothing(sheet):
    errors: list[BaseException] = []

    def submit(worker: int) -> None:
        workbook = sheet.new_workbook()
        try:
            for i in range(4):
                workbook.append(HISTORY, [{REFERENCE: f"W{worker}-{i}", "Action": "Raised"}])
        except BaseException as e:  # collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=submit, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    refs = [r.reference for r in sheet.new_workbook().read(HISTORY).records]
    assert sorted(refs) == sorted(f"W{w}-{i}" for w in range(6) for i in range(4))


def test_a_persons_edit_saved_between_read_and_write_is_kept(sheet):
    workbook = sheet.workbook
    workbook.append(CHALLENGES, [{REFERENCE: "PC-1", "Outcome": "first"}])
    workbook.read(CHALLENGES)
    rows = sheet.stored(CHALLENGES)
    rows[1][CHALLENGE_COLUMNS.index("Outcome")] = "edited by a person"
    sheet.set_rows(CHALLENGES, rows)
    workbook.update({CHALLENGES: {"PC-1": {STATUS: "overdue"}}})
    workbook.append(CHALLENGES, [{REFERENCE: "PC-2"}])
    table = sheet.new_workbook().read(CHALLENGES)
    assert table.find("PC-1")["Outcome"] == "edited by a person"
    assert table.find("PC-1")[STATUS] == "overdue"
    assert [r.reference for r in table.records] == ["PC-1", "PC-2"]


def test_lists_columns_read_as_separate_lists(sheet):
    sheet.workbook.append(LISTS, [{"Agencies": "Police", "Themes": "Timeliness"}, {"Agencies": "Health"}])
    records = sheet.new_workbook().read(LISTS).records
    assert [r["Agencies"] for r in records] == ["Police", "Health"]
    assert [r["Themes"] for r in records] == ["Timeliness", ""]


def test_append_many_puts_rows_on_each_tab_under_their_headers(sheet):
    sheet.set_rows(HISTORY, [["Details", REFERENCE, "My notes", "Action"], ["", "PC-0", "keep me", "Raised"]])
    sheet.new_workbook().append_many({
        CHALLENGES: [{REFERENCE: "PC-1", "Outcome": TRICKY[0]}],
        HISTORY: [{REFERENCE: "PC-1", "Action": "Raised", "By": "a@example.org"}],
    })
    book = sheet.new_workbook()
    assert [(r.reference, r["Outcome"]) for r in book.read(CHALLENGES).records] == [("PC-1", TRICKY[0])]
    history = book.read(HISTORY)
    assert [(r.reference, r["Action"], r["By"], r["My notes"]) for r in history.records] == [
        ("PC-0", "Raised", "", "keep me"), ("PC-1", "Raised", "a@example.org", "")]
    assert history.headers[:4] == ("Details", REFERENCE, "My notes", "Action")
    assert sheet.is_text(CHALLENGES, 2, CHALLENGE_COLUMNS.index("Outcome") + 1)


def test_append_many_refuses_an_overlong_value_before_writing_anything(sheet):
    with pytest.raises(CellTooLong):
        sheet.workbook.append_many({
            CHALLENGES: [{REFERENCE: "PC-1"}],
            HISTORY: [{REFERENCE: "PC-1", "Details": "x" * (CELL_LIMIT + 1)}],
        })
    book = sheet.new_workbook()
    assert book.read(CHALLENGES).records == () and book.read(HISTORY).records == ()
