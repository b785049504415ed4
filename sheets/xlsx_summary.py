"""Replacing the Summary tab of an .xlsx file without loading the whole workbook.

The daily job rewrites the Summary tab every run; openpyxl would load and save every cell of
every tab for it (seconds at 10,000 rows). The Summary tab is the app's own, replaced whole, so
this writes a new XML part for it (inline text cells, figures as number cells with their number
format, header rows bold, columns sized) and copies every other part of the file unchanged,
except the styles, to which the number formats are added the first time they are needed.

Raises CannotUpdate, and the caller uses openpyxl instead, when: the file has no Summary tab,
the tab's part has relationships of its own (a comment, drawing or link a person added, which
would be left dangling), or the styles have no plain bold cell format to use (openpyxl adds one).
"""
from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import IO, Collection, Sequence
from xml.etree import ElementTree

from sheets.base import SummaryValue, number_cell
from sheets.xlsx_append import MAIN, CannotAppend, sheet_part
from sheets.xlsx_update import CannotUpdate, copy_parts, escape_text
from sheets.tables import column_letter
from sheets.xlsx_zip import CannotRewrite, Package

_VIEWS = re.compile(rb"<sheetViews\b.*?</sheetViews>", re.DOTALL)
_PLAIN_FONT = {f"{MAIN}{name}" for name in ("b", "name", "sz", "family", "scheme", "charset", "color")}
_DEFAULT_VIEWS = b'<sheetViews><sheetView workbookViewId="0"/></sheetViews>'


def replace_sheet(source: Path, target: IO[bytes], tab: str, rows: Sequence[Sequence[SummaryValue]],
                  bold: Collection[int], widths: dict[int, float]) -> None:
    """Write to ``target`` a copy of ``source`` whose ``tab`` holds just ``rows`` (text as text,
    figures as numbers): rows whose 0-based index is in ``bold`` in bold, 0-based column -> width
    in ``widths``."""
    try:
        book = Package.open(source)
        try:
            part = sheet_part(book, tab)
        except CannotAppend as e:
            raise CannotUpdate(str(e)) from e
        rels = PurePosixPath(part)
        if str(rels.parent / "_rels" / f"{rels.name}.rels") in book.namelist():
            raise CannotUpdate(f"the {tab} tab has comments, drawings or links of its own")
        styles = book.read("xl/styles.xml")
        style = bold_style(styles) if bold else None
        wanted = sorted({n[1] for row in rows for v in row if (n := number_cell(v)) and n[1]})
        styles, formats = number_styles(styles, wanted)
        old = book.read(part)
        views = _VIEWS.search(old)
        xml = sheet_xml(rows, bold, style, widths, views.group(0) if views else _DEFAULT_VIEWS, formats)
        replaced = {part: xml}
        if styles != book.read("xl/styles.xml"):
            replaced["xl/styles.xml"] = styles
        copy_parts(book, target, replaced)
    except (CannotRewrite, KeyError, ElementTree.ParseError) as e:
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


_BUILTIN_FORMATS = {"0%": 9}
_STYLESHEET = re.compile(rb"<styleSheet\b[^>]*>")
_NUM_FMTS = re.compile(rb'<numFmts count="(\d+)">')
_CELL_XFS = re.compile(rb'<cellXfs count="(\d+)">')


def number_styles(styles: bytes, codes: Sequence[str]) -> tuple[bytes, dict[str, int]]:
    """The styles with a plain cell format for each number format code in ``codes`` (added when
    missing), and code -> that cell format's index."""
    if not codes:
        return styles, {}
    root = ElementTree.fromstring(styles)
    xfs = root.find(f"{MAIN}cellXfs")
    if xfs is None:
        raise CannotUpdate("no cell formats in the styles")
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
        added = b"".join(f'<numFmt numFmtId="{ids[c]}" formatCode="{escape_text(c)}"/>'.encode() for c in new_formats)
        counted = _NUM_FMTS.search(styles)
        if counted:
            total = int(counted.group(1)) + len(new_formats)
            styles = styles.replace(counted.group(0), f'<numFmts count="{total}">'.encode(), 1)
            styles = styles.replace(b"</numFmts>", added + b"</numFmts>", 1)
        elif b"<numFmts" in styles:
            raise CannotUpdate("the styles' number formats are written in a way this cannot extend")
        else:
            start = _STYLESHEET.search(styles)
            if start is None:
                raise CannotUpdate("the styles are written with a namespace prefix")
            styles = (styles[:start.end()] + f'<numFmts count="{len(new_formats)}">'.encode() + added
                      + b"</numFmts>" + styles[start.end():])
    cell_xfs = _CELL_XFS.search(styles)
    if cell_xfs is None or b"</cellXfs>" not in styles:
        raise CannotUpdate("the styles' cell formats are written in a way this cannot extend")
    count = len(xf_list)
    for code in missing:
        found[code], count = count, count + 1
    added = b"".join(f'<xf numFmtId="{ids[c]}" fontId="0" fillId="0" borderId="0" xfId="0" '
                     f'applyNumberFormat="1"/>'.encode() for c in missing)
    styles = styles.replace(cell_xfs.group(0), f'<cellXfs count="{count}">'.encode(), 1)
    styles = styles.replace(b"</cellXfs>", added + b"</cellXfs>", 1)
    return styles, found


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


def sheet_xml(rows: Sequence[Sequence[SummaryValue]], bold: Collection[int], style: int | None,
              widths: dict[int, float], views: bytes, formats: dict[str, int] | None = None) -> bytes:
    """A worksheet part holding ``rows``: text as inline text cells, figures as number cells in
    the cell format ``formats`` gives their number format."""
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
            number = number_cell(value)
            if number is not None:
                shown = f' s="{(formats or {})[number[1]]}"' if number[1] else s
                cells.append(f'<c r="{ref}"{shown}><v>{number[0]!r}</v></c>')
            elif value:
                cells.append(f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">'
                             f"{escape_text(str(value))}</t></is></c>")
            elif s:
                cells.append(f'<c r="{ref}"{s}/>')
        if cells:
            out.append(f'<row r="{r + 1}">{"".join(cells)}</row>'.encode())
    out.append(b"</sheetData>")
    out.append(b'<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>')
    out.append(b"</worksheet>")
    return b"".join(out)
