"""Reading every tab of an .xlsx file as text, quickly, and refusing files too large to read.

openpyxl's read-only mode builds a Python object per cell and takes seconds at 10,000 rows.
Each tab is read by python-calamine (a Rust reader, several times faster than walking the XML in
Python) when the tab holds nothing it reads differently from the rules here, else by walking
its XML with the C parser behind ElementTree and keeping only the text. Either way it reads
shared and inline strings, numbers, booleans, formula results, and real date cells (a number
whose cell format is a date), which come back as ``YYYY-MM-DD``. Anything it does not
understand raises UnreadableXlsx and the caller (sheets.local) falls back to openpyxl.

Where calamine is not equivalent, so such a tab is read from its XML instead (see
``_calamine_reads_alike``): error cells (``#DIV/0!`` here, empty there), text with spaces or line
breaks at either end not marked ``xml:space="preserve"`` (it trims them), and date cells (its
idea of a date format, and its rounding of times, are its own). A tab whose cells would be
stored densely in more than ``CALAMINE_MAX_CELLS`` (a value typed far down and far right) is
also read from its XML, which stores only the cells there are. Rows another process has just
appended (``added_rows``) are read from their XML too: they are a fragment, not a file calamine
could open.

Before anything is parsed, ``check_unpacked_size`` refuses a file whose parts would unpack to
more than the app reads: a small file can unpack to a huge part (a "zip bomb", or a sheet of
millions of empty cells). Each part's size is read from the zip's directory, which costs
nothing; Python's zipfile never unpacks more than that size (a part that claims less than it
holds fails its CRC check).
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import python_calamine
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import from_excel

from openpyxl.utils import column_index_from_string

from sheets.base import SheetUnavailable
from sheets.tables import Grid, cell_text
from sheets.xlsx_cells import from_xlsx

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REF = re.compile(r"^([A-Z]+)(\d+)$")


class UnreadableXlsx(Exception):
    """Something this reader does not handle; use openpyxl instead."""


class BrokenXlsx(UnreadableXlsx):
    """A part no spreadsheet program writes (a DOCTYPE): not read by any reader."""


_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


def _part(book: zipfile.ZipFile, name: str) -> bytes:
    """One part of the file; a part with a DOCTYPE (entities, outside references) is refused."""
    data = book.read(name)
    if _DOCTYPE.search(data, 0, 4096):
        raise BrokenXlsx(f"its part {name} has a DOCTYPE declaration, which no spreadsheet program writes "
                         "(the file is damaged or was made by hand): open it in Excel or LibreOffice and "
                         "save it again as .xlsx, or restore a backup")
    return data


def _text(element: ElementTree.Element) -> str:
    """The text of a shared or inline string: its <t> runs, leaving out phonetic guides (<rPh>)."""
    parts = []
    for child in element:
        if child.tag == f"{MAIN}t":
            parts.append(child.text or "")
        elif child.tag == f"{MAIN}r":
            parts.extend(t.text or "" for t in child.iter(f"{MAIN}t"))
    return from_xlsx("".join(parts))


def _shared_strings(xml: bytes) -> list[str]:
    if not xml:
        return []
    root = ElementTree.fromstring(xml)
    return [_text(si) for si in root.iter(f"{MAIN}si")]


def _date_styles(book: zipfile.ZipFile) -> set[int]:
    """Indexes of cell formats that show a number as a date."""
    if "xl/styles.xml" not in book.namelist():
        return set()
    root = ElementTree.fromstring(_part(book, "xl/styles.xml"))
    formats = dict(BUILTIN_FORMATS)
    for fmt in root.iter(f"{MAIN}numFmt"):
        formats[int(fmt.get("numFmtId", "0"))] = fmt.get("formatCode", "")
    xfs = root.find(f"{MAIN}cellXfs")
    if xfs is None:
        return set()
    return {i for i, xf in enumerate(xfs.iter(f"{MAIN}xf"))
            if is_date_format(formats.get(int(xf.get("numFmtId", "0")), ""))}


def worksheet_parts(book) -> dict[str, str]:
    """Tab name -> zip member (``xl/worksheets/sheet1.xml``) for each worksheet, in workbook order.
    ``book`` is a zipfile.ZipFile or a sheets.xlsx_zip.Package (both have ``read``)."""
    workbook = ElementTree.fromstring(_part(book, "xl/workbook.xml"))
    rels = ElementTree.fromstring(_part(book, "xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{PKG_REL}Relationship")}
    out = {}
    for sheet in workbook.iter(f"{MAIN}sheet"):
        target = targets.get(sheet.get(f"{REL}id"), "")
        if not target:
            raise UnreadableXlsx(f"no part for the tab {sheet.get('name')!r}")
        path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        if "worksheets/" in path:  # chartsheets have no cells
            out[sheet.get("name", "")] = path
    return out


def _value(cell: ElementTree.Element, strings: list[str], date_styles: set[int], epoch: dt.datetime) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = cell.find(f"{MAIN}is")
        return _text(inline) if inline is not None else ""
    v = cell.find(f"{MAIN}v")
    if v is None or v.text is None:
        return ""
    raw = v.text
    if kind == "s":
        return strings[int(raw)]
    if kind in ("str", "e"):
        return raw
    if kind == "b":
        return "TRUE" if raw == "1" else "FALSE"
    if kind == "d":
        return cell_text(dt.datetime.fromisoformat(raw))
    number = float(raw)
    if int(cell.get("s", "0")) in date_styles:
        return cell_text(from_excel(number, epoch))
    return cell_text(number)


def _grid(xml: bytes, strings: list[str], date_styles: set[int], epoch: dt.datetime, first: int = 1) -> Grid:
    """The rows of a tab's XML from row ``first`` (1-based) on."""
    root = ElementTree.fromstring(xml)
    data = root.find(f"{MAIN}sheetData")
    grid: Grid = []
    if data is None:
        return grid
    next_row = first
    for row in data.iter(f"{MAIN}row"):
        number = int(row.get("r") or next_row)
        next_row = number + 1
        cells: list[str] = []
        next_col = 0
        for cell in row.iter(f"{MAIN}c"):
            ref = cell.get("r")
            if ref:
                m = _REF.match(ref)
                if not m:
                    raise UnreadableXlsx(f"cell reference {ref!r}")
                col = column_index_from_string(m.group(1)) - 1
            else:
                col = next_col
            next_col = col + 1
            value = _value(cell, strings, date_styles, epoch)
            if value:
                if len(cells) < col:
                    cells.extend([""] * (col - len(cells)))
                if len(cells) == col:
                    cells.append(value)
                else:
                    cells[col] = value
        if number < first:
            raise UnreadableXlsx(f"row {number} is above row {first}")
        if len(grid) < number - first:
            grid.extend([] for _ in range(number - first - len(grid)))
        grid.append(cells)
    while grid and not grid[-1]:
        grid.pop()
    return grid


def _epoch(book) -> dt.datetime:
    """Day 0 of the workbook's date serial numbers."""
    workbook = _part(book, "xl/workbook.xml")
    if b'date1904="1"' in workbook or b'date1904="true"' in workbook:
        return dt.datetime(1904, 1, 1)
    return dt.datetime(1899, 12, 30)


def read_grids(path: Path | bytes) -> dict[str, Grid]:
    """Every worksheet of the file (its path, or its contents) as rows of text, tab name -> grid."""
    try:
        with zipfile.ZipFile(io.BytesIO(path) if isinstance(path, bytes) else path) as book:
            epoch = _epoch(book)
            names = book.namelist()
            strings_xml = _part(book, "xl/sharedStrings.xml") if "xl/sharedStrings.xml" in names else b""
            date_styles = _date_styles(book)
            calamine = _calamine(path) if not _trimmed(strings_xml) else None
            try:
                return _read_tabs(book, calamine, strings_xml, date_styles, epoch)
            finally:
                if calamine is not None:
                    calamine.close()
    except (KeyError, ValueError, IndexError, ElementTree.ParseError, zipfile.BadZipFile) as e:
        raise UnreadableXlsx(str(e)) from e


def _read_tabs(book: zipfile.ZipFile, calamine: "python_calamine.CalamineWorkbook | None", strings_xml: bytes,
               date_styles: set[int], epoch: dt.datetime) -> dict[str, Grid]:
    strings: list[str] | None = None
    grids = {}
    for name, part in worksheet_parts(book).items():
        xml = _part(book, part)
        grid = None
        if calamine is not None and _calamine_reads_alike(xml, date_styles):
            grid = _calamine_grid(calamine, name)
        if grid is None:
            if strings is None:
                strings = _shared_strings(strings_xml)
            try:
                grid = _grid(xml, strings, date_styles, epoch)
            except ElementTree.ParseError as e:
                raise UnreadableXlsx(f"its part {part} (the tab {name!r}) is not well-formed XML: {e}") from e
        grids[name] = grid
    return grids


# A tab calamine would store as more cells than this (rows times columns, empty ones too) is read from its XML.
CALAMINE_MAX_CELLS = 16_000_000
# Text calamine trims: a <t> or <v> without attributes (so not xml:space="preserve") whose text
# starts or ends with white space, or a character reference (which may be white space) or entity.
_TRIMMED = re.compile(rb"<(?:t|v)>(?:[ \t\r\n]|&)|<(?:t|v)>[^<]*(?:[ \t\r\n]|;)</(?:t|v)>")
# Cell references beyond column ZZ, and beyond column AZ (writers put ``r`` first, as ``r="AB12"``).
_THREE_LETTERS = re.compile(rb'r="[A-Z]{3}\d')
_PAST_AZ = re.compile(rb'r="[B-Z][A-Z]\d')
_LAST_ROW = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
_DATE_TYPES = (dt.date, dt.time, dt.timedelta)


def _trimmed(xml: bytes) -> bool:
    """Whether some shared string would lose white space at its ends in calamine."""
    return b"<t>" in xml and _TRIMMED.search(xml) is not None


def _calamine(path: Path | bytes) -> "python_calamine.CalamineWorkbook | None":
    try:
        if isinstance(path, bytes):
            return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path))
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception:  # anything calamine cannot open is read from the XML, which says what is wrong
        return None


def _calamine_reads_alike(xml: bytes, date_styles: set[int]) -> bool:
    """Whether calamine reads this tab's XML exactly as ``_grid`` does (see the module's docstring)."""
    if b't="e"' in xml or b"t='e'" in xml or ((b"<t>" in xml or b't="str"' in xml) and _TRIMMED.search(xml)):
        return False
    if date_styles and re.search(rb""" s=["'](?:%s)["']""" % b"|".join(b"%d" % s for s in date_styles), xml):
        return False
    last = xml.rfind(b"<row ")
    found = _LAST_ROW.match(xml, last) if last >= 0 else None
    rows = 0 if last < 0 else int(found.group(1)) if found else 1 << 20  # rows without numbers: unknown
    # How many cells calamine would hold: the columns are looked for only as far as it matters.
    if rows * 16384 <= CALAMINE_MAX_CELLS:
        return True
    if _THREE_LETTERS.search(xml):
        return False
    if rows * 702 <= CALAMINE_MAX_CELLS:
        return True
    return not _PAST_AZ.search(xml) and rows * 52 <= CALAMINE_MAX_CELLS


def _calamine_grid(book: "python_calamine.CalamineWorkbook", name: str) -> Grid | None:
    """The tab read by calamine, as ``_grid`` reads it; None when it holds a date (read from the XML)."""
    try:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception:  # a tab calamine cannot read is read from its XML, which says what is wrong
        return None
    grid: Grid = []
    for row in rows:
        while row and row[-1] == "":
            row.pop()
        if set(map(type, row)) - {str}:
            if any(isinstance(v, _DATE_TYPES) for v in row):
                return None
            row = [cell_text(v) for v in row]
        grid.append(row)
    while grid and not grid[-1]:
        grid.pop()
    return grid


def added_rows(book, rows_xml: bytes) -> list[tuple[int, list[str]]]:
    """(1-based row number, cells) of <row> elements added to a tab of ``book`` (an
    sheets.xlsx_zip.Package), read as ``_grid`` reads them; UnreadableXlsx if they need shared strings."""
    epoch = _epoch(book)
    xml = b'<worksheet xmlns="%s"><sheetData>%s</sheetData></worksheet>' % (MAIN[1:-1].encode(), rows_xml)
    found = _LAST_ROW.search(rows_xml)
    if found is None:
        return []
    first = int(found.group(1))
    try:
        grid = _grid(xml, [], _date_styles(book), epoch, first)
    except (KeyError, ValueError, IndexError, ElementTree.ParseError) as e:
        raise UnreadableXlsx(str(e)) from e
    return [(first + i, cells) for i, cells in enumerate(grid)]


MB = 2**20
# A Challenges tab of 10,000 rows is about 6 MB of XML, so these leave room for a partnership's lifetime.
MAX_PART_BYTES = 128 * MB
MAX_TOTAL_BYTES = 256 * MB
MAX_PARTS = 2000
# A real sheet's XML packs about 14 to 1; a part packed far tighter than this is not a sheet.
MAX_RATIO = 100
RATIO_FROM_BYTES = 1 * MB


class WorkbookTooLarge(SheetUnavailable):
    """The workbook would unpack to more than the app reads; the message says which part and why."""


def check_unpacked_size(path: Path, data: bytes | None = None) -> None:
    """Raise WorkbookTooLarge if the .xlsx at ``path`` (its contents ``data`` when given) holds a
    part (or parts) too large to read. A file that is not a zip at all is left to the readers,
    which say so."""
    try:
        with zipfile.ZipFile(io.BytesIO(data) if data is not None else path) as book:
            parts = book.infolist()
    except (zipfile.BadZipFile, OSError):
        return
    name = Path(path).name
    if len(parts) > MAX_PARTS:
        raise WorkbookTooLarge(f"{name} has {len(parts):,} parts, more than the {MAX_PARTS:,} a workbook may have")
    total = 0
    for part in parts:
        total += part.file_size
        if part.file_size > MAX_PART_BYTES:
            raise WorkbookTooLarge(f"{name}: the part {part.filename} unpacks to {part.file_size / MB:,.0f} MB, "
                                   f"more than the {MAX_PART_BYTES // MB} MB the app reads")
        if part.file_size > RATIO_FROM_BYTES and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise WorkbookTooLarge(f"{name}: the part {part.filename} unpacks to {part.file_size / MB:,.0f} MB "
                                   f"from {part.compress_size / 1024:,.0f} KB, which no spreadsheet does")
    if total > MAX_TOTAL_BYTES:
        raise WorkbookTooLarge(f"{name} unpacks to {total / MB:,.0f} MB, more than the "
                               f"{MAX_TOTAL_BYTES // MB} MB the app reads")
