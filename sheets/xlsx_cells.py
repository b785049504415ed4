"""Values as cells of an .xlsx file and cells as text: the one place that decides how a value is stored.

The rule, for every value the app writes: a text cell holding exactly the text given, so
``=HYPERLINK(...)``, ``+44``, ``-1`` or ``0012`` are never a formula or a number, and reading the
cell gives the text back. Three things make it hold:

- characters an .xlsx cannot hold (control characters, lone surrogates) are dropped (``stored``:
  what the cell holds, and so what reading it gives back);
- text that reads as the format's ``_xHHHH_`` escape (ECMA-376 ST_Xstring: ``_x000D_`` is a
  carriage return) has its underscore escaped as ``_x005F_``, as desktop spreadsheets save it
  (``to_xlsx``), and every reader unescapes cell text (``from_xlsx``);
- the cell is typed as text: an inline string in the XML writers (``CellXml``), ``data_type "s"``
  in openpyxl (``set_value``).

The Summary tab's figures (sheets.base.number_cell) are the one kind of value written as numbers,
with their number format; ``CellXml.value`` and ``set_value`` write them.

openpyxl 3.1 strips ``x005F_`` from shared strings as it loads them, which loses the difference
between ``_x0041_`` and ``_x005F_x0041_``; importing this module makes it keep them as they are in
the file (``_read_string_table_raw``), so a person's own cells are saved back unchanged by an
openpyxl save and unescaped here when read.

Column letters are openpyxl's (``get_column_letter``, 1-based), everywhere in the local workbook.
"""
from __future__ import annotations

import re

import openpyxl.reader.excel
from openpyxl.cell.text import Text
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from sheets.base import Percent, SummaryValue, number_cell
from sheets.schema import UNSTORABLE

_NEEDS_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def stored(value: str) -> str:
    """The text a cell holds when ``value`` is written to it (and so what reading it gives back)."""
    return UNSTORABLE.sub("", value)


def to_xlsx(value: str) -> str:
    """Typed text as a cell's text in the file: an ``_xHHHH_`` becomes ``_x005F_xHHHH_``."""
    return _NEEDS_ESCAPE.sub("_x005F_", value) if "_x" in value else value


def _character(match: re.Match) -> str:
    code = int(match.group(1), 16)
    return match.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)


def from_xlsx(value: str) -> str:
    """A cell's text in the file as the text it stands for: each ``_xHHHH_`` is its character."""
    return _ESCAPED.sub(_character, value) if "_x" in value else value


class CellXml:
    """Cells as worksheet XML, for one write. Each distinct text is escaped once per write (the
    daily job writes the same few values to thousands of rows); the memo lives as long as this
    object, which the writer makes for one rewrite of the file."""

    def __init__(self) -> None:
        self._escaped: dict[str, str] = {}

    def escape(self, value: str) -> str:
        """Text as XML character data that reads back as ``stored(value)``: a carriage return is a
        character reference (a parser would turn a bare one into a line feed)."""
        escaped = self._escaped.get(value)
        if escaped is None:
            escaped = to_xlsx(stored(value)).replace("&", "&amp;").replace("<", "&lt;").replace(
                ">", "&gt;").replace("\r", "&#13;")
            self._escaped[value] = escaped
        return escaped

    def text(self, ref: str, value: str, style: str | None = None) -> str:
        """An inline text cell at ``ref`` (``B7``); for "" an empty cell keeping its style, or nothing."""
        s = f' s="{style}"' if style is not None else ""
        if not value:
            return f'<c r="{ref}"{s}/>' if s else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{self.escape(value)}</t></is></c>'

    def value(self, ref: str, value: SummaryValue, style: str | None, formats: dict[str, int]) -> str:
        """A Summary cell: a figure as a number cell in the cell format ``formats`` gives its number
        format (else ``style``), anything else as text."""
        number = number_cell(value)
        if number is None:
            return self.text(ref, str(value) if value else "", style)
        shown = f' s="{formats[number[1]]}"' if number[1] else (f' s="{style}"' if style is not None else "")
        return f'<c r="{ref}"{shown}><v>{number[0]!r}</v></c>'

    def row(self, number: int, values: list[str] | tuple[str, ...]) -> str:
        """A <row> of text cells from column A."""
        cells = "".join(self.text(f"{get_column_letter(c + 1)}{number}", v) for c, v in enumerate(values) if v)
        return f'<row r="{number}">{cells}</row>'


def set_value(ws: Worksheet, row: int, column: int, value: SummaryValue, bold: bool = False) -> None:
    """Write ``value`` to the openpyxl cell (1-based row and column): text as a text cell, never a
    formula or a number; a Summary figure as a number in its number format."""
    cell = ws.cell(row=row, column=column)
    number = number_cell(value)
    if number is not None:
        cell.value = value.fraction if isinstance(value, Percent) else value
        cell.number_format = number[1] or "General"
    else:
        text = stored(str(value)) if value else ""
        cell.value = to_xlsx(text) if text else None
        if text:
            cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)


def _read_string_table_raw(xml_source) -> list[str]:
    """openpyxl's shared-string reader, without its ``x005F_`` stripping: text as in the file."""
    strings = []
    tag = "{%s}si" % SHEET_MAIN_NS
    for _, node in iterparse(xml_source):
        if node.tag == tag:
            strings.append(Text.from_tree(node).content)
            node.clear()
    return strings


openpyxl.reader.excel.read_string_table = _read_string_table_raw
