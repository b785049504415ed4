"""The local workbook: an .xlsx file a person can open in LibreOffice or Excel; the embedded default.

This module owns the file: locking, the parsed copy of it each process keeps (``FileCopies``),
saving, and choosing how each write is made. The modules beside it own the format:
sheets.xlsx_cells (how a value becomes a cell: text stays text), sheets.xlsx_read (reading, and
the size limits checked first), sheets.xlsx_write (the worksheet XML of the fast writes) and
sheets.xlsx_zip (the zip, rewritten copying unchanged parts as they are).

Safe with several writers (web workers and cron at once): every write holds a file lock,
re-reads the file if it changed on disk since it was last read (so a person's saved edit is
kept), and saves atomically (temp file, fsync, rename), so a crash mid-save never leaves a
broken file.

``append``, ``update`` and ``write_summary`` are made by ``_rewrite``: only the changed tabs' XML
is written anew (sheets.xlsx_write), and a tab this app wrote before gets rows added without
compressing its earlier rows again. They fall back to a full openpyxl load and save
(``_Writing``) when that cannot be done safely: the file needed openpyxl to be read, a missing
app column would be added (its header is bold, a style only openpyxl adds), or the XML has a
shape listed in sheets.xlsx_write. ``init`` always loads and saves with openpyxl.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import uuid
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, Mapping, Sequence

import filelock
import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sheets.base import (
    Clear, Percent, Record, SheetUnavailable, SummaryTable, SummaryValue, Table, Workbook, cell_display,
    check_lengths,
)
from sheets.schema import COLUMNS, SUMMARY, TABS
from sheets.tables import (
    CellChange, Grid, UpdatePlan, cell_text, header_names, init_messages, plan_append, plan_clear, plan_update,
    to_table,
)
from sheets.xlsx_cells import from_xlsx, set_value, stored
from sheets.xlsx_read import BrokenXlsx, UnreadableXlsx, added_rows, check_unpacked_size, read_grids, \
    worksheet_parts
from sheets.xlsx_write import Parts, appended_parts, changed_parts, summary_parts
from sheets.xlsx_zip import CannotRewrite, Package, appended

Signature = tuple[int, int, int]


def _signature(path: Path) -> Signature | None:
    """What tells this process the file changed: its mtime, size and inode."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class FileCopy:
    """What this process knows of one workbook file: its tabs as rows of text (``grids``), as
    last read or written, and what is derived from them.

    Believed only while the file's signature is ``signature``; any other is a change on disk
    (a person's save, another process's write) and the copy is brought up to date before use.
    Each write replaces the list of every tab it changes (rows are never changed in place), so
    a Table or a set of references worked out from a grid stays right for as long as that very
    list is the tab's grid.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.signature: Signature | None = None
        self.grids: dict[str, Grid] | None = None
        # Whether ``grids`` row for row match the file's XML (read by sheets.xlsx_read, or saved
        # by openpyxl), which the XML writers rely on; False when the file needed openpyxl to be read.
        self.from_xml = False
        # The file's bytes as read or written when ``grids`` were (only when ``from_xml``): the next
        # fast write starts from them, and a file another process has since added rows to is
        # brought up to date by reading just those rows.
        self.data: bytes | None = None
        # The openpyxl workbook this process last saved, reused by the next openpyxl write.
        self.book: openpyxl.Workbook | None = None
        self._tables: dict[str, tuple[Grid, Table]] = {}
        self._references: dict[str, tuple[Grid, frozenset[str]]] = {}

    def forget(self) -> None:
        """Drop everything: the next use reads the file again."""
        self.signature = self.grids = self.data = self.book = None
        self.from_xml = False

    def written(self, grids: dict[str, Grid], signature: Signature, data: bytes, *,
                book: openpyxl.Workbook | None = None) -> None:
        """The file as this process has just saved it."""
        self.grids, self.signature, self.data, self.book, self.from_xml = grids, signature, data, book, True

    def table(self, tab: str, grid: Grid) -> Table:
        """The tab's Table, built once per version of its grid."""
        cached = self._tables.get(tab)
        if cached is None or cached[0] is not grid:
            cached = (grid, to_table(tab, grid))
            self._tables[tab] = cached
        return cached[1]

    def references(self, tab: str, grid: Grid) -> frozenset[str]:
        """The tab's References, worked out once per version of its grid."""
        cached = self._references.get(tab)
        if cached is None or cached[0] is not grid:
            cached = (grid, frozenset(r.reference for r in self.table(tab, grid).records))
            self._references[tab] = cached
        return cached[1]

    def extend_table(self, tab: str, old: Grid | None, new: Grid, first: int, added: Sequence[Sequence[str]]) -> None:
        """Keep the tab's Table (and References) for grid ``new`` = ``old`` with rows ``added`` from
        0-based row ``first``, by adding their records rather than building it again from every row
        (a form submission on a 10,000-row tab)."""
        cached = self._tables.get(tab)
        if cached is None or cached[0] is not old or not new:
            return
        extra = to_table(tab, [new[0], *added]).records
        records = tuple(Record(tab, first + r.row - 1, r.values) for r in extra)
        self._tables[tab] = (new, Table(tab, cached[1].headers, cached[1].records + records))
        known = self._references.get(tab)
        if known is not None and known[0] is old:
            self._references[tab] = (new, known[1] | {r.reference for r in records})


class FileCopies:
    """This process's ``FileCopy`` of each workbook file, by resolved path.

    Lifetime: the process. A LocalWorkbook is made for each request or job run, so the copy
    belongs here, not to it: every LocalWorkbook of a path in the process shares its copy
    (``COPIES``, the default), unless given another FileCopies (a test or benchmark playing two
    processes). Invalidation: each copy checks the file's signature before every use (see
    FileCopy); ``clear`` drops them all, as a newly started process has none.
    """

    def __init__(self) -> None:
        self._copies: dict[Path, FileCopy] = {}
        self._lock = threading.Lock()

    def of(self, path: Path) -> FileCopy:
        with self._lock:
            return self._copies.setdefault(path, FileCopy())

    def clear(self) -> None:
        with self._lock:
            self._copies.clear()


COPIES = FileCopies()


class LocalWorkbook(Workbook):
    """A partnership's spreadsheet as an .xlsx file on this machine."""

    def __init__(self, path: Path | str, *, lock_timeout: float = 10.0, copies: FileCopies = COPIES):
        self.path = Path(path).resolve()
        self.lock_timeout = lock_timeout
        self._copy = copies.of(self.path)

    def __repr__(self) -> str:
        return f"LocalWorkbook({str(self.path)!r})"

    # Reading

    def read_all(self, tabs: Iterable[str] = TABS) -> dict[str, Table]:
        with self._copy.lock:
            grids = self._grids()
            return {tab: self._copy.table(tab, grids.get(tab, [])) for tab in tabs}

    def known_references(self, tabs: Iterable[str]) -> set[str]:
        """The References last read or written (this never reads the file)."""
        with self._copy.lock:
            grids = self._copy.grids or {}
            found: set[str] = set()
            for tab in tabs:
                grid = grids.get(tab)
                if grid:
                    found |= self._copy.references(tab, grid)
            return found

    def _grids(self) -> dict[str, Grid]:
        """The grids of the file as it is now: the copy, brought up to date if the file changed."""
        copy = self._copy
        with copy.lock:
            signature = _signature(self.path)
            if signature is None:
                raise SheetUnavailable(f"{self.path} does not exist: run `flask sheet init` to create it")
            if copy.signature != signature or copy.grids is None:
                try:
                    data = self.path.read_bytes()
                except FileNotFoundError:
                    raise SheetUnavailable(f"{self.path} does not exist: run `flask sheet init` to create it") from None
                check_unpacked_size(self.path, data)  # before anything parses it
                if not self._read_added_rows(data):
                    try:
                        copy.grids, copy.from_xml, copy.data = read_grids(data), True, data
                    except BrokenXlsx as e:
                        raise SheetUnavailable(f"{self.path} cannot be read: {e}") from e
                    except UnreadableXlsx as e:
                        copy.grids, copy.from_xml, copy.data = self._parse_with_openpyxl(str(e)), False, None
                copy.signature, copy.book = signature, None
            return copy.grids

    def _read_added_rows(self, data: bytes) -> bool:
        """Bring the copy up to date with ``data`` by reading only the rows another process added
        since it was read (sheets.xlsx_zip.appended); False if anything else changed."""
        copy = self._copy
        if copy.data is None or copy.grids is None or not copy.from_xml:
            return False
        try:
            new = Package(data)
            added = appended(Package(copy.data), new)
            if added is None:
                return False
            tabs = {part: tab for tab, part in worksheet_parts(new).items()}
            grids = dict(copy.grids)
            extended = []
            for part, xml in added.items():
                tab = tabs.get(part)
                rows = added_rows(new, xml)
                if tab not in grids or not rows or rows[0][0] <= len(grids[tab]):
                    return False
                grid = list(grids[tab])
                for number, cells in rows:
                    _put_row(grid, number - 1, cells)
                extended.append((tab, grids[tab], grid, rows[0][0] - 1, [cells for _, cells in rows]))
                grids[tab] = grid
        except (CannotRewrite, UnreadableXlsx, KeyError):
            return False
        for tab, old, grid, first, rows_added in extended:
            copy.extend_table(tab, old, grid, first, rows_added)
        copy.grids, copy.data = grids, data
        return True

    def _parse_with_openpyxl(self, why: str = "") -> dict[str, Grid]:
        """The grids read by openpyxl, for a file sheets.xlsx_read does not handle (``why``)."""
        first = f" ({why})" if why else ""
        try:
            book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as e:  # a half-written or foreign file: say which, never a traceback
            raise SheetUnavailable(f"{self.path} cannot be read as an .xlsx workbook: {e}{first}") from e
        try:
            grids: dict[str, Grid] = {}
            for ws in book.worksheets:
                grid: Grid = []
                for row in ws.iter_rows(values_only=True):
                    _put_row(grid, len(grid), [from_xlsx(v) if isinstance(v, str) else cell_text(v) for v in row])
                while grid and not grid[-1]:
                    grid.pop()
                grids[ws.title] = grid
            return grids
        except Exception as e:  # read-only mode parses each tab only as it is read
            raise SheetUnavailable(f"{self.path} cannot be read as an .xlsx workbook: {e}{first}") from e
        finally:
            book.close()

    # Writing

    def append(self, tab: str, records: list[Mapping[str, str]]) -> None:
        if records:
            self.append_many({tab: records})

    def append_many(self, rows: Mapping[str, Sequence[Mapping[str, str]]]) -> None:
        """Rows for several tabs in one rewrite of the file (a form's row and its History row)."""
        rows = {tab: list(records) for tab, records in rows.items() if records}
        check_lengths(v for records in rows.values() for r in records for v in r.values())
        if not rows or self._fast_append(rows):
            return
        with self._writing() as (book, grids):
            for tab, records in rows.items():
                ws = self._sheet(book, grids, tab)
                plan = plan_append(header_names(grids[tab]), records)
                self._add_headers(ws, grids, tab, plan.first_new_column, plan.new_headers)
                last = _last_used_row(grids[tab])
                for i, row in enumerate(plan.rows):
                    for c, value in enumerate(row):
                        if value:
                            set_value(ws, last + 2 + i, c + 1, value)
                _put_cells(grids, tab, (CellChange(last + 1 + i, c, v) for i, row in enumerate(plan.rows)
                                        for c, v in enumerate(row)))

    def update(self, changes: Mapping[str, Mapping[str, Mapping[str, str]]]) -> None:
        changes = {tab: refs for tab, refs in changes.items() if refs}
        if changes:
            self._write_plans(lambda grids: [plan_update(tab, grids.get(tab, []), refs)
                                             for tab, refs in changes.items()])

    def clear(self, cells: Sequence[Clear]) -> None:
        by_tab: dict[str, list[Clear]] = {}
        for cell in cells:
            by_tab.setdefault(cell.tab, []).append(cell)
        if by_tab:
            self._write_plans(lambda grids: [plan_clear(tab, grids.get(tab, []), clears)
                                             for tab, clears in by_tab.items()])

    def _write_plans(self, planner: Callable[[dict[str, Grid]], list[UpdatePlan]]) -> None:
        """Write the cells ``planner`` finds in the grids, planned again on the file as it is under the lock."""
        grids = self._grids()
        # Refused (over-long value, unknown reference...) before taking the lock: nothing half-written.
        plans = planner(grids)
        if self._fast_update(planner, grids, plans):
            return
        with self._writing() as (book, grids):
            for plan in planner(grids):
                ws = self._sheet(book, grids, plan.tab)
                self._add_headers(ws, grids, plan.tab, plan.first_new_column, plan.new_headers)
                for cell in plan.cells:
                    set_value(ws, cell.row + 1, cell.column + 1, cell.value)
                _put_cells(grids, plan.tab, plan.cells)

    def write_summary(self, table: SummaryTable) -> None:
        check_lengths(v for row in table.rows for v in row)
        widths = _summary_widths(table)
        if self._fast_summary(table, widths):
            return
        with self._writing() as (book, grids):
            if SUMMARY in book.sheetnames:
                old = book[SUMMARY]
                index = book.index(old)
                book.remove(old)
                ws = book.create_sheet(SUMMARY, index)
            else:
                ws = book.create_sheet(SUMMARY)
            for r, row in enumerate(table.rows):
                for c, value in enumerate(row):
                    set_value(ws, r + 1, c + 1, value, bold=r in table.bold)
            for c, width in widths.items():
                ws.column_dimensions[get_column_letter(c + 1)].width = width
            grids[SUMMARY] = _summary_grid(table)

    def init(self) -> list[str]:
        done: list[str] = []
        with self._writing(create=True) as (book, grids):
            for tab in TABS:
                added = tab not in book.sheetnames
                ws = self._sheet(book, grids, tab)
                headers = header_names(grids.setdefault(tab, []))
                missing = tuple(c for c in COLUMNS[tab] if c not in headers)
                if missing:
                    self._add_headers(ws, grids, tab, len(headers), missing)
                    ws.freeze_panes = "A2"
                done.extend(init_messages(tab, added, missing))
            if not done:
                raise _NothingToSave
        return done

    # The fast writes: only the changed tabs' XML, every other part of the file copied as it is

    def _rewrite(self, grids: dict[str, Grid], edit: Callable[[Package], Parts]) -> bool:
        """Save the file with the parts ``edit`` makes from its zip, every other part copied as it
        is, and keep ``grids`` as the copy; False (nothing written) if ``edit`` or the zip has a
        shape only openpyxl writes safely. Called holding the lock, the copy up to date."""
        copy = self._copy
        try:
            book = Package(copy.data if copy.data is not None else self.path.read_bytes())
            parts = edit(book)
            signature, data = self._save(lambda f: book.write(f, parts))
        except CannotRewrite:
            return False
        copy.written(grids, signature, data)
        return True

    def _fast_append(self, rows: Mapping[str, list[Mapping[str, str]]]) -> bool:
        with self._locked():
            old = self._grids()
            grids = dict(old)  # only the changed tabs get new lists: the others' Tables stay kept
            additions: dict[str, tuple[int, tuple[tuple[str, ...], ...]]] = {}
            for tab, records in rows.items():
                if not old.get(tab):
                    return False
                plan = plan_append(header_names(old[tab]), records)
                if plan.new_headers:
                    return False
                additions[tab] = (_last_used_row(old[tab]) + 1, plan.rows)
                _put_cells(grids, tab, (CellChange(additions[tab][0] + i, c, v) for i, row in enumerate(plan.rows)
                                        for c, v in enumerate(row)))
            if not self._rewrite(grids, lambda book: appended_parts(
                    book, {tab: (first + 1, added) for tab, (first, added) in additions.items()})):
                return False
            for tab, (first, added) in additions.items():
                self._copy.extend_table(tab, old.get(tab), grids[tab], first, grids[tab][first:first + len(added)])
            return True

    def _fast_update(self, planner: Callable[[dict[str, Grid]], list[UpdatePlan]], read: dict[str, Grid],
                     plans: list[UpdatePlan]) -> bool:
        """``plans`` were made from the grids ``read``; if the file changed on disk since (a person
        saved it, another writer), it is re-read and the cells planned again."""
        with self._locked():
            grids = self._grids()
            if not self._copy.from_xml:
                return False
            if grids is not read:
                plans = planner(grids)
            if any(plan.new_headers for plan in plans):
                return False
            grids = dict(grids)
            for plan in plans:
                _put_cells(grids, plan.tab, plan.cells)
            return self._rewrite(grids, lambda book: changed_parts(book, {plan.tab: plan.cells for plan in plans}))

    def _fast_summary(self, table: SummaryTable, widths: dict[int, int]) -> bool:
        with self._locked():
            grids = self._grids()
            if SUMMARY not in grids:
                return False
            grids = dict(grids)
            grids[SUMMARY] = _summary_grid(table)
            return self._rewrite(grids, lambda book: summary_parts(book, SUMMARY, table.rows, table.bold, widths))

    # Machinery

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold this process's lock for the file and the file lock every process shares."""
        with self._copy.lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = filelock.FileLock(str(self.path) + ".lock", timeout=self.lock_timeout)
            try:
                lock.acquire()
            except filelock.Timeout:
                raise SheetUnavailable(f"{self.path} is busy (locked by another writer); try again") from None
            try:
                yield
            finally:
                lock.release()

    def _writing(self, create: bool = False) -> "_Writing":
        return _Writing(self, create)

    @staticmethod
    def _sheet(book: openpyxl.Workbook, grids: dict[str, Grid], tab: str) -> Worksheet:
        if tab not in book.sheetnames:
            book.create_sheet(tab)
            grids[tab] = []
        return book[tab]

    @staticmethod
    def _add_headers(ws: Worksheet, grids: dict[str, Grid], tab: str, first: int, names: tuple[str, ...]) -> None:
        for i, name in enumerate(names):
            set_value(ws, 1, first + i + 1, name, bold=True)
        _put_cells(grids, tab, (CellChange(0, first + i, name) for i, name in enumerate(names)))

    def _load_book(self) -> tuple[openpyxl.Workbook, dict[str, Grid]]:
        """The full workbook (formulas and formatting kept) and its grids, re-read if the file changed."""
        copy = self._copy
        signature = _signature(self.path)
        if signature is None:
            book = openpyxl.Workbook()
            book.remove(book.active)
            return book, {}
        if copy.signature == signature and copy.book is not None and copy.grids is not None:
            return copy.book, copy.grids
        grids = self._grids()
        try:
            book = openpyxl.load_workbook(self.path)
        except Exception as e:
            raise SheetUnavailable(f"{self.path} cannot be read as an .xlsx workbook: {e}") from e
        return book, grids

    def _save(self, write: Callable[[BinaryIO], None]) -> tuple[Signature, bytes]:
        """Write to a temp file beside the workbook, flush it to disk, then rename over the old file.
        Returns the new file's signature and its bytes."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.tmp")
        try:
            with open(tmp, "w+b") as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
                f.seek(0)
                data = f.read()
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        signature = _signature(self.path)
        assert signature is not None
        return signature, data


class _NothingToSave(Exception):
    """Raised inside a write block that changed nothing: leave the file as it is."""


class _Writing:
    """``with workbook._writing() as (book, grids):`` lock, load fresh, change, save atomically.

    The block changes ``grids`` (a copy: each tab's row list copied, rows replaced not changed) as
    it changes the openpyxl book. If it raises, nothing is saved and the copy is forgotten.
    """

    def __init__(self, workbook: LocalWorkbook, create: bool):
        self.workbook = workbook
        self.create = create
        self.locked = workbook._locked()

    def __enter__(self) -> tuple[openpyxl.Workbook, dict[str, Grid]]:
        wb = self.workbook
        if not self.create and _signature(wb.path) is None:
            raise SheetUnavailable(f"{wb.path} does not exist: run `flask sheet init` to create it")
        self.locked.__enter__()
        try:
            self.book, grids = wb._load_book()
            self.grids = {tab: list(g) for tab, g in grids.items()}
            return self.book, self.grids
        except BaseException:
            self._release()
            raise

    def __exit__(self, kind, error, tb) -> bool:
        copy = self.workbook._copy
        try:
            if kind is _NothingToSave:
                return True
            if kind is not None:
                copy.forget()
                return False
            try:
                signature, data = self.workbook._save(self.book.save)
            except BaseException:
                copy.forget()
                raise
            copy.written(self.grids, signature, data, book=self.book)  # openpyxl numbers rows as the grids do
            return False
        finally:
            self._release()

    def _release(self) -> None:
        self.locked.__exit__(None, None, None)


def _last_used_row(grid: Grid) -> int:
    """0-based index of the last row with a value (0 is the header row)."""
    for r in range(len(grid) - 1, 0, -1):
        if any(v.strip() for v in grid[r]):
            return r
    return 0


def _put_row(grid: Grid, row: int, values: list[str]) -> None:
    """``values`` (as read from the file) as the grid's 0-based ``row``, trailing blanks dropped."""
    while len(grid) <= row:
        grid.append([])
    while values and values[-1] == "":
        values.pop()
    grid[row] = values


def _put_cells(grids: dict[str, Grid], tab: str, cells: Iterable[CellChange]) -> None:
    """Each written cell into the tab's grid as reading the file will give it back
    (sheets.xlsx_cells.stored). The tab's row list and each changed row are new lists, so grids
    shared with earlier versions (and the Tables made from them) are left as they were."""
    by_row: dict[int, list[CellChange]] = {}
    for cell in cells:
        by_row.setdefault(cell.row, []).append(cell)
    grid = grids[tab] = list(grids.get(tab, []))
    for row, changed in by_row.items():
        if row >= len(grid):
            grid.extend([] for _ in range(row + 1 - len(grid)))
        values = list(grid[row])
        for cell in changed:
            if len(values) <= cell.column:
                values.extend([""] * (cell.column + 1 - len(values)))
            values[cell.column] = stored(cell.value) if cell.value else ""
        while values and values[-1] == "":
            values.pop()
        grid[row] = values


def _summary_widths(table: SummaryTable) -> dict[int, int]:
    """0-based column -> width for the Summary tab: its longest text plus a margin, within limits."""
    longest: dict[int, int] = {}
    for row in table.rows:
        for c, value in enumerate(row):
            if value != "":
                longest[c] = max(longest.get(c, 0), len(cell_display(value)))
    return {c: min(max(n + 2, 10), 60) for c, n in longest.items()}


def _summary_grid(table: SummaryTable) -> Grid:
    """The Summary tab's grid as the file will read back."""
    grid: Grid = []
    for row in table.rows:
        _put_row(grid, len(grid), [_as_read(v) for v in row])
    while grid and not grid[-1]:
        grid.pop()
    return grid


def _as_read(value: SummaryValue) -> str:
    """A Summary cell as reading the file gives it back (a date as ``YYYY-MM-DD``, a percentage as its fraction)."""
    if isinstance(value, str):
        return stored(value)
    if isinstance(value, Percent):
        return cell_text(value.fraction)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return cell_text(value)
