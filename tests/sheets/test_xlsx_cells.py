"""How values become cells (sheets.xlsx_cells): text stays text and comes back as written, from this
process's copy and from the file alike, by every write path of the local workbook; text that looks
like an xlsx escape (``_x000D_``, ``_x0041_``) comes back exactly as typed, through openpyxl and
through a save in LibreOffice too."""
from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

import sheets.local
from sheets.local import FileCopies, LocalWorkbook
from sheets.schema import CHALLENGE_COLUMNS, CHALLENGES, HISTORY, REFERENCE, STATUS, SUMMARY
from sheets.base import SummaryTable
from sheets.xlsx_cells import from_xlsx, stored, to_xlsx
from sheets.xlsx_zip import CannotRewrite

LOOKS_ESCAPED = ["_x000D_", "a_x0041_b", "_x005F_x0041_", "_x000d__x000A_", "__x0041__", "_X0041_", "_x004G_",
                 "_x12_", "_xD800_", "snake_x_case"]


def fresh(path: Path) -> LocalWorkbook:
    """A workbook with nothing cached: what the next process reads."""
    return LocalWorkbook(path, copies=sheets.local.FileCopies())


@pytest.fixture
def book(tmp_path) -> LocalWorkbook:
    workbook = LocalWorkbook(tmp_path / "book.xlsx")
    workbook.init()
    return workbook


# Formula-, number- and markup-looking text, characters a cell cannot hold, escapes, white space at the ends.
WRITTEN = ['=HYPERLINK("http://x.example","y")', "=1+1", "+44 20 7946 0000", "-1", "0012", "TRUE", "1/2",
           "<b>&amp;</b>", "line one\r\nline two", "  both ends  ", "a\x00b", "\x1b[31mred", "bad \ufffe",
           "_x000D_", "a_x0041_b", "café ☕"]


def refuse(*args, **kwargs):
    raise CannotRewrite("this test writes through openpyxl")


@pytest.mark.parametrize("how", ["the tab's XML", "openpyxl"])
def test_text_appended_updated_and_summarised_reads_back_alike_from_the_copy_and_the_file(tmp_path, monkeypatch,
                                                                                        how):
    """The process's copy after a write is what the file reads back as: nothing the copy holds
    (a dropped control character, a formula) differs from what the next process will read."""
    book = LocalWorkbook(tmp_path / "book.xlsx")
    book.init()
    if how == "openpyxl":
        for writer in ("appended_parts", "changed_parts", "summary_parts"):
            monkeypatch.setattr(sheets.local, writer, refuse)
    book.append(CHALLENGES, [{REFERENCE: f"PC-{i}", "Outcome": text} for i, text in enumerate(WRITTEN)])
    book.update({CHALLENGES: {f"PC-{i}": {STATUS: text} for i, text in enumerate(reversed(WRITTEN))}})
    headings = tuple(f"Heading {i}" for i in range(len(WRITTEN)))
    book.write_summary(SummaryTable(rows=(headings, tuple(WRITTEN)), bold=frozenset({0})))
    copy = book.read_all([CHALLENGES, SUMMARY])
    read = LocalWorkbook(book.path, copies=FileCopies()).read_all([CHALLENGES, SUMMARY])
    assert copy == read
    records = read[CHALLENGES].records
    assert [r["Outcome"] for r in records] == [stored(text) for text in WRITTEN]
    assert [r[STATUS] for r in records] == [stored(text) for text in reversed(WRITTEN)]
    assert [read[SUMMARY].records[0][h] for h in headings] == [stored(text) for text in WRITTEN]
    assert stored("a\x00b") == "ab" and stored("\x1b[31mred") == "[31mred"
    ws = openpyxl.load_workbook(book.path)[CHALLENGES]
    columns = [CHALLENGE_COLUMNS.index(name) + 1 for name in ("Outcome", STATUS)]
    assert {ws.cell(row=r, column=c).data_type for r in range(2, 2 + len(WRITTEN)) for c in columns} == {"s"}


@pytest.mark.parametrize("text", LOOKS_ESCAPED)
def test_escape_and_unescape_are_inverse(text):
    assert from_xlsx(to_xlsx(text)) == text


def test_only_real_escapes_are_escaped():
    assert to_xlsx("_x0041_") == "_x005F_x0041_"
    assert to_xlsx("_X0041_ _x12_ snake_x_case") == "_X0041_ _x12_ snake_x_case"
    assert from_xlsx("_x0041__x000A_") == "A\n"


def test_appended_and_updated_text_reads_back_as_typed(book, tmp_path):
    book.append(CHALLENGES, [{REFERENCE: f"PC-{i}", STATUS: text} for i, text in enumerate(LOOKS_ESCAPED)])
    book.update({CHALLENGES: {"PC-0": {STATUS: "now _x0041_"}}})
    got = {r.reference: r[STATUS] for r in fresh(book.path).read(CHALLENGES).records}
    assert got == {f"PC-{i}": text for i, text in enumerate(["now _x0041_", *LOOKS_ESCAPED[1:]])}
    with zipfile.ZipFile(book.path) as z:
        xml = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert b"now _x005F_x0041_" in xml


def without_status(path: Path, notes: str = "") -> Path:
    """A Challenges tab as a person left it: no Status column (so writing one goes through openpyxl),
    and a column of their own, saved as Excel and LibreOffice save text (shared strings)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = CHALLENGES
    ws.append([REFERENCE, "Their notes"])
    ws.append(["PC-1", notes or None])
    wb.save(path)
    return path


def test_the_openpyxl_paths_write_and_read_them_as_typed(tmp_path):
    path = without_status(tmp_path / "book.xlsx")
    LocalWorkbook(path).update({CHALLENGES: {"PC-1": {STATUS: "_x000D_ and _x0041_"}}})
    LocalWorkbook(path).write_summary(SummaryTable((("_x0041_",),)))
    tables = fresh(path).read_all([CHALLENGES, SUMMARY])
    assert tables[CHALLENGES].find("PC-1")[STATUS] == "_x000D_ and _x0041_"
    assert tables[SUMMARY].headers == ("_x0041_",)


def test_text_a_spreadsheet_saved_with_escapes_is_read_and_kept_through_an_openpyxl_save(tmp_path):
    """A person's own column as Excel/LibreOffice save it (``_x005F_`` escapes) survives the app's
    openpyxl rewrite of the file unchanged."""
    path = without_status(tmp_path / "book.xlsx", notes="_x005F_x0041_ typed, and a real escape: _x0042_")
    assert fresh(path).read(CHALLENGES).find("PC-1")["Their notes"] == "_x0041_ typed, and a real escape: B"
    fresh(path).update({CHALLENGES: {"PC-1": {STATUS: "overdue"}}})  # an openpyxl load and save
    record = fresh(path).read(CHALLENGES).find("PC-1")
    assert (record["Their notes"], record[STATUS]) == ("_x0041_ typed, and a real escape: B", "overdue")


def test_the_openpyxl_reader_unescapes_too(book, monkeypatch):
    book.append(HISTORY, [{REFERENCE: "PC-1", "Details": "_x0041_ and _x000D_"}])
    monkeypatch.setattr(sheets.local, "read_grids", lambda path: (_ for _ in ()).throw(
        sheets.local.UnreadableXlsx("use openpyxl")))
    assert fresh(book.path).read(HISTORY).find("PC-1")["Details"] == "_x0041_ and _x000D_"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_text_comes_back_as_typed_through_a_save_in_libreoffice(book, tmp_path):
    # Not "_x005F_x0041_": LibreOffice 7.4 itself saves that text as "_x005F_x0041_" (it reads it right).
    typed = ["_x000D_", "a_x0041_b", "x_x005F_y", "=1+1", "line one\r\nline two"]
    book.append(CHALLENGES, [{REFERENCE: f"PC-{i}", STATUS: text} for i, text in enumerate(typed)])
    out = tmp_path / "saved"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(book.path)],
                   check=True, capture_output=True, timeout=180)
    got = {r.reference: r[STATUS] for r in fresh(out / "book.xlsx").read(CHALLENGES).records}
    assert [got[f"PC-{i}"] for i in range(4)] == typed[:4]
    assert got["PC-4"].replace("\r\n", "\n") == "line one\nline two"
