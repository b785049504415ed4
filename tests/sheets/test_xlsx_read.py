"""Tabs are read by python-calamine when it reads them exactly as the XML reader does, and from
their XML otherwise: either way the grids are the same."""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import sheets.xlsx_read as xlsx_read
from sheets.local import LocalWorkbook
from sheets.schema import CHALLENGES, HISTORY, REFERENCE, STATUS, SUMMARY
from sheets.base import SummaryTable
from sheets.xlsx_read import read_grids


def xml_only(path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """The grids as the XML reader alone reads them."""
    with monkeypatch.context() as m:
        m.setattr(xlsx_read, "_calamine", lambda path: None)
        return read_grids(path)


def count_calls(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    calls: list[int] = []
    real = getattr(xlsx_read, name)
    monkeypatch.setattr(xlsx_read, name, lambda *a: calls.append(1) or real(*a))
    return calls


def with_sheet_data(tmp_path: Path, cells: str, shared: list[str] | None = None) -> Path:
    """A workbook made by openpyxl whose one tab's <sheetData> holds ``cells`` (and its shared strings ``shared``)."""
    base = tmp_path / "base.xlsx"
    book = openpyxl.Workbook()
    book.active.title = CHALLENGES
    book.active["A1"] = "placeholder"
    book.save(base)
    path = tmp_path / "crafted.xlsx"
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                start, end = data.index(b"<sheetData>") + len(b"<sheetData>"), data.index(b"</sheetData>")
                data = data[:start] + cells.encode() + data[end:]
            elif shared is not None and info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            elif shared is not None and info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.'
                                    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                    b'Target="sharedStrings.xml"/></Relationships>')
            out.writestr(info, data)
        if shared is not None:
            items = "".join(f"<si>{s}</si>" for s in shared)
            out.writestr("xl/sharedStrings.xml", '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                         f'2006/main" count="{len(shared)}" uniqueCount="{len(shared)}">{items}</sst>')
    return path


def test_a_workbook_the_app_wrote_is_read_by_calamine(tmp_path, monkeypatch):
    book = LocalWorkbook(tmp_path / "book.xlsx")
    book.init()
    typed = ["=1+1", "  spaces kept  ", "line one\r\nline two", "<b>&amp;</b>", "-1", "0012", "café ☕",
             "_x000D_ typed", "a_x0041_b", "\rx", "tab\t"]
    book.append_many({CHALLENGES: [{REFERENCE: f"PC-{i}", STATUS: text} for i, text in enumerate(typed)],
                      HISTORY: [{REFERENCE: "PC-1", "Details": text} for text in typed]})
    xml_calls = count_calls(monkeypatch, "_grid")
    grids = read_grids(book.path)
    assert xml_calls == []
    assert grids == xml_only(book.path, monkeypatch)
    records = LocalWorkbook(book.path).read(CHALLENGES).records
    assert [r[STATUS] for r in records] == typed


def test_the_summary_tabs_dates_are_read_from_its_xml(tmp_path, monkeypatch):
    book = LocalWorkbook(tmp_path / "book.xlsx")
    book.init()
    book.append(CHALLENGES, [{REFERENCE: "PC-1"}])
    book.write_summary(SummaryTable(rows=(("Updated", dt.datetime(2026, 11, 21, 9, 30)), ("Raised", 3))))
    xml_calls = count_calls(monkeypatch, "_grid")
    grids = read_grids(book.path)
    assert len(xml_calls) == 1  # the Summary tab only
    assert grids[SUMMARY] == [["Updated", "2026-11-21 09:30"], ["Raised", "3"]]
    assert grids == xml_only(book.path, monkeypatch)


@pytest.mark.parametrize("cells, expected", [
    ('<row r="1"><c r="A1" t="inlineStr"><is><t>  pad  </t></is></c></row>', ["  pad  "]),
    ('<row r="1"><c r="A1" t="inlineStr"><is><t>&#13;x</t></is></c></row>', ["\rx"]),
    ('<row r="1"><c r="A1" t="e"><v>#DIV/0!</v></c></row>', ["#DIV/0!"]),
    ('<row r="1"><c r="A1" t="str"><f>B1</f><v>text </v></c></row>', ["text "]),
    ('<row r="1"><c r="A1" t="d"><v>2026-11-21T09:30:00</v></c></row>', ["2026-11-21 09:30"]),
    ('<row r="1"><c r="A1"><v>1E+20</v></c><c r="B1" t="b"><v>1</v></c><c r="C1"><v>0.1</v></c></row>',
     ["100000000000000000000", "TRUE", "0.1"]),
], ids=["spaces-without-preserve", "a-character-reference-at-an-end", "an-error", "a-formulas-text",
        "a-date-cell", "numbers-and-booleans"])
def test_what_calamine_reads_differently_is_read_as_the_xml_reader_reads_it(tmp_path, monkeypatch, cells, expected):
    path = with_sheet_data(tmp_path, cells)
    grids = read_grids(path)
    assert grids[CHALLENGES] == [expected]
    assert grids == xml_only(path, monkeypatch)


def test_shared_strings_calamine_would_trim_are_read_from_the_xml(tmp_path, monkeypatch):
    path = with_sheet_data(tmp_path, '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>',
                           shared=["<t>plain</t>", "<t> lead</t>"])
    opened = count_calls(monkeypatch, "_calamine")
    assert read_grids(path)[CHALLENGES] == [["plain", " lead"]]
    assert opened == []


def test_a_value_typed_far_down_and_far_right_is_read_from_the_xml(tmp_path, monkeypatch):
    """calamine would hold every cell between A1 and there (billions of them)."""
    path = with_sheet_data(tmp_path, '<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'
                                     '<row r="200000"><c r="XFD200000" t="inlineStr"><is><t>far</t></is></c></row>')
    by_calamine = count_calls(monkeypatch, "_calamine_grid")
    grid = read_grids(path)[CHALLENGES]
    assert by_calamine == []
    assert (grid[0], len(grid), len(grid[-1]), grid[-1][-1]) == (["a"], 200000, 16384, "far")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=3) | st.sampled_from(
    [" ", "\t", "\n", "\r", "_x000D_", "_x005F_", "_x0041_", "&", "<", "="]), min_size=1, max_size=8))
def test_calamine_and_the_xml_reader_read_any_text_the_same(tmp_path_factory, monkeypatch, texts):
    path = tmp_path_factory.mktemp("any") / "book.xlsx"
    book = LocalWorkbook(path)
    book.init()
    book.append(CHALLENGES, [{REFERENCE: "PC-1", STATUS: "".join(texts)}, {REFERENCE: "PC-2", "Outcome": texts[0]}])
    assert read_grids(path) == xml_only(path, monkeypatch)
