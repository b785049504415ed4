"""Text in an .xlsx exactly as typed, through the format's ``_xHHHH_`` escapes.

The format (ECMA-376 ST_Xstring) reads ``_xHHHH_`` in a cell's text as the character U+HHHH, so
an answer containing ``_x000D_`` or ``_x0041_`` would come back from Excel or LibreOffice as a
carriage return or an ``A``. Written text has the underscore of each such sequence escaped
(``_x005F_x000D_``, as desktop spreadsheets save it) and read text is unescaped, by the fast XML
reader and writers and by the openpyxl paths alike.

openpyxl 3.1 strips ``x005F_`` from shared strings as it loads them, which loses the difference
between ``_x0041_`` and ``_x005F_x0041_``; ``keep_raw_shared_strings`` makes it keep them as they
are in the file, so cells in people's own columns are saved back unchanged and are unescaped here.
"""
from __future__ import annotations

import re

import openpyxl.reader.excel
from openpyxl.cell.text import Text
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

_NEEDS_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def to_xlsx(value: str) -> str:
    """Typed text as a cell's text in the file: an ``_xHHHH_`` becomes ``_x005F_xHHHH_``."""
    return _NEEDS_ESCAPE.sub("_x005F_", value) if "_x" in value else value


def _character(match: re.Match) -> str:
    code = int(match.group(1), 16)
    return match.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)


def from_xlsx(value: str) -> str:
    """A cell's text in the file as the text it stands for: each ``_xHHHH_`` is its character."""
    return _ESCAPED.sub(_character, value) if "_x" in value else value


def _read_string_table_raw(xml_source) -> list[str]:
    """openpyxl's shared-string reader, without its ``x005F_`` stripping: text as in the file."""
    strings = []
    tag = "{%s}si" % SHEET_MAIN_NS
    for _, node in iterparse(xml_source):
        if node.tag == tag:
            strings.append(Text.from_tree(node).content)
            node.clear()
    return strings


def keep_raw_shared_strings() -> None:
    """Have openpyxl load shared strings as they are in the file (see the module's docstring)."""
    openpyxl.reader.excel.read_string_table = _read_string_table_raw


keep_raw_shared_strings()
