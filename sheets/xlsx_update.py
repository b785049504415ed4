"""Changing cells of existing rows of an .xlsx file without loading the whole workbook.

Recording a step from a page, or the daily job's batch of Status / Step due by / Last reminder
values, changes a few columns of rows that are already there. openpyxl would load and save
every cell of every tab (seconds at 10,000 rows); this rewrites only the changed tabs' XML and
copies every other part of the file unchanged. A written cell becomes an inline text cell
(``t="inlineStr"``), so text stays text and ``=...`` is never a formula; it keeps the cell's
style (``s``) and nothing else. A shared-string cell is replaced, never edited, so the shared
strings part is left exactly as it was (an unused entry there is harmless).

Raises CannotUpdate, and the caller uses openpyxl instead, for shapes it does not handle:
XML not in UTF-8, no ``<sheetData>`` in the default namespace (``<x:row>`` prefixed elements),
a row or cell without its ``r`` reference, a row number used twice, a row to change that is not
in the XML, and a cell to change that holds a formula (shared and array formulas and the
calculation chain point at formula cells, and only a full save keeps them consistent).
"""
from __future__ import annotations

import bisect
import functools
import re
from pathlib import Path
from typing import IO, Mapping, Sequence


from sheets.tables import CellChange, column_letter
from sheets.xlsx_append import CannotAppend, escape_text, sheet_part
from sheets.xlsx_zip import CannotRewrite, Package

_ENCODING = re.compile(rb"""<\?xml[^>]*?\bencoding\s*=\s*["']([^"']+)["']""")
_ROW_TAG = re.compile(rb"<row\b([^>]*)>")
_CELL_TAG = re.compile(rb"<c\b([^>]*)>")
_ANY_CELL = re.compile(rb"<c\b")
_PLAIN_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"')
_REF = re.compile(rb"""\br\s*=\s*["']([^"']*)["']""")
_STYLE = re.compile(rb"""\bs\s*=\s*["'](\d+)["']""")
_FORMULA = re.compile(rb"<f[\s/>]")
_SPANS = re.compile(rb"""\bspans\s*=\s*["'](\d+):(\d+)["']""")
_DIMENSION = re.compile(rb"""<dimension\s+ref\s*=\s*["']([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?["']\s*/>""")


class CannotUpdate(Exception):
    """This file cannot be changed safely here; use the full load-and-save path."""


def update_cells(source: Path, target: IO[bytes], changes: Mapping[str, Sequence[CellChange]]) -> None:
    """Write to ``target`` a copy of the workbook ``source`` with ``changes`` (tab -> cells) made.

    A CellChange's row and column are 0-based (row 0 is the header row); "" empties the cell.
    """
    try:
        book = Package.open(source)
        parts: dict[str, bytes] = {}
        for tab, cells in changes.items():
            try:
                part = sheet_part(book, tab)
            except CannotAppend as e:
                raise CannotUpdate(str(e)) from e
            if part in parts:
                raise CannotUpdate(f"two tabs share the part {part}")
            parts[part] = with_cells(book.read(part), cells)
        copy_parts(book, target, parts)
    except (CannotRewrite, KeyError) as e:
        raise CannotUpdate(str(e)) from e


def copy_parts(book: Package, target: IO[bytes], replaced: Mapping[str, bytes]) -> None:
    """Every member of ``book`` in its order, ``replaced`` ones with new contents compressed anew
    (worksheets appendable, see sheets.xlsx_zip), every other one copied as it is."""
    book.write(target, replaced)


def with_cells(xml: bytes, cells: Sequence[CellChange]) -> bytes:
    """The sheet XML with each cell of ``cells`` set to its text; their rows must already exist."""
    data_start, data_end = _sheet_data(xml)
    by_row: dict[int, dict[int, str]] = {}
    for cell in cells:
        by_row.setdefault(cell.row + 1, {})[cell.column] = cell.value
    pieces: list[bytes] = []
    position = 0
    seen: set[int] = set()
    for tag in _ROW_TAG.finditer(xml, data_start, data_end):
        number = _reference(tag.group(1))
        if not number.isdigit():
            raise CannotUpdate("a row without its number")
        row = int(number)
        if row in seen:
            raise CannotUpdate(f"row {row} appears twice")
        seen.add(row)
        wanted = by_row.get(row)
        if wanted is not None:
            new, row_end = _changed_row(xml, tag, row, sorted(wanted.items()), data_end)
            pieces.append(xml[position:tag.start()])
            pieces.append(new)
            position = row_end
    if len(seen) != xml.count(b"<row", data_start, data_end):
        raise CannotUpdate("a row without its number")
    missing = set(by_row) - seen
    if missing:
        raise CannotUpdate(f"row {min(missing)} is not in the sheet's XML")
    pieces.append(xml[position:])
    widest = max((c.column + 1 for c in cells if c.value), default=0)
    return _widen_dimension(b"".join(pieces), widest, data_start)


def _sheet_data(xml: bytes) -> tuple[int, int]:
    """Where the rows of <sheetData> start and end."""
    declared = _ENCODING.match(xml)
    if declared and declared.group(1).upper() not in (b"UTF-8", b"UTF8"):
        raise CannotUpdate(f"the sheet's XML is in {declared.group(1).decode()}, not UTF-8")
    start = xml.find(b"<sheetData")
    tag_end = xml.find(b">", start) + 1
    end = xml.rfind(b"</sheetData>")
    if start < 0 or tag_end <= 0 or end < tag_end:
        raise CannotUpdate("no <sheetData> with rows (or its elements have a namespace prefix)")
    return tag_end, end


Edit = tuple[int, int, bytes]  # replace xml[start:end] with these bytes (start == end: insert)


def _changed_row(xml: bytes, tag: re.Match[bytes], row: int, pending: list[tuple[int, str]],
                 limit: int) -> tuple[bytes, int]:
    """The new bytes of the <row> element at ``tag`` with the ``pending`` (column, text) cells
    replaced or added in column order, and where the old element ends."""
    attributes = tag.group(1)
    if attributes.endswith(b"/"):  # <row .../> has no cells
        attributes = attributes[:-1]
        body_start = body_end = row_end = tag.end()
    else:
        body_start = tag.end()
        body_end = xml.find(b"</row>", body_start, limit)
        if body_end < 0:
            raise CannotUpdate(f"row {row} is not closed")
        row_end = body_end + len(b"</row>")
    number = str(row).encode()
    edits = _plain_edits(xml, body_start, body_end, number, pending)
    if edits is None:
        edits = _edits(xml, body_start, body_end, number, pending)
    out: list[bytes] = [b"<row", _widen_spans(attributes, max((c for c, v in pending if v), default=-1) + 1), b">"]
    position = body_start
    for start, end, new in edits:
        out.append(xml[position:start])
        out.append(new)
        position = end
    out.append(xml[position:body_end])
    out.append(b"</row>")
    return b"".join(out), row_end


def _plain_edits(xml: bytes, start: int, end: int, number: bytes,
                 pending: list[tuple[int, str]]) -> list[Edit] | None:
    """The edits for a row whose every cell starts ``<c r="..."`` (as every common writer does):
    cells found by searching the bytes, not one by one in Python. None for any other row."""
    body = xml[start:end]
    refs = _PLAIN_CELL.findall(body)
    if len(refs) != len(_ANY_CELL.findall(body)):
        return None
    if refs and {n for _, n in refs} != {number}:
        raise CannotUpdate(f"a cell in row {number.decode()} numbered for another row")
    columns = [_COLUMNS[letters] if letters in _COLUMNS else _learn(letters) for letters, _ in refs]
    row = int(number)
    edits: list[Edit] = []
    after_last = -1
    for column, value in pending:
        i = bisect.bisect_left(columns, column)
        if i == len(columns):  # after the last cell, so before the row's <extLst> if it has one
            if after_last < 0:
                after_last = 0
                if refs:
                    last = body.find(b'<c r="' + b"".join(refs[-1]) + b'"')
                    after_last = _end_of_cell(body, last, body.find(b">", last) + 1)
            edits.append((start + after_last, start + after_last, _cell_xml(row, column, value, None)))
            continue
        at = body.find(b'<c r="' + refs[i][0] + number + b'"')
        if columns[i] != column:
            edits.append((start + at, start + at, _cell_xml(row, column, value, None)))
            continue
        tag_end = body.find(b">", at) + 1
        cell_end = _end_of_cell(body, at, tag_end)
        if _FORMULA.search(body, tag_end, cell_end):
            raise CannotUpdate(f"the cell {refs[i][0].decode()}{row} holds a formula")
        style = _STYLE.search(body, at, tag_end)
        new = _cell_xml(row, column, value, style.group(1) if style else None)
        edits.append((start + at, start + cell_end, new))
    return edits


def _end_of_cell(body: bytes, at: int, tag_end: int) -> int:
    """Where the cell element starting at ``at`` (its start tag ending at ``tag_end``) ends."""
    if body[tag_end - 2:tag_end] == b"/>":
        return tag_end
    end = body.find(b"</c>", tag_end)
    if tag_end <= 0 or end < 0:
        raise CannotUpdate("a cell is not closed")
    return end + len(b"</c>")


def _edits(xml: bytes, start: int, end: int, number: bytes, pending: list[tuple[int, str]]) -> list[Edit]:
    """The edits for any row, its cells read one by one (attributes in any order, either quote)."""
    row = int(number)
    edits: list[Edit] = []
    at = 0  # the next of ``pending`` to place
    last: re.Match[bytes] | None = None
    for cell in _CELL_TAG.finditer(xml, start, end):
        ref = _reference(cell.group(1))
        letters = ref.rstrip(b"0123456789")
        if ref[len(letters):] != number:
            raise CannotUpdate(f"a cell in row {row} without its reference")
        column = _COLUMNS[letters] if letters in _COLUMNS else _learn(letters)
        while at < len(pending) and pending[at][0] < column:
            edits.append((cell.start(), cell.start(), _cell_xml(row, *pending[at], style=None)))
            at += 1
        if at < len(pending) and pending[at][0] == column:
            cell_end = _cell_end(xml, cell, end)
            if _FORMULA.search(xml, cell.end(), cell_end):
                raise CannotUpdate(f"the cell {letters.decode()}{row} holds a formula")
            style = _STYLE.search(cell.group(0))
            new = _cell_xml(row, *pending[at], style=style.group(1) if style else None)
            edits.append((cell.start(), cell_end, new))
            at += 1
        last = cell
        if at == len(pending):
            break
    if at < len(pending):  # after the last cell, so before the row's <extLst> if it has one
        after_last = start if last is None else _cell_end(xml, last, end)
        edits.extend((after_last, after_last, _cell_xml(row, *p, style=None)) for p in pending[at:])
    return edits


def _reference(attributes: bytes) -> bytes:
    """The ``r`` attribute of a row or cell start tag (b"" if it has none); writers put it first."""
    if attributes.startswith(b' r="'):
        return attributes[4:attributes.find(b'"', 4)]
    m = _REF.search(attributes)
    return m.group(1) if m else b""


def _cell_end(xml: bytes, cell: re.Match[bytes], limit: int) -> int:
    if cell.group(1).endswith(b"/"):  # <c .../>
        return cell.end()
    end = xml.find(b"</c>", cell.end(), limit)
    if end < 0:
        raise CannotUpdate("a cell is not closed")
    return end + len(b"</c>")


_COLUMNS: dict[bytes, int] = {}  # column letters seen -> 0-based column


def _learn(letters: bytes) -> int:
    return _COLUMNS.setdefault(letters, _column(letters))


def _column(letters: bytes) -> int:
    if not letters or not letters.isalpha() or not letters.isupper() or len(letters) > 3:
        raise CannotUpdate(f"a cell reference {letters!r}")
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _cell_xml(row: int, column: int, value: str, style: bytes | None) -> bytes:
    """An inline text cell, or an empty one keeping its style, or nothing."""
    ref = f"{_letter(column)}{row}"
    s = f' s="{style.decode()}"' if style is not None else ""
    if not value:
        return f'<c r="{ref}"{s}/>'.encode() if s else b""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{escape_text(value)}</t></is></c>'.encode()


@functools.lru_cache(maxsize=1024)
def _letter(column: int) -> str:
    return column_letter(column)


def _widen_spans(attributes: bytes, columns: int) -> bytes:
    """The row's attributes with its ``spans`` hint covering ``columns`` columns."""
    m = _SPANS.search(attributes)
    if m is None or int(m.group(2)) >= columns:
        return attributes
    return attributes[:m.start()] + f'spans="{m.group(1).decode()}:{columns}"'.encode() + attributes[m.end():]


def _widen_dimension(xml: bytes, columns: int, before: int) -> bytes:
    """The sheet's ``<dimension>`` widened to ``columns`` columns if a cell was written beyond it."""
    m = _DIMENSION.search(xml, 0, before)
    if m is None or columns == 0:
        return xml
    end_col = m.group(3) or m.group(1)
    if _column(end_col) + 1 >= columns:
        return xml
    end_row = (m.group(4) or m.group(2)).decode()
    ref = f'<dimension ref="{m.group(1).decode()}{m.group(2).decode()}:{_letter(columns - 1)}{end_row}"/>'
    return xml[:m.start()] + ref.encode() + xml[m.end():]
