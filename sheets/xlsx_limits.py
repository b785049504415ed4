"""What an .xlsx workbook may unpack to, checked before any part of it is parsed.

An .xlsx file is a zip of XML parts. A small file can unpack to a huge part (a "zip bomb", or
a sheet of millions of empty cells), and parsing that would take the server's memory. Each
part's unpacked size is read from the zip's directory, which costs nothing; Python's zipfile
never unpacks more than that size (a part that claims less than it holds fails its CRC check).
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from sheets.base import SheetUnavailable

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
    part (or parts) too large to read.

    A file that is not a zip at all is left to the readers, which say so.
    """
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
