"""What only the local workbook has to get right: the file lock, atomic saves and its cache."""
from __future__ import annotations

import filelock
import openpyxl
import pytest

from sheets.base import SheetUnavailable, SummaryTable
from sheets.local import LocalWorkbook
from sheets.schema import CHALLENGES, REFERENCE, TABS
from sheets.xlsx_read import read_grids
from sheets.xlsx_zip import Package


@pytest.fixture
def book(tmp_path) -> LocalWorkbook:
    workbook = LocalWorkbook(tmp_path / "instance" / "book.xlsx", lock_timeout=0.2)
    workbook.init()
    return workbook


def test_init_creates_the_file_and_its_folder(book):
    assert book.path.exists()
    assert openpyxl.load_workbook(book.path).sheetnames == list(TABS)


def test_a_missing_file_says_to_run_init(tmp_path):
    with pytest.raises(SheetUnavailable, match="sheet init"):
        LocalWorkbook(tmp_path / "none.xlsx").read_all()


def test_a_broken_file_is_reported_not_a_traceback(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(SheetUnavailable, match="cannot be read"):
        LocalWorkbook(path).read_all()


def test_a_writer_holding_the_lock_makes_others_wait_then_give_up(book):
    with filelock.FileLock(str(book.path) + ".lock"):
        with pytest.raises(SheetUnavailable, match="busy"):
            book.append(CHALLENGES, [{REFERENCE: "PC-1"}])
    book.append(CHALLENGES, [{REFERENCE: "PC-1"}])
    assert [r.reference for r in book.read(CHALLENGES).records] == ["PC-1"]


def half_a_file_then_crash(self, target, *args):
    """Stands in for the one routine that writes the file (Package.write, or openpyxl's save)."""
    target.write(b"half a file")
    raise OSError("disk full")


@pytest.mark.parametrize("how", ["append (rows added to the tab's XML)", "update (cells changed in the tab's XML)",
                                 "write_summary (the tab's XML replaced)", "update of a formula cell (openpyxl save)"])
def test_a_crash_while_saving_leaves_the_old_file_whole(book, monkeypatch, how):
    book.append(CHALLENGES, [{REFERENCE: "PC-1"}])
    if how.startswith("update of a formula"):
        other = openpyxl.load_workbook(book.path)
        other[CHALLENGES]["V2"] = "=1+1"  # the Status cell: only openpyxl replaces a formula
        other.save(book.path)
    before = book.path.read_bytes()
    if how.startswith("update of a formula"):
        monkeypatch.setattr(openpyxl.Workbook, "save", half_a_file_then_crash)
    else:
        monkeypatch.setattr(Package, "write", half_a_file_then_crash)
    if how.startswith("append"):
        write = lambda: book.append(CHALLENGES, [{REFERENCE: "PC-2"}])  # noqa: E731
    elif how.startswith("write_summary"):
        write = lambda: book.write_summary(SummaryTable(rows=(("Raised", "1"),)))  # noqa: E731
    else:
        write = lambda: book.update({CHALLENGES: {"PC-1": {"Status": "overdue"}}})  # noqa: E731
    with pytest.raises(OSError):
        write()
    monkeypatch.undo()
    assert book.path.read_bytes() == before
    assert not [p for p in book.path.parent.iterdir() if p.suffix == ".tmp"]
    assert [r.reference for r in LocalWorkbook(book.path).read(CHALLENGES).records] == ["PC-1"]
    book.append(CHALLENGES, [{REFERENCE: "PC-2"}])
    assert [r.reference for r in LocalWorkbook(book.path).read(CHALLENGES).records] == ["PC-1", "PC-2"]


def test_rows_appended_to_the_xml_open_in_openpyxl_as_text_cells(book):
    book.append(CHALLENGES, [{REFERENCE: "PC-1", "Outcome": "=HYPERLINK(\"http://x\",\"y\") & <b>"}])
    book.append(CHALLENGES, [{REFERENCE: "PC-2", "Outcome": "-1"}])
    ws = openpyxl.load_workbook(book.path)[CHALLENGES]
    column = [c.value for c in ws[1]].index("Outcome") + 1
    cells = [ws.cell(row=r, column=column) for r in (2, 3)]
    assert [(c.value, c.data_type) for c in cells] == [("=HYPERLINK(\"http://x\",\"y\") & <b>", "s"), ("-1", "s")]
    assert ws.max_row == 3


def test_formatted_empty_rows_below_the_data_fall_back_to_a_full_save(book):
    other = openpyxl.load_workbook(book.path)
    other[CHALLENGES]["A2"] = "PC-1"
    other[CHALLENGES]["C40"].font = openpyxl.styles.Font(bold=True)  # a person formatted a row far below
    other.save(book.path)
    book.append(CHALLENGES, [{REFERENCE: "PC-2"}])
    assert [(r.row, r.reference) for r in LocalWorkbook(book.path).read(CHALLENGES).records] == [(2, "PC-1"), (3, "PC-2")]


def test_reads_come_from_the_cache_until_the_file_changes(book, monkeypatch):
    book.read_all()
    loads = []
    real = openpyxl.load_workbook
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: loads.append(1) or real(*a, **k))
    book.read_all()
    LocalWorkbook(book.path).read_all()
    assert loads == []
    other = openpyxl.load_workbook(book.path)
    other[CHALLENGES]["A2"] = "PC-7"
    other.save(book.path)
    assert LocalWorkbook(book.path).read(CHALLENGES).find("PC-7") is not None


def test_people_formulas_and_formatting_in_their_own_columns_survive_a_write(book):
    other = openpyxl.load_workbook(book.path)
    ws = other[CHALLENGES]
    ws["A2"] = "PC-1"
    ws["AZ1"] = "My total"
    ws["AZ2"] = "=LEN(A2)"
    ws["AZ1"].font = openpyxl.styles.Font(italic=True)
    other.save(book.path)
    book.update({CHALLENGES: {"PC-1": {"Status": "overdue"}}})
    ws = openpyxl.load_workbook(book.path)[CHALLENGES]
    assert (ws["AZ2"].value, ws["AZ2"].data_type, ws["AZ1"].font.i) == ("=LEN(A2)", "f", True)


def test_the_fast_reader_reads_what_openpyxl_reads(tmp_path):
    """Shared strings, inline strings, numbers, booleans, real dates and times, gaps and a person's tab."""
    import datetime as dt

    path = tmp_path / "person.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = CHALLENGES
    ws.append([REFERENCE, "Raised on", "Count", "Flag", "Time", "Formula"])
    ws.append(["PC-1", dt.date(2026, 11, 21), 3, True, dt.datetime(2026, 11, 21, 9, 30), "=1+1"])
    ws.append(["PC-2", dt.datetime(2026, 1, 2), 2.5, False, None, None])
    ws["H7"] = "far away"
    ws["B7"].number_format = "DD/MM/YYYY"
    ws["B7"] = 46347  # a date serial number in a date-formatted cell
    ws["B7"].number_format = "DD/MM/YYYY"
    book.create_sheet("Notes")["A1"] = "a person's own tab"
    book.save(path)
    workbook = LocalWorkbook(path)
    fast = read_grids(path)
    slow = workbook._parse_with_openpyxl()
    assert fast == slow
    assert fast[CHALLENGES][1][:5] == ["PC-1", "2026-11-21", "3", "TRUE", "2026-11-21 09:30"]
    assert fast[CHALLENGES][6][1] == "2026-11-21"


def test_known_references_are_those_last_read_without_reading_again(book, monkeypatch):
    import sheets.local

    assert LocalWorkbook(book.path).known_references([CHALLENGES, "Compliance"]) == set()  # nothing read yet
    book.append(CHALLENGES, [{REFERENCE: "PC-1"}, {REFERENCE: " PC-2 "}])
    book.append("Compliance", [{REFERENCE: "CC-1"}])
    assert book.known_references([CHALLENGES]) == {"PC-1", "PC-2"}
    monkeypatch.setattr(sheets.local, "read_grids", lambda *a: pytest.fail("read the file"))
    book.append(CHALLENGES, [{REFERENCE: "PC-3"}])  # this worker's own write
    assert book.known_references([CHALLENGES, "Compliance"]) == {"PC-1", "PC-2", "PC-3", "CC-1"}
