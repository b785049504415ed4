"""Text that looks like an xlsx escape (``_x000D_``, ``_x0041_``) comes back exactly as typed: through
every write path of the local workbook, through openpyxl, and through a save in LibreOffice."""
from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

import sheets.local
from sheets.local import LocalWorkbook
from sheets.schema import CHALLENGES, HISTORY, REFERENCE, STATUS, SUMMARY
from sheets.base import SummaryTable
from sheets.xlsx_text import from_xlsx, to_xlsx

LOOKS_ESCAPED = ["_x000D_", "a_x0041_b", "_x005F_x0041_", "_x000d__x000A_", "__x0041__", "_X0041_", "_x004G_",
                 "_x12_", "_xD800_", "snake_x_case"]


def fresh(path: Path) -> LocalWorkbook:
    """A workbook with nothing cached: what the next process reads."""
    sheets.local._STATES.clear()
    return LocalWorkbook(path)


@pytest.fixture
def book(tmp_path) -> LocalWorkbook:
    workbook = LocalWorkbook(tmp_path / "book.xlsx")
    workbook.init()
    return workbook


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
