"""Replacing the Summary tab of an .xlsx file without loading the whole workbook.

The daily job rewrites the Summary tab every run; openpyxl would load and save every cell of
every tab for it (seconds at 10,000 rows). The Summary tab is the app's own, replaced whole, so
this writes a new XML part for it (inline text cells, header rows bold, columns sized) and copies
every other part of the file unchanged.

Raises CannotUpdate, and the caller uses openpyxl instead, when: the file has no Summary tab,
the tab's part has relationships of its own (a comment, drawing or link a person added, which
would be left dangling), or the styles have no plain bold cell format to use (openpyxl adds one).
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO, Collection, Sequence
from xml.etree import ElementTree

from sheets.xlsx_append import MAIN, CannotAppend, sheet_part
from sheets.xlsx_update import CannotUpdate, copy_parts, escape_text
from sheets.tables import column_letter

_VIEWS = re.compile(rb"<sheetViews\b.*?</sheetViews>", re.DOTALL)
_PLAIN_FONT = {f"{MAIN}{name}" for name in ("b", "name", "sz", "family", "scheme", "charset", "color")}
_DEFAULT_VIEWS = b'<sheetViews><sheetView workbookViewId="0"/></sheetViews>'


def replace_sheet(source: Path, target: IO[bytes], tab: str, rows: Sequence[Sequence[str]],
                  bold: Collection[int], widths: dict[int, float]) -> None:
    """Write to ``target`` a copy of ``source`` whose ``tab`` holds just ``rows`` (as text):
    rows whose 0-based index is in ``bold`` in bold, 0-based column -> width in ``widths``."""
    try:
        with zipfile.ZipFile(source) as book:
            try:
                part = sheet_part(book, tab)
            except CannotAppend as e:
                raise CannotUpdate(str(e)) from e
            rels = PurePosixPath(part)
            if str(rels.parent / "_rels" / f"{rels.name}.rels") in book.namelist():
                raise CannotUpdate(f"the {tab} tab has comments, drawings or links of its own")
            style = bold_style(book.read("xl/styles.xml")) if bold else None
            old = book.read(part)
            views = _VIEWS.search(old)
            xml = sheet_xml(rows, bold, style, widths, views.group(0) if views else _DEFAULT_VIEWS)
            copy_parts(book, target, {part: xml})
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as e:
        raise CannotUpdate(str(e)) from e


def bold_style(styles: bytes) -> int:
    """The index of a cell format that is bold text and nothing else (no number format, fill,
    border, alignment, italics or colour)."""
    root = ElementTree.fromstring(styles)
    fonts = root.find(f"{MAIN}fonts")
    xfs = root.find(f"{MAIN}cellXfs")
    if fonts is None or xfs is None:
        raise CannotUpdate("no fonts or cell formats in the styles")
    font_list = list(fonts.iter(f"{MAIN}font"))
    for index, xf in enumerate(xfs.iter(f"{MAIN}xf")):
        if any(xf.get(a, "0") != "0" for a in ("numFmtId", "fillId", "borderId")) or len(xf):
            continue
        font_id = int(xf.get("fontId", "0"))
        if font_id < len(font_list) and _plain_bold(font_list[font_id]):
            return index
    raise CannotUpdate("no plain bold cell format in the styles")


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


def sheet_xml(rows: Sequence[Sequence[str]], bold: Collection[int], style: int | None,
              widths: dict[int, float], views: bytes) -> bytes:
    """A worksheet part holding ``rows`` as inline text cells."""
    out = [b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">']
    width = max((len(r) for r in rows), default=0)
    last = f"{column_letter(max(width, 1) - 1)}{max(len(rows), 1)}"
    out.append(f'<dimension ref="A1:{last}"/>'.encode())
    out.append(views)
    out.append(b'<sheetFormatPr defaultRowHeight="15"/>')
    if widths:
        out.append(b"<cols>")
        out.extend(f'<col min="{c + 1}" max="{c + 1}" width="{w:g}" customWidth="1"/>'.encode()
                   for c, w in sorted(widths.items()))
        out.append(b"</cols>")
    out.append(b"<sheetData>")
    for r, row in enumerate(rows):
        s = f' s="{style}"' if r in bold and style is not None else ""
        cells = []
        for c, value in enumerate(row):
            ref = f"{column_letter(c)}{r + 1}"
            if value:
                cells.append(f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">'
                             f"{escape_text(value)}</t></is></c>")
            elif s:
                cells.append(f'<c r="{ref}"{s}/>')
        if cells:
            out.append(f'<row r="{r + 1}">{"".join(cells)}</row>'.encode())
    out.append(b"</sheetData>")
    out.append(b'<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>')
    out.append(b"</worksheet>")
    return b"".join(out)
