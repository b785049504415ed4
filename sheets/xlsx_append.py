"""Appending rows to one tab of an .xlsx file without loading the whole workbook.

openpyxl must load and save every cell of every tab to add one row, which takes seconds at
10,000 rows. A form submission only adds rows at the bottom, so this adds them to the tab's
XML directly (as inline text cells, exactly as typed) and copies every other part of the file
unchanged. When the file is not in a shape this can handle safely (formatted empty rows below
the data, an unusual writer), it raises CannotAppend and the caller uses openpyxl instead.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path, PurePosixPath
from typing import IO, Mapping, Sequence
from xml.etree import ElementTree

from sheets.schema import UNSTORABLE
from sheets.tables import column_letter
from sheets.xlsx_text import to_xlsx
from sheets.xlsx_zip import CannotRewrite, Compressed, Package, appendable
from sheets.xlsx_zip import with_rows as append_segment

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"\s*/>')


class CannotAppend(Exception):
    """This file cannot be appended to safely here; use the full load-and-save path."""


def sheet_part(book: Package, tab: str) -> str:
    """The zip member holding ``tab``'s cells, e.g. ``xl/worksheets/sheet1.xml``."""
    try:
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError) as e:
        raise CannotAppend(str(e)) from e
    rel_id = next((s.get(f"{REL}id") for s in workbook.iter(f"{MAIN}sheet") if s.get("name") == tab), None)
    target = next((r.get("Target") for r in rels.iter(f"{PKG_REL}Relationship") if r.get("Id") == rel_id), None)
    if not rel_id or not target:
        raise CannotAppend(f"no part for the tab {tab!r}")
    path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
    if path not in book.namelist():
        raise CannotAppend(f"{path} is not in the file")
    return path


@functools.lru_cache(maxsize=4096)
def escape_text(value: str) -> str:
    """Text as XML character data that reads back exactly: control characters an .xlsx cannot hold
    are dropped, and a carriage return is a character reference (a parser would turn a bare one
    into a line feed), and text that reads as an ``_xHHHH_`` escape is escaped (sheets.xlsx_text)."""
    value = to_xlsx(UNSTORABLE.sub("", value))
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _row_xml(number: int, values: Sequence[str]) -> bytes:
    cells = []
    for c, value in enumerate(values):
        if value:
            text = escape_text(value)
            cells.append(f'<c r="{column_letter(c)}{number}" t="inlineStr"><is><t xml:space="preserve">'
                         f"{text}</t></is></c>")
    return f'<row r="{number}">{"".join(cells)}</row>'.encode("utf-8")


def with_rows(xml: bytes, first_row: int, rows: Sequence[Sequence[str]]) -> bytes:
    """The sheet XML with ``rows`` added as rows ``first_row``, ``first_row + 1``... (1-based)."""
    end = xml.rfind(b"</sheetData>")
    if end < 0:
        raise CannotAppend("no <sheetData> element to add to")
    last = None
    start = xml.rfind(b"<row ", 0, end)
    if start >= 0:
        m = _ROW_NUMBER.match(xml, start)
        if not m:
            raise CannotAppend("a row without a number")
        last = int(m.group(1))
    _check_below(last or 0, first_row)
    xml = xml[:end] + rows_xml(first_row, rows) + xml[end:]
    return with_dimension(xml, first_row, rows)


def _check_below(last: int, first_row: int) -> None:
    if last >= first_row:
        raise CannotAppend(f"row {last} exists (empty or formatted) below the data")


def rows_xml(first_row: int, rows: Sequence[Sequence[str]]) -> bytes:
    """``rows`` as <row> elements numbered from ``first_row``."""
    return b"".join(_row_xml(first_row + i, row) for i, row in enumerate(rows))


def with_dimension(xml: bytes, first_row: int, rows: Sequence[Sequence[str]]) -> bytes:
    """The sheet XML (or its start) with its ``<dimension>`` covering ``rows`` added from ``first_row``."""
    width = max((len(r) for r in rows), default=1)
    last_row = first_row + len(rows) - 1

    def dimension(m: re.Match[bytes]) -> bytes:
        end_col = m.group(3) or m.group(1)
        old_width = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(end_col.decode())))
        col = column_letter(max(old_width, width) - 1)
        return f'<dimension ref="{m.group(1).decode()}{m.group(2).decode()}:{col}{last_row}"/>'.encode()

    return _DIMENSION.sub(dimension, xml, count=1)


def append_rows(source: Path | bytes, target: IO[bytes],
                additions: Mapping[str, tuple[int, Sequence[Sequence[str]]]]) -> None:
    """Write to ``target`` a copy of the workbook ``source`` (its path, or its bytes) with rows added
    to tabs, in one pass.

    ``additions`` is ``{tab: (first_row, rows)}`` (rows 1-based). Every other part of the file is
    copied as it is, compressed bytes and all; a tab written by this app before is appended to
    without compressing its earlier rows again (sheets.xlsx_zip), any other is compressed anew.
    """
    try:
        book = Package.open(source)
        changed: dict[str, bytes | Compressed] = {}
        for tab, (first_row, rows) in additions.items():
            part = sheet_part(book, tab)
            sheet = appendable(book, part)
            if sheet is None:
                changed[part] = with_rows(book.read(part), first_row, rows)
                continue
            _check_below(sheet.last_row, first_row)
            head = with_dimension(sheet.head, first_row, rows)
            changed[part] = append_segment(book, sheet, head, rows_xml(first_row, rows), first_row + len(rows) - 1)
        book.write(target, changed)
    except CannotRewrite as e:
        raise CannotAppend(str(e)) from e
