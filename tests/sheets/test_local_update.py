"""The local workbook's ``update`` changes cells in the tab's XML without openpyxl: only the named
cells change, every other part of the file is kept byte for byte, and the result reads the same
through openpyxl and the fast reader."""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from openpyxl.styles import Font, PatternFill

from sheets.base import CellTooLong, UnknownReference
from sheets.local import LocalWorkbook
from sheets.schema import CELL_LIMIT, CHALLENGE_COLUMNS, CHALLENGES, LAST_REMINDER, REFERENCE, STATUS, STEP, STEP_DUE_BY
from sheets.xlsx_read import read_grids
from sheets.xlsx_write import sheet_part

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
ROW = re.compile(rb"<row\b[^>]*>.*?</row>", re.DOTALL)
TRICKY = ["=1+1", "  spaces kept  ", "line one\r\nline two", "<b>&amp;</b>", "-1", "0012", "café ☕", "tab\there"]


def column(name: str) -> str:
    """The letter of an app column in a workbook made by init."""
    return openpyxl.utils.get_column_letter(CHALLENGE_COLUMNS.index(name) + 1)


def refuse_openpyxl(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, loading or saving a whole workbook with openpyxl fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl loaded or saved the whole workbook")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)
    monkeypatch.setattr(openpyxl.Workbook, "save", refuse)


def count_openpyxl_loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    loads: list[int] = []
    real = openpyxl.load_workbook
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: loads.append(1) or real(*a, **k))
    return loads


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as book:
        return {info.filename: book.read(info) for info in book.infolist()}


def challenges_part(path: Path) -> str:
    with zipfile.ZipFile(path) as book:
        return sheet_part(book, CHALLENGES)


@pytest.fixture
def edited(tmp_path: Path) -> Path:
    """A workbook the app made, then edited and saved by a person in a spreadsheet program: a column
    of their own with formulas, a coloured Status cell, their own tab. openpyxl's save turns every
    text cell into a shared string."""
    path = tmp_path / "book.xlsx"
    workbook = LocalWorkbook(path)
    workbook.init()
    workbook.append(CHALLENGES, [{REFERENCE: f"PC-{i}", STEP: "1", STATUS: "on track"} for i in range(1, 6)])
    book = openpyxl.load_workbook(path)
    ws = book[CHALLENGES]
    mine = len(CHALLENGE_COLUMNS) + 2  # one blank column, then theirs
    ws.cell(row=1, column=mine, value="My total")
    for r in range(2, 7):
        ws.cell(row=r, column=mine, value=f"=LEN(A{r})")
    ws[f"{column(STATUS)}3"].fill = PatternFill("solid", fgColor="FFFF00")
    ws[f"{column(STATUS)}3"].font = Font(bold=True)
    book.create_sheet("Notes")["A1"] = "=SUM(1,2)"
    book.save(path)
    return path


def test_update_on_an_ordinary_workbook_never_loads_it_with_openpyxl(edited, monkeypatch):
    workbook = LocalWorkbook(edited)
    workbook.read_all()
    refuse_openpyxl(monkeypatch)
    workbook.update({CHALLENGES: {"PC-3": {STATUS: "overdue", STEP_DUE_BY: "2026-12-01"}}})
    LocalWorkbook(edited).update({CHALLENGES: {"PC-4": {STATUS: "resolved"}}})  # a fresh worker, cold
    monkeypatch.undo()
    table = LocalWorkbook(edited).read(CHALLENGES)
    assert [(r[STATUS], r[STEP_DUE_BY]) for r in table.records] == [
        ("on track", ""), ("on track", ""), ("overdue", "2026-12-01"), ("resolved", ""), ("on track", "")]


def test_only_the_named_cells_change_and_every_other_part_is_kept_byte_for_byte(edited):
    before = members(edited)
    part = challenges_part(edited)
    LocalWorkbook(edited).update({CHALLENGES: {"PC-2": {STATUS: "overdue", LAST_REMINDER: "2026-11-22"},
                                               "PC-4": {STEP: "2"}}})
    after = members(edited)
    assert list(after) == list(before)
    assert {name for name in before if after[name] != before[name]} == {part}
    old_rows, new_rows = ROW.findall(before[part]), ROW.findall(after[part])
    assert len(old_rows) == len(new_rows) == 6
    changed = {i for i, (old, new) in enumerate(zip(old_rows, new_rows)) if old != new}
    assert changed == {2, 4}  # rows 3 and 5 of the sheet: PC-2 and PC-4
    assert ROW.sub(b"", before[part]) == ROW.sub(b"", after[part])  # everything around the rows
    for i in changed:
        old_cells = {c.get("r"): ElementTree.tostring(c) for c in ElementTree.fromstring(old_rows[i])}
        new_cells = {c.get("r"): ElementTree.tostring(c) for c in ElementTree.fromstring(new_rows[i])}
        differ = {ref for ref in old_cells.keys() | new_cells.keys() if old_cells.get(ref) != new_cells.get(ref)}
        wanted = {f"{column(STATUS)}3", f"{column(LAST_REMINDER)}3"} if i == 2 else {f"{column(STEP)}5"}
        assert differ == wanted


def test_formulas_and_formatting_in_peoples_columns_and_tabs_survive(edited, monkeypatch):
    workbook = LocalWorkbook(edited)
    refuse_openpyxl(monkeypatch)
    workbook.update({CHALLENGES: {ref: {STATUS: "overdue"} for ref in ("PC-1", "PC-2", "PC-3", "PC-4", "PC-5")}})
    monkeypatch.undo()
    book = openpyxl.load_workbook(edited)
    ws = book[CHALLENGES]
    mine = len(CHALLENGE_COLUMNS) + 2
    assert [(ws.cell(row=r, column=mine).value, ws.cell(row=r, column=mine).data_type) for r in range(2, 7)] == [
        (f"=LEN(A{r})", "f") for r in range(2, 7)]
    status = ws[f"{column(STATUS)}3"]
    assert (status.value, status.data_type, status.font.b) == ("overdue", "s", True)
    assert status.fill.fgColor.rgb == "00FFFF00"
    assert book["Notes"]["A1"].value == "=SUM(1,2)"


def test_what_is_written_reads_back_the_same_through_openpyxl_the_fast_reader_and_the_cache(edited):
    workbook = LocalWorkbook(edited)
    refs = [f"PC-{i}" for i in range(1, 6)]
    changes = {ref: {STATUS: TRICKY[i], STEP_DUE_BY: TRICKY[i + 3], LAST_REMINDER: "" if i == 1 else TRICKY[-1]}
               for i, ref in enumerate(refs)}
    workbook.update({CHALLENGES: changes})
    cached = workbook._grids()
    fast = read_grids(edited)
    slow = workbook._parse_with_openpyxl()
    assert cached == fast == slow
    table = LocalWorkbook(edited).read(CHALLENGES)
    assert [{name: r[name] for name in (STATUS, STEP_DUE_BY, LAST_REMINDER)} for r in table.records] == [
        {name: value for name, value in changes[ref].items()} for ref in refs]
    ws = openpyxl.load_workbook(edited)[CHALLENGES]
    assert all(ws[f"{column(STATUS)}{r}"].data_type == "s" for r in range(2, 7))  # "=1+1" stays text


def test_emptying_a_cell_keeps_its_formatting(edited):
    LocalWorkbook(edited).update({CHALLENGES: {"PC-2": {STATUS: ""}}})
    cell = openpyxl.load_workbook(edited)[CHALLENGES][f"{column(STATUS)}3"]
    assert (cell.value, cell.font.b) == (None, True)
    assert LocalWorkbook(edited).read(CHALLENGES).find("PC-2")[STATUS] == ""


def test_the_daily_jobs_batch_changes_every_row_and_nothing_else(tmp_path, monkeypatch):
    workbook = LocalWorkbook(tmp_path / "book.xlsx")
    workbook.init()
    workbook.append(CHALLENGES, [{REFERENCE: f"PC-{i}", STEP: str(i % 3 + 1), "Theme": "Timeliness"}
                                 for i in range(200)])
    before = workbook._grids()[CHALLENGES]
    job = {f"PC-{i}": {STATUS: "overdue" if i % 2 else "on track", STEP_DUE_BY: f"2026-12-{i % 28 + 1:02d}",
                       LAST_REMINDER: "2026-11-22"} for i in range(200)}
    refuse_openpyxl(monkeypatch)
    workbook.update({CHALLENGES: job})
    monkeypatch.undo()
    after = read_grids(workbook.path)[CHALLENGES]
    written = {CHALLENGE_COLUMNS.index(name) for name in (STATUS, STEP_DUE_BY, LAST_REMINDER)}
    width = len(CHALLENGE_COLUMNS)
    for old, new in zip(before[1:], after[1:]):
        old, new = old + [""] * (width - len(old)), new + [""] * (width - len(new))
        assert [v for c, v in enumerate(new) if c not in written] == [v for c, v in enumerate(old) if c not in written]
        assert [new[c] for c in sorted(written)] == list(job[old[0]].values())
    assert before[0] == after[0] and len(after) == len(before) == 201


@pytest.mark.parametrize("changes, error", [
    ({"PC-9": {STATUS: "overdue"}}, UnknownReference),
    ({"PC-1": {STATUS: "x" * (CELL_LIMIT + 1)}}, CellTooLong),
])
def test_a_refused_update_leaves_the_file_byte_for_byte(edited, changes, error):
    before = edited.read_bytes()
    with pytest.raises(error):
        LocalWorkbook(edited).update({CHALLENGES: {"PC-2": {STATUS: "overdue"}, **changes}})
    assert edited.read_bytes() == before


def test_a_formula_in_an_app_column_is_replaced_through_openpyxl(edited, monkeypatch):
    book = openpyxl.load_workbook(edited)
    book[CHALLENGES][f"{column(STATUS)}2"] = '=IF(B2="","new","old")'
    book.save(edited)
    loads = count_openpyxl_loads(monkeypatch)
    LocalWorkbook(edited).update({CHALLENGES: {"PC-1": {STATUS: "overdue"}}})
    assert loads, "the fast path must leave a formula cell to openpyxl"
    cell = openpyxl.load_workbook(edited)[CHALLENGES][f"{column(STATUS)}2"]
    assert (cell.value, cell.data_type) == ("overdue", "s")


def test_a_missing_app_column_is_added_through_openpyxl_with_a_bold_header(tmp_path, monkeypatch):
    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    book.active.title = CHALLENGES
    book.active.append([REFERENCE, "Mine"])
    book.active.append(["PC-1", "a"])
    book.save(path)
    loads = count_openpyxl_loads(monkeypatch)
    LocalWorkbook(path).update({CHALLENGES: {"PC-1": {STATUS: "overdue"}}})
    assert loads
    ws = openpyxl.load_workbook(path)[CHALLENGES]
    assert (ws["C1"].value, ws["C1"].font.b, ws["C2"].value) == (STATUS, True, "overdue")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_updated_file(edited, tmp_path):
    LocalWorkbook(edited).update({CHALLENGES: {"PC-2": {STATUS: "=1+1", LAST_REMINDER: "2026-11-22"},
                                               "PC-3": {STATUS: "_x000D_ and _x0041_ as typed"}}})
    out = tmp_path / "csv"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                    "--convert-to", "csv", "--outdir", str(out), str(edited)],
                   check=True, capture_output=True, timeout=120)
    lines = (out / "book.csv").read_text().splitlines()
    assert "=1+1" in lines[2] and "2026-11-22" in lines[2]
    assert "_x000D_ and _x0041_ as typed" in lines[3]  # shown as typed, not a carriage return and an A


def test_rows_sorted_by_a_person_after_the_update_was_planned_are_found_again(edited, monkeypatch):
    """The file changes between reading it and taking the lock: the cells are planned again."""
    workbook = LocalWorkbook(edited)
    workbook.read_all()
    real_locked = LocalWorkbook._locked

    def sort_then_lock(self):
        book = openpyxl.load_workbook(edited)
        ws = book[CHALLENGES]
        first, last = [c.value for c in ws[2]], [c.value for c in ws[6]]
        for c, (a, b) in enumerate(zip(first, last), start=1):
            ws.cell(row=2, column=c, value=b)
            ws.cell(row=6, column=c, value=a)
        book.save(edited)
        monkeypatch.setattr(LocalWorkbook, "_locked", real_locked)
        return real_locked(self)

    monkeypatch.setattr(LocalWorkbook, "_locked", sort_then_lock)
    workbook.update({CHALLENGES: {"PC-1": {STATUS: "overdue"}}})
    ws = openpyxl.load_workbook(edited)[CHALLENGES]
    assert [(ws[f"A{r}"].value, ws[f"{column(STATUS)}{r}"].value) for r in (2, 6)] == [
        ("PC-5", "on track"), ("PC-1", "overdue")]
    assert workbook.read(CHALLENGES).find("PC-1")[STATUS] == "overdue"


def test_a_submission_and_its_history_row_are_one_rewrite_of_the_file(tmp_path: Path, monkeypatch):
    path = tmp_path / "book.xlsx"
    book = LocalWorkbook(path)
    book.init()
    book.append(CHALLENGES, [{REFERENCE: "PC-1"}])
    refuse_openpyxl(monkeypatch)
    saves: list[int] = []
    real_save = LocalWorkbook._save
    monkeypatch.setattr(LocalWorkbook, "_save", lambda self, write: saves.append(1) or real_save(self, write))
    book.append_many({CHALLENGES: [{REFERENCE: "PC-2", STATUS: TRICKY[0]}],
                      "History": [{REFERENCE: "PC-2", "Action": "Raised"}]})
    assert saves == [1]
    grids = read_grids(path)
    fresh = LocalWorkbook(path).read_all([CHALLENGES, "History"])
    assert [(r.reference, r[STATUS]) for r in fresh[CHALLENGES].records] == [("PC-1", ""), ("PC-2", "=1+1")]
    assert [(r.reference, r["Action"]) for r in fresh["History"].records] == [("PC-2", "Raised")]
    assert len(grids[CHALLENGES]) == 3


def test_after_an_append_the_cached_tables_match_a_fresh_read(tmp_path: Path, monkeypatch):
    import sheets.local

    path = tmp_path / "book.xlsx"
    book = LocalWorkbook(path)
    book.init()
    book.append(CHALLENGES, [{REFERENCE: f"PC-{i}"} for i in range(3)])
    before = book.read_all()
    book.append_many({CHALLENGES: [{REFERENCE: "PC-9", STATUS: "=1+1"}, {REFERENCE: "PC-10"}],
                      "History": [{REFERENCE: "PC-9", "Action": "Raised"}]})
    cached = book.read_all()
    assert cached["Compliance"] is before["Compliance"]  # untouched tabs are not rebuilt
    fresh = LocalWorkbook(path, copies=sheets.local.FileCopies()).read_all()
    assert cached == fresh
    assert [r.row for r in fresh[CHALLENGES].records] == [2, 3, 4, 5, 6]
