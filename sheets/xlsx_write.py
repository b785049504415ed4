"""The worksheet XML the local workbook's fast writes produce, without loading the workbook.

openpyxl loads and saves every cell of every tab for any change (seconds at 10,000 rows). The
app's writes touch one or two tabs, so each function here takes the file's zip (a
sheets.xlsx_zip.Package) and returns only the parts that change, for the one rewrite of the file
(``Package.write``, called by sheets.local), which copies every other part as it is:

- ``appended_parts``: rows added below a tab's last row (a form's row, its History row). A tab
  this app wrote before is appended to without compressing its earlier rows again (see
  sheets.xlsx_zip).
- ``changed_parts``: cells of existing rows set (a recorded step, the daily job's Status / Step
  due by / Last reminder columns). A written cell keeps its style (``s``) and nothing else; a
  shared-string cell is replaced, never edited, so the shared strings part is left as it was
  (an unused entry there is harmless).
- ``summary_parts``: the Summary tab's part written afresh (text cells, figures as numbers in
  their number format, header rows bold, columns sized), with the number formats added to the
  styles the first time they are needed.

Every cell is made by sheets.xlsx_cells (text stays text). Each raises CannotRewrite, and the
caller uses openpyxl instead, for a shape it does not handle safely:

- any: XML not in UTF-8; no ``<sheetData>`` in the default namespace (``<x:row>`` prefixed elements);
- appending: a row (empty or formatted) at or below the first new row, a row without its number;
- changing cells: a row or cell without its ``r`` reference, a cell numbered for another row, a row
  number used twice, a row to change that is not in the XML, a cell to change that holds a formula
  (shared and array formulas and the calculation chain point at formula cells, and only a full
  save keeps them consistent);
- the Summary: the tab's part has relationships of its own (a comment, drawing or link a person
  added, which would be left dangling), or the styles have no plain bold cell format to use, or
  are written in a way this cannot extend.
"""
from __future__ import annotations

import bisect
import re
import zipfile
from operator import itemgetter
from pathlib import PurePosixPath
from typing import Collection, Mapping, Sequence
from xml.etree import ElementTree

from openpyxl.utils import column_index_from_string, get_column_letter

from sheets.base import SummaryValue, number_cell
from sheets.tables import CellChange
from sheets.xlsx_cells import CellXml
from sheets.xlsx_read import MAIN, UnreadableXlsx, worksheet_parts
from sheets.xlsx_zip import CannotRewrite, Compressed, Package, appendable, with_rows

Parts = dict[str, bytes | Compressed]


def sheet_part(book: Package | zipfile.ZipFile, tab: str) -> str:
    """The zip member holding ``tab``'s cells, e.g. ``xl/worksheets/sheet1.xml``."""
    try:
        part = worksheet_parts(book).get(tab)
    except (UnreadableXlsx, KeyError, ElementTree.ParseError) as e:
        raise CannotRewrite(str(e)) from e
    if part is None:
        raise CannotRewrite(f"no part for the tab {tab!r}")
    if part not in book.namelist():
        raise CannotRewrite(f"{part} is not in the file")
    return part


# Appending rows

_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\br="(\d+)"')


def appended_parts(book: Package, additions: Mapping[str, tuple[int, Sequence[Sequence[str]]]]) -> Parts:
    """The parts of the tabs with rows added: ``additions`` is ``{tab: (first_row, rows)}``, 1-based."""
    parts: Parts = {}
    cells = CellXml()
    for tab, (first_row, rows) in additions.items():
        part = sheet_part(book, tab)
        last_row = first_row + len(rows) - 1
        width = max((len(r) for r in rows), default=1)
        added = "".join(cells.row(first_row + i, row) for i, row in enumerate(rows)).encode()
        sheet = appendable(book, part)
        if sheet is not None:
            _check_below(sheet.last_row, first_row)
            parts[part] = with_rows(book, sheet, _with_dimension(sheet.head, width, last_row), added, last_row)
            continue
        xml = book.read(part)
        start, end = _sheet_data(xml)
        last = xml.rfind(b"<row ", start, end)
        if last >= 0:
            m = _ROW_NUMBER.match(xml, last)
            if m is None:
                raise CannotRewrite("a row without its number")
            _check_below(int(m.group(1)), first_row)
        parts[part] = _with_dimension(xml[:end] + added + xml[end:], width, last_row, start)
    return parts


def _check_below(last: int, first_row: int) -> None:
    if last >= first_row:
        raise CannotRewrite(f"row {last} exists (empty or formatted) below the data")


# Changing cells of existing rows

_ENCODING = re.compile(rb"""<\?xml[^>]*?\bencoding\s*=\s*["']([^"']+)["']""")
_ROW_TAG = re.compile(rb"<row\b([^>]*)>")
_ANY_CELL = re.compile(rb"<c[\s>/]")
# A cell's start tag up to its reference, whatever the attributes' order and quotes: (that text,
# column letters, row number). ``r`` first (as every common writer puts it) is tried first.
_CELL_REF = re.compile(rb"""(<c(?:\s[^>]*?)??\sr\s*=\s*["']([A-Z]+)(\d+)["'])""")
_REF = re.compile(rb"""(?:^|\s)r\s*=\s*["']([^"']*)["']""")
_STYLE = re.compile(rb"""\ss\s*=\s*["'](\d+)["']""")
_FORMULA = re.compile(rb"<f[\s/>]")
_SPANS = re.compile(rb"""\bspans\s*=\s*["'](\d+):(\d+)["']""")
_DIMENSION = re.compile(rb"""<dimension\s+ref\s*=\s*["']([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?["']\s*/>""")
_LETTERS, _ROW_NUMBERS = itemgetter(1), itemgetter(2)


def changed_parts(book: Package, changes: Mapping[str, Sequence[CellChange]]) -> Parts:
    """The parts of the tabs with ``changes`` (tab -> cells) made. A CellChange's row and column
    are 0-based (row 0 is the header row); "" empties the cell."""
    parts: Parts = {}
    cells = CellXml()
    for tab, changed in changes.items():
        part = sheet_part(book, tab)
        if part in parts:
            raise CannotRewrite(f"two tabs share the part {part}")
        parts[part] = with_cells(book.read(part), changed, cells)
    return parts


def with_cells(xml: bytes, cells: Sequence[CellChange], make: CellXml | None = None) -> bytes:
    """The sheet XML with each cell of ``cells`` set to its text; their rows must already exist."""
    make = make or CellXml()
    data_start, data_end = _sheet_data(xml)
    by_row: dict[int, dict[int, str]] = {}
    for cell in cells:
        by_row.setdefault(cell.row + 1, {})[cell.column] = cell.value
    pieces: list[bytes] = []
    position = 0
    seen: set[int] = set()
    look_first = True  # whether the last row changed had its cells (the next one likely has too)
    names = {c: (n, n.encode()) for c in {cell.column for cell in cells} for n in (get_column_letter(c + 1),)}
    for tag in _ROW_TAG.finditer(xml, data_start, data_end):
        number = _reference(tag.group(1))
        if not number.isdigit():
            raise CannotRewrite("a row without its number")
        row = int(number)
        if row in seen:
            raise CannotRewrite(f"row {row} appears twice")
        seen.add(row)
        wanted = by_row.get(row)
        if wanted is not None:
            new, row_end, look_first = _changed_row(xml, tag, number, sorted(wanted.items()), data_end, make,
                                                    names, look_first)
            pieces.append(xml[position:tag.start()])
            pieces.append(new)
            position = row_end
    if len(seen) != xml.count(b"<row", data_start, data_end):
        raise CannotRewrite("a row without its number")
    missing = set(by_row) - seen
    if missing:
        raise CannotRewrite(f"row {min(missing)} is not in the sheet's XML")
    pieces.append(xml[position:])
    widest = max((c.column + 1 for c in cells if c.value), default=0)
    return _with_dimension(b"".join(pieces), widest, 0, data_start)


def _sheet_data(xml: bytes) -> tuple[int, int]:
    """Where the rows of <sheetData> start and end."""
    declared = _ENCODING.match(xml)
    if declared and declared.group(1).upper() not in (b"UTF-8", b"UTF8"):
        raise CannotRewrite(f"the sheet's XML is in {declared.group(1).decode()}, not UTF-8")
    start = xml.find(b"<sheetData")
    tag_end = xml.find(b">", start) + 1
    end = xml.rfind(b"</sheetData>")
    if start < 0 or tag_end <= 0 or end < tag_end:
        raise CannotRewrite("no <sheetData> with rows (or its elements have a namespace prefix)")
    return tag_end, end


def _changed_row(xml: bytes, tag: re.Match[bytes], number: bytes, pending: list[tuple[int, str]], limit: int,
                 make: CellXml, names: dict[int, tuple[str, bytes]], look_first: bool) -> tuple[bytes, int, bool]:
    """The new bytes of the <row> element at ``tag`` with the ``pending`` (column, text) cells
    replaced or added in column order, where the old element ends, and whether every cell was
    already there. ``names`` gives each column's letters, as text and bytes.

    With ``look_first`` each cell is first looked for as most writers write it (``<c r="B7"``);
    once one is not found, the cells are placed among the row's cell references (found by one
    regular expression search, in C rather than cell by cell in Python) by bisection.
    """
    attributes = tag.group(1)
    if attributes.endswith(b"/"):  # <row .../> has no cells
        attributes = attributes[:-1]
        body = b""
        row_end = tag.end()
    else:
        body_end = xml.find(b"</row>", tag.end(), limit)
        if body_end < 0:
            raise CannotRewrite(f"row {number.decode()} is not closed")
        body = xml[tag.end():body_end]
        row_end = body_end + len(b"</row>")
    refs = _CELL_REF.findall(body)
    if len(refs) != len(_ANY_CELL.findall(body)):
        raise CannotRewrite(f"a cell in row {number.decode()} without its reference")
    if refs and set(map(_ROW_NUMBERS, refs)) != {number}:
        raise CannotRewrite(f"a cell in row {number.decode()} numbered for another row")
    row = number.decode()
    out: list[bytes] = [b"<row", _widen_spans(attributes, max((c for c, v in pending if v), default=-1) + 1), b">"]
    position = 0
    after_last = -1
    keys: list[tuple[int, bytes]] | None = None  # the cells' columns in order, made when first needed
    all_there = True
    for column, value in pending:
        name, key = names[column]
        ref = name + row
        # The cell as most writers write it (a row being rewritten has its cells), until one is missing
        at = body.find(b'<c r="' + key + number + b'"') if look_first and keys is None else -1
        exists = at >= 0
        if not exists:  # its place among the cells, by their column
            if keys is None:  # columns ordered as (number of letters, letters), made in C
                letters = list(map(_LETTERS, refs))
                keys = list(zip(map(len, letters), letters))
            i = bisect.bisect_left(keys, (len(key), key))
            if i < len(refs):
                at = body.find(refs[i][0])
                exists = keys[i][1] == key
            else:  # after the last cell, so before the row's <extLst> if it has one
                if after_last < 0:
                    after_last = 0
                    if refs:
                        last = body.find(refs[-1][0])
                        after_last = _end_of_cell(body, last, body.find(b">", last) + 1)
                at = after_last
        all_there = all_there and exists
        end = at
        style = None
        if exists:
            tag_end = body.find(b">", at) + 1
            end = _end_of_cell(body, at, tag_end)
            if _FORMULA.search(body, tag_end, end):
                raise CannotRewrite(f"the cell {ref} holds a formula")
            found = _STYLE.search(body, at, tag_end)
            style = found.group(1).decode() if found else None
        out.append(body[position:at])
        out.append(make.text(ref, value, style).encode())
        position = end
    out.append(body[position:])
    out.append(b"</row>")
    return b"".join(out), row_end, all_there


def _end_of_cell(body: bytes, at: int, tag_end: int) -> int:
    """Where the cell element starting at ``at`` (its start tag ending at ``tag_end``) ends."""
    if body[tag_end - 2:tag_end] == b"/>":
        return tag_end
    end = body.find(b"</c>", tag_end)
    if tag_end <= 0 or end < 0:
        raise CannotRewrite("a cell is not closed")
    return end + len(b"</c>")


def _reference(attributes: bytes) -> bytes:
    """The ``r`` attribute of a row start tag (b"" if it has none); writers put it first."""
    if attributes.startswith(b' r="'):
        return attributes[4:attributes.find(b'"', 4)]
    m = _REF.search(attributes)
    return m.group(1) if m else b""


def _widen_spans(attributes: bytes, columns: int) -> bytes:
    """The row's attributes with its ``spans`` hint covering ``columns`` columns."""
    m = _SPANS.search(attributes)
    if m is None or int(m.group(2)) >= columns:
        return attributes
    return attributes[:m.start()] + f'spans="{m.group(1).decode()}:{columns}"'.encode() + attributes[m.end():]


def _with_dimension(xml: bytes, columns: int, rows: int, before: int | None = None) -> bytes:
    """The sheet's XML (or its head) with its ``<dimension>`` covering at least ``columns`` columns
    and ``rows`` rows; looked for before ``before`` (where the rows start)."""
    m = _DIMENSION.search(xml, 0, len(xml) if before is None else before)
    if m is None:
        return xml
    end_col = (m.group(3) or m.group(1)).decode()
    end_row = int(m.group(4) or m.group(2))
    try:
        width = column_index_from_string(end_col)
    except ValueError:
        raise CannotRewrite(f"a dimension reaching column {end_col}") from None
    if width >= columns and end_row >= rows:
        return xml
    ref = f'<dimension ref="{m.group(1).decode()}{m.group(2).decode()}:' \
          f'{get_column_letter(max(width, columns))}{max(end_row, rows)}"/>'
    return xml[:m.start()] + ref.encode() + xml[m.end():]


# The Summary tab

_VIEWS = re.compile(rb"<sheetViews\b.*?</sheetViews>", re.DOTALL)
_PLAIN_FONT = {f"{MAIN}{name}" for name in ("b", "name", "sz", "family", "scheme", "charset", "color")}
_DEFAULT_VIEWS = b'<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
_BUILTIN_FORMATS = {"0%": 9}
_STYLESHEET = re.compile(rb"<styleSheet\b[^>]*>")
_NUM_FMTS = re.compile(rb'<numFmts count="(\d+)">')
_CELL_XFS = re.compile(rb'<cellXfs count="(\d+)">')


def summary_parts(book: Package, tab: str, rows: Sequence[Sequence[SummaryValue]], bold: Collection[int],
                  widths: dict[int, float]) -> Parts:
    """The parts for ``tab`` holding just ``rows`` (text as text, figures as numbers): rows whose
    0-based index is in ``bold`` in bold, 0-based column -> width in ``widths``."""
    part = sheet_part(book, tab)
    rels = PurePosixPath(part)
    if str(rels.parent / "_rels" / f"{rels.name}.rels") in book.by_name:
        raise CannotRewrite(f"the {tab} tab has comments, drawings or links of its own")
    try:
        old_styles = book.read("xl/styles.xml")
        style = bold_style(old_styles) if bold else None
        wanted = sorted({n[1] for row in rows for v in row if (n := number_cell(v)) and n[1]})
        styles, formats = number_styles(old_styles, wanted)
    except (KeyError, ElementTree.ParseError) as e:
        raise CannotRewrite(str(e)) from e
    views = _VIEWS.search(book.read(part))
    parts: Parts = {part: sheet_xml(rows, bold, style, widths, views.group(0) if views else _DEFAULT_VIEWS, formats)}
    if styles != old_styles:
        parts["xl/styles.xml"] = styles
    return parts


def bold_style(styles: bytes) -> int:
    """The index of a cell format that is bold text and nothing else (no number format, fill,
    border, alignment, italics or colour)."""
    root = ElementTree.fromstring(styles)
    fonts = root.find(f"{MAIN}fonts")
    xfs = root.find(f"{MAIN}cellXfs")
    if fonts is None or xfs is None:
        raise CannotRewrite("no fonts or cell formats in the styles")
    font_list = list(fonts.iter(f"{MAIN}font"))
    for index, xf in enumerate(xfs.iter(f"{MAIN}xf")):
        if any(xf.get(a, "0") != "0" for a in ("numFmtId", "fillId", "borderId")) or len(xf):
            continue
        font_id = int(xf.get("fontId", "0"))
        if font_id < len(font_list) and _plain_bold(font_list[font_id]):
            return index
    raise CannotRewrite("no plain bold cell format in the styles")


def _plain_bold(font: ElementTree.Element) -> bool:
    b = font.find(f"{MAIN}b")
    if b is None or b.get("val", "1") in ("0", "false"):
        return False
    for child in font:
        if child.tag not in _PLAIN_FONT:
            return False
        if child.tag == f"{MAIN}color" and child.attrib not in ({"theme": "1"}, {"rgb": "FF000000"}, {}):
            return False
    return True


def number_styles(styles: bytes, codes: Sequence[str]) -> tuple[bytes, dict[str, int]]:
    """The styles with a plain cell format for each number format code in ``codes`` (added when
    missing), and code -> that cell format's index."""
    if not codes:
        return styles, {}
    root = ElementTree.fromstring(styles)
    xfs = root.find(f"{MAIN}cellXfs")
    if xfs is None:
        raise CannotRewrite("no cell formats in the styles")
    ids = {fmt.get("formatCode", ""): int(fmt.get("numFmtId", "0")) for fmt in root.iter(f"{MAIN}numFmt")}
    ids.update(_BUILTIN_FORMATS)
    found: dict[str, int] = {}
    xf_list = list(xfs.iter(f"{MAIN}xf"))
    for index, xf in enumerate(xf_list):
        if any(xf.get(a, "0") != "0" for a in ("fontId", "fillId", "borderId")) or len(xf):
            continue
        for code in codes:
            if code in ids and int(xf.get("numFmtId", "0")) == ids[code] and code not in found:
                found[code] = index
    missing = [c for c in codes if c not in found]
    if not missing:
        return styles, found
    new_formats = [c for c in missing if c not in ids]
    next_id = max([163, *(i for c, i in ids.items() if c not in _BUILTIN_FORMATS)]) + 1
    for code in new_formats:
        ids[code], next_id = next_id, next_id + 1
    if new_formats:
        escape = CellXml().escape
        added = b"".join(f'<numFmt numFmtId="{ids[c]}" formatCode="{escape(c)}"/>'.encode() for c in new_formats)
        counted = _NUM_FMTS.search(styles)
        if counted:
            total = int(counted.group(1)) + len(new_formats)
            styles = styles.replace(counted.group(0), f'<numFmts count="{total}">'.encode(), 1)
            styles = styles.replace(b"</numFmts>", added + b"</numFmts>", 1)
        elif b"<numFmts" in styles:
            raise CannotRewrite("the styles' number formats are written in a way this cannot extend")
        else:
            start = _STYLESHEET.search(styles)
            if start is None:
                raise CannotRewrite("the styles are written with a namespace prefix")
            styles = (styles[:start.end()] + f'<numFmts count="{len(new_formats)}">'.encode() + added
                      + b"</numFmts>" + styles[start.end():])
    cell_xfs = _CELL_XFS.search(styles)
    if cell_xfs is None or b"</cellXfs>" not in styles:
        raise CannotRewrite("the styles' cell formats are written in a way this cannot extend")
    count = len(xf_list)
    for code in missing:
        found[code], count = count, count + 1
    added = b"".join(f'<xf numFmtId="{ids[c]}" fontId="0" fillId="0" borderId="0" xfId="0" '
                     f'applyNumberFormat="1"/>'.encode() for c in missing)
    styles = styles.replace(cell_xfs.group(0), f'<cellXfs count="{count}">'.encode(), 1)
    styles = styles.replace(b"</cellXfs>", added + b"</cellXfs>", 1)
    return styles, found


def sheet_xml(rows: Sequence[Sequence[SummaryValue]], bold: Collection[int], style: int | None,
              widths: dict[int, float], views: bytes, formats: dict[str, int] | None = None) -> bytes:
    """A worksheet part holding ``rows``: text as inline text cells, figures as number cells in
    the cell format ``formats`` gives their number format."""
    cells = CellXml()
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">']
    width = max((len(r) for r in rows), default=0)
    out.append(f'<dimension ref="A1:{get_column_letter(max(width, 1))}{max(len(rows), 1)}"/>')
    out.append(views.decode())
    out.append('<sheetFormatPr defaultRowHeight="15"/>')
    if widths:
        out.append("<cols>")
        out.extend(f'<col min="{c + 1}" max="{c + 1}" width="{w:g}" customWidth="1"/>' for c, w in sorted(widths.items()))
        out.append("</cols>")
    out.append("<sheetData>")
    for r, row in enumerate(rows):
        s = str(style) if r in bold and style is not None else None
        line = "".join(cells.value(f"{get_column_letter(c + 1)}{r + 1}", value, s, formats or {})
                       for c, value in enumerate(row))
        if line:
            out.append(f'<row r="{r + 1}">{line}</row>')
    out.append("</sheetData>")
    out.append('<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>')
    out.append("</worksheet>")
    return "".join(out).encode()
