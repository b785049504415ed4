"""The local workbook's ``write_summary`` writes the Summary tab's XML part afresh without openpyxl,
with the same cells, bold rows and column widths as the openpyxl save, every other part kept."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from sheets.base import SummaryTable
from sheets.local import LocalWorkbook
from sheets.schema import CHALLENGES, REFERENCE, SUMMARY
from sheets.xlsx_read import read_grids
from sheets.xlsx_write import bold_style, sheet_part
from sheets.xlsx_zip import CannotRewrite, Package
from tests.sheets.test_local_update import count_openpyxl_loads, members, refuse_openpyxl

TABLE = SummaryTable(
    rows=(("Challenges this period", "", "A heading far wider than sixty characters, so its column is capped"),
          ("Raised", "12"), (), ("=A1", "-1", "  spaced  ", "<b>&amp;</b>"), ("Resolved at stage 2", "3")),
    bold=frozenset({0, 2}),
)


def looks(path: Path) -> tuple[list[list[tuple[object, str, bool]]], dict[str, float]]:
    """What a person sees on the Summary tab: each cell's value, type and boldness; column widths."""
    ws = openpyxl.load_workbook(path)[SUMMARY]
    cells = [[(c.value, c.data_type, bool(c.font.b)) for c in row] for row in ws.iter_rows()]
    widths = {letter: d.width for letter, d in ws.column_dimensions.items() if d.customWidth}
    return cells, widths


def summary_part(path: Path) -> str:
    return sheet_part(Package.open(path), SUMMARY)


@pytest.fixture
def book(tmp_path: Path) -> LocalWorkbook:
    workbook = LocalWorkbook(tmp_path / "fast" / "book.xlsx")
    workbook.init()
    workbook.append(CHALLENGES, [{REFERENCE: f"PC-{i}"} for i in range(3)])
    return workbook


def test_write_summary_on_an_ordinary_workbook_never_loads_it_with_openpyxl(book, monkeypatch):
    book.write_summary(SummaryTable(rows=(("Old", "stuff"),) * 8))
    before = members(book.path)
    refuse_openpyxl(monkeypatch)
    book.write_summary(TABLE)
    monkeypatch.undo()
    after = members(book.path)
    assert list(after) == list(before)
    assert {name for name in before if before[name] != after[name]} == {summary_part(book.path)}


def test_it_looks_the_same_as_the_openpyxl_save(book, tmp_path, monkeypatch):
    slow = LocalWorkbook(tmp_path / "slow" / "book.xlsx")
    slow.init()

    def cannot(*args, **kwargs):
        raise CannotRewrite("forced")

    monkeypatch.setattr("sheets.local.summary_parts", cannot)
    slow.write_summary(TABLE)
    monkeypatch.undo()
    book.write_summary(TABLE)
    assert looks(book.path) == looks(slow.path)
    cells, widths = looks(book.path)
    assert [c for c, _, b in cells[0] if b] == ["Challenges this period", None, TABLE.rows[0][2]]
    assert cells[3][0] == ("=A1", "s", False)
    assert cells[3][3] == ("<b>&amp;</b>", "s", False)
    assert widths == {"A": 24, "B": 10, "C": 60, "D": 14}


def test_it_reads_back_the_same_through_openpyxl_the_fast_reader_and_the_cache(book):
    book.write_summary(TABLE)
    cached = book._grids()[SUMMARY]
    assert cached == read_grids(book.path)[SUMMARY] == book._parse_with_openpyxl()[SUMMARY]
    assert [r.row for r in LocalWorkbook(book.path).read(SUMMARY).records] == [2, 4, 5]


def test_a_summary_tab_with_a_persons_comment_is_replaced_through_openpyxl(book, monkeypatch):
    other = openpyxl.load_workbook(book.path)
    other[SUMMARY]["A1"].comment = openpyxl.comments.Comment("a note", "a person")
    other.save(book.path)
    loads = count_openpyxl_loads(monkeypatch)
    book.write_summary(TABLE)
    assert loads
    assert looks(book.path)[0][1][:2] == [("Raised", "s", False), ("12", "s", False)]


def test_a_workbook_without_a_plain_bold_format_gets_one_through_openpyxl(tmp_path, monkeypatch):
    path = tmp_path / "book.xlsx"
    made = openpyxl.Workbook()
    made.active.title = CHALLENGES
    made.active["A1"] = REFERENCE
    made.create_sheet(SUMMARY)["A1"] = "old"
    made.save(path)
    loads = count_openpyxl_loads(monkeypatch)
    LocalWorkbook(path).write_summary(TABLE)
    assert loads
    assert looks(path)[0][0][0] == ("Challenges this period", "s", True)
    loads.clear()
    LocalWorkbook(path).write_summary(TABLE)  # the format is there now
    assert not loads


def styles(fonts: str, xfs: str) -> bytes:
    return (f'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts>{fonts}</fonts>'
            f"<cellXfs>{xfs}</cellXfs></styleSheet>").encode()


def test_the_bold_format_used_is_bold_and_nothing_else():
    fonts = '<font><sz val="11"/></font><font><b/><i/></font><font><b val="1"/><sz val="11"/><color theme="1"/></font>'
    xfs = ('<xf numFmtId="0" fontId="0"/>'
           '<xf numFmtId="0" fontId="1"/>'  # bold italic
           '<xf numFmtId="0" fontId="2" fillId="2"/>'  # bold on a coloured fill
           '<xf numFmtId="14" fontId="2"/>'  # bold date
           '<xf numFmtId="0" fontId="2"><alignment horizontal="center"/></xf>'
           '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0"/>')
    assert bold_style(styles(fonts, xfs)) == 5
    with pytest.raises(CannotRewrite):
        bold_style(styles(fonts, '<xf numFmtId="0" fontId="0"/><xf numFmtId="0" fontId="1"/>'))
