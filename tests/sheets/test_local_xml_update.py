"""Changing cells in a tab's XML (sheets.xlsx_write): where cells go, what is kept, and the shapes
it leaves to openpyxl."""
from __future__ import annotations

from xml.etree import ElementTree

import pytest

from sheets.tables import CellChange
from sheets.xlsx_write import with_cells
from sheets.xlsx_zip import CannotRewrite

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def sheet(rows: str, dimension: str = "A1:C2") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet {NS}><dimension ref="{dimension}"/>'
            f"<sheetData>{rows}</sheetData><pageMargins left=\"0.7\"/></worksheet>").encode()


def inline(ref: str, text: str, style: str = "") -> str:
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def cells(xml: bytes, row: int) -> list[tuple[str, str, str | None]]:
    """(reference, text, style) of each cell of a row, in document order."""
    root = ElementTree.fromstring(xml)
    for r in root.iter(f"{MAIN}row"):
        if r.get("r") == str(row):
            return [(c.get("r"), "".join(c.itertext()), c.get("s")) for c in r]
    raise AssertionError(f"no row {row}")


HEADER = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>'


@pytest.fixture(params=["plain", "any"])
def written(request):
    """Cells as common writers write them (``<c r="A1"``, found by searching for that), or in
    another layout, found among the row's cell references: each test runs on both."""
    if request.param == "plain":
        return lambda xml: xml
    return lambda xml: xml.replace('<c r="', '<c  r="')


def test_cells_are_replaced_or_added_in_column_order_keeping_their_style(written):
    xml = sheet(written(HEADER + '<row r="2" spans="1:3"><c r="B2" s="4" t="s"><v>7</v></c>'
                        '<c r="D2"><v>12</v></c></row>'), "A1:D2")
    new = with_cells(xml, [CellChange(1, 0, "first"), CellChange(1, 1, "=1+1"), CellChange(1, 2, "between"),
                           CellChange(1, 5, "last & <after>")])
    assert cells(new, 2) == [("A2", "first", None), ("B2", "=1+1", "4"), ("C2", "between", None),
                             ("D2", "12", None), ("F2", "last & <after>", None)]
    assert b'<c r="B2" s="4" t="inlineStr">' in new
    assert b'spans="1:6"' in new and b'<dimension ref="A1:F2"/>' in new
    assert cells(new, 1) == cells(xml, 1)


def test_rows_with_and_without_the_cells_to_write_in_one_change_each_get_them_in_place(written):
    """Rows lacking the cells (added in column order) and rows having them (replaced) in one change,
    in either order: the result is the same as changing each row on its own."""
    rows = {2: '<c r="A2"><v>1</v></c><c r="C2"><v>3</v></c>', 3: '<c r="A3"><v>1</v></c>',
            4: '<c r="A4"><v>1</v></c><c r="B4" s="2"><v>2</v></c><c r="C4"><v>3</v></c>',
            5: '<c r="C5"><v>3</v></c>', 6: '<c r="A6"><v>1</v></c><c r="B6"><v>2</v></c>'}
    xml = sheet(written(HEADER + "".join(f'<row r="{r}">{cells}</row>' for r, cells in rows.items())), "A1:C6")
    changes = [CellChange(r - 1, c, f"{r}{c}") for r in rows for c in (1, 2)]
    new = with_cells(xml, changes)
    one_by_one = xml
    for change in changes:
        one_by_one = with_cells(one_by_one, [change])
    assert new == one_by_one
    assert cells(new, 3) == [("A3", "1", None), ("B3", "31", None), ("C3", "32", None)]
    assert cells(new, 4) == [("A4", "1", None), ("B4", "41", "2"), ("C4", "42", None)]
    assert cells(new, 5) == [("B5", "51", None), ("C5", "52", None)]


def test_a_row_without_cells_gets_them(written):
    xml = sheet(written(HEADER + '<row r="2"/><row r="3" ht="20"></row>'))
    new = with_cells(xml, [CellChange(1, 1, "b"), CellChange(2, 0, "a")])
    assert cells(new, 2) == [("B2", "b", None)] and cells(new, 3) == [("A3", "a", None)]
    assert b'<row r="3" ht="20"><c r="A3" t="inlineStr">' in new


def test_text_reads_back_exactly(written):
    values = ["  both ends  ", "cr\r\nlf", "tab\t", "<&>\"'", "café ☕", "=HYPERLINK(\"x\")"]
    xml = sheet(written(HEADER + '<row r="2"><c r="A2"><v>1</v></c></row>'))
    new = with_cells(xml, [CellChange(1, c, v) for c, v in enumerate(values)])
    assert [text for _, text, _ in cells(new, 2)] == values


def test_an_emptied_cell_keeps_only_its_style_and_an_unstyled_one_goes(written):
    xml = sheet(written(HEADER + '<row r="2"><c r="A2" s="3" t="s"><v>1</v></c><c r="B2" t="s"><v>0</v></c>'
                        '<c r="C2" t="s"><v>0</v></c></row>'))
    new = with_cells(xml, [CellChange(1, 0, ""), CellChange(1, 1, ""), CellChange(1, 3, "")])
    assert ('<row r="2"><c r="A2" s="3"/>' + written('<c r="C2" t="s"><v>0</v></c></row>')).encode() in new


def test_other_cells_rich_text_and_row_extensions_are_kept_byte_for_byte(written):
    rich = written('<c r="A2" t="inlineStr"><is><r><rPr><color rgb="FFFF0000"/><family val="2"/></rPr><t>red</t></r>'
            '</is></c>')
    shared_formula = written('<c r="E2"><f t="shared" ref="E2:E3" si="0">LEN(A2)</f><v>3</v></c>')
    extension = '<extLst><ext uri="{x}"/></extLst>'
    row_3 = written('<row r="3"><c r="E3"><f t="shared" si="0"/><v>2</v></c></row>')
    xml = sheet(HEADER + f'<row r="2" customHeight="1" ht="30">{rich}{shared_formula}{extension}</row>' + row_3)
    new = with_cells(xml, [CellChange(1, 2, "C"), CellChange(1, 6, "G")])
    assert (f'<row r="2" customHeight="1" ht="30">{rich}{inline("C2", "C")}{shared_formula}{inline("G2", "G")}'
            f"{extension}</row>").encode() in new
    assert row_3.encode() in new


def test_attributes_in_any_order_and_quotes_are_understood():
    xml = sheet(HEADER + "<row spans='1:2' r='2'><c t=\"s\" r='A2'><v>0</v></c><c s='2' r=\"B2\"/></row>")
    new = with_cells(xml, [CellChange(1, 1, "b")])
    assert cells(new, 2) == [("A2", "0", None), ("B2", "b", "2")]


def test_unchanged_rows_and_everything_outside_sheet_data_are_the_same_bytes(written):
    rows = HEADER + "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>{r}</v></c></row>' for r in range(2, 6))
    xml = sheet(written(rows), "A1:C5")
    new = with_cells(xml, [CellChange(2, 0, "x")])
    old_row, new_row = written('<row r="3"><c r="A3" t="s"><v>3</v></c></row>'), f'<row r="3">{inline("A3", "x")}</row>'
    assert new == xml.replace(old_row.encode(), new_row.encode())


@pytest.mark.parametrize("rows, why", [
    (HEADER + '<row><c r="A2"><v>1</v></c></row>', "a row without its number"),
    (HEADER + '<row r="2"><c><v>1</v></c></row>', "a cell without its reference"),
    (HEADER + '<row r="2"><c r="A3"><v>1</v></c></row>', "a cell numbered for another row"),
    (HEADER + '<row r="2"><c r="A2"><v>1</v></c></row><row r="2"/>', "a row number used twice"),
    (HEADER + '<row r="2"><c r="A2"><f>1+1</f><v>2</v></c></row>', "a formula in a cell to write"),
    (HEADER + '<row r="2"><c r="A2"><f t="shared" ref="A2:A3" si="0">B2</f></c></row>', "a shared formula"),
    (HEADER + '<row r="2"><c r="A2"><f t="shared" si="0"/></c></row>', "a cell sharing a formula"),
    (HEADER, "the row is not there"),
])
def test_shapes_left_to_openpyxl(rows, why, written):
    with pytest.raises(CannotRewrite):
        with_cells(sheet(written(rows)), [CellChange(1, 0, "x")])


def test_prefixed_elements_are_left_to_openpyxl():
    xml = (b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
           b'<x:row r="2"><x:c r="A2"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>')
    with pytest.raises(CannotRewrite):
        with_cells(xml, [CellChange(1, 0, "x")])


def test_xml_in_another_encoding_is_left_to_openpyxl():
    xml = sheet(HEADER + '<row r="2"><c r="A2"><v>1</v></c></row>')
    xml = xml.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')
    with pytest.raises(CannotRewrite, match="ISO-8859-1"):
        with_cells(xml, [CellChange(1, 0, "café")])
    assert b"<row r=\"2\">" in with_cells(sheet(HEADER + '<row r="2"><c r="A2"><v>1</v></c></row>'),
                                         [CellChange(1, 0, "café")])
