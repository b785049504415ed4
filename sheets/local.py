"""The local workbook: an .xlsx file a person can open in LibreOffice or Excel; the embedded default.

Safe with several writers (web workers and cron at once): every write holds a file lock,
re-reads the file if it changed on disk since it was last read (so a person's saved edit is
kept), and saves atomically (temp file, fsync, rename), so a crash mid-save never leaves a
broken file. Every value is written as a text cell, so ``=HYPERLINK(...)``, ``+44`` or ``-1``
stay exactly as typed. Parsed contents are cached per file, keyed by its size and mtime.

``append`` and ``update`` rewrite only the changed tab's XML in the zip (sheets.xlsx_append,
sheets.xlsx_update), copying every other part's compressed bytes as they are (sheets.xlsx_zip);
``append`` adds rows to a tab this app wrote before without compressing its earlier rows again.
They fall back to a full openpyxl load and save when that cannot be done safely (see those
modules, and ``_fast_update``). ``write_summary`` writes the Summary tab's part afresh the same way
(sheets.xlsx_summary); ``init`` always loads and saves with openpyxl.

Reading is done by python-calamine where it reads a tab as the XML reader does (sheets.xlsx_read).
A process whose copy is behind because another process (another web worker, the job) only added
rows since reads just those rows (``_read_added_rows``); any other change reads the whole file.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, Mapping, Sequence

import filelock
import openpyxl
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from sheets.base import (
    Clear, Percent, Record, SheetUnavailable, SummaryTable, SummaryValue, Table, Workbook, cell_display,
    check_lengths, number_cell,
)
from sheets.schema import COLUMNS, SUMMARY, TABS, UNSTORABLE
from sheets.xlsx_append import CannotAppend, append_rows
from sheets.xlsx_limits import check_unpacked_size
from sheets.xlsx_read import BrokenXlsx, UnreadableXlsx, added_rows, read_grids, tab_parts
from sheets.xlsx_summary import replace_sheet
from sheets.xlsx_text import from_xlsx, to_xlsx
from sheets.xlsx_update import CannotUpdate, update_cells
from sheets.xlsx_zip import CannotRewrite, Package, appended
from sheets.tables import (
    CellChange, Grid, UpdatePlan, cell_text, header_names, init_messages, plan_append, plan_clear, plan_update,
    to_table,
)

Signature = tuple[int, int, int]


@dataclass
class _FileState:
    """What is known about one workbook file in this process."""

    signature: Signature | None = None
    grids: dict[str, Grid] | None = None
    # Whether ``grids`` row for row match the file's XML (read by the fast reader, or saved by
    # openpyxl), which the XML writers rely on; False when the file needed openpyxl to be read.
    grids_from_xml: bool = False
    # The file's bytes as read or written when ``grids`` were (only when ``grids_from_xml``): a
    # file another process has since added rows to is then read by reading just those rows.
    data: bytes | None = None
    book: openpyxl.Workbook | None = None
    tables: dict[str, tuple[Grid, Table]] = field(default_factory=dict)
    references: dict[str, tuple[Grid, frozenset[str]]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)


_STATES: dict[Path, _FileState] = {}
_STATES_LOCK = threading.Lock()


def _state(path: Path) -> _FileState:
    with _STATES_LOCK:
        return _STATES.setdefault(path, _FileState())


def _signature(path: Path) -> Signature | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _clean(value: str) -> str:
    """Characters an .xlsx cannot hold (control characters) are dropped."""
    return UNSTORABLE.sub("", value)


def _set_text(ws: Worksheet, row: int, column: int, value: str) -> None:
    """Write ``value`` as a text cell (1-based row/column); never a formula, never a number."""
    cell = ws.cell(row=row, column=column)
    cell.value = to_xlsx(_clean(value)) if value else None
    if value:
        cell.data_type = "s"


class LocalWorkbook(Workbook):
    """A partnership's spreadsheet as an .xlsx file on this machine."""

    def __init__(self, path: Path | str, *, lock_timeout: float = 10.0):
        self.path = Path(path).resolve()
        self.lock_timeout = lock_timeout
        self._state = _state(self.path)

    def __repr__(self) -> str:
        return f"LocalWorkbook({str(self.path)!r})"

    # Reading

    def read_all(self, tabs: Iterable[str] = TABS) -> dict[str, Table]:
        with self._state.lock:
            grids = self._grids()
            return {tab: self._table(tab, grids.get(tab, [])) for tab in tabs}

    def _table(self, tab: str, grid: Grid) -> Table:
        """The tab's Table, built once per version of its grid (a write replaces the grid list)."""
        cached = self._state.tables.get(tab)
        if cached is None or cached[0] is not grid:
            cached = (grid, to_table(tab, grid))
            self._state.tables[tab] = cached
        return cached[1]

    def known_references(self, tabs: Iterable[str]) -> set[str]:
        with self._state.lock:
            grids = self._state.grids or {}
            found: set[str] = set()
            for tab in tabs:
                grid = grids.get(tab)
                if grid:
                    found |= self._references(tab, grid)
            return found

    def _references(self, tab: str, grid: Grid) -> frozenset[str]:
        """The tab's References, worked out once per version of its grid."""
        cached = self._state.references.get(tab)
        if cached is None or cached[0] is not grid:
            cached = (grid, frozenset(r.reference for r in self._table(tab, grid).records))
            self._state.references[tab] = cached
        return cached[1]

    def _grids(self) -> dict[str, Grid]:
        with self._state.lock:
            signature = _signature(self.path)
            if signature is None:
                raise SheetUnavailable(f"{self.path} does not exist: run `flask sheet init` to create it")
            if self._state.signature != signature or self._state.grids is None:
                try:
                    data = self.path.read_bytes()
                except FileNotFoundError:
                    raise SheetUnavailable(f"{self.path} does not exist: run `flask sheet init` to create it") from None
                check_unpacked_size(self.path, data)  # before anything parses it
                if not self._read_added_rows(data):
                    try:
                        self._state.grids, self._state.grids_from_xml = read_grids(data), True
                        self._state.data = data
                    except BrokenXlsx as e:
                        raise SheetUnavailable(f"{self.path} cannot be read: {e}") from e
                    except UnreadableXlsx as e:
                        self._state.grids, self._state.grids_from_xml = self._parse_with_openpyxl(str(e)), False
                        self._state.data = None
                self._state.signature = signature
                self._state.book = None
            return self._state.grids

    def _read_added_rows(self, data: bytes) -> bool:
        """Bring the cached grids up to date with ``data`` by reading only the rows another process
        added since they were read (sheets.xlsx_zip.appended); False if anything else changed."""
        state = self._state
        if state.data is None or state.grids is None or not state.grids_from_xml:
            return False
        try:
            new = Package(data)
            added = appended(Package(state.data), new)
            if added is None:
                return False
            parts = tab_parts(new)
            grids = dict(state.grids)
            extended = []
            for part, xml in added.items():
                tab = parts.get(part)
                rows = added_rows(new, xml)
                if tab not in grids or not rows or rows[0][0] <= len(grids[tab]):
                    return False
                grid = list(grids[tab])
                for number, cells in rows:
                    _put(grid, number - 1, cells)
                extended.append((tab, grids[tab], grid, rows[0][0] - 1, [cells for _, cells in rows]))
                grids[tab] = grid
        except (CannotRewrite, UnreadableXlsx, KeyError):
            return False
        for tab, old, grid, first, rows_added in extended:
            self._extend_table(tab, old, grid, first, rows_added)
        state.grids, state.data = grids, data
        return True

    def _parse_with_openpyxl(self, why: str = "") -> dict[str, Grid]:
        """The grids read by openpyxl, for a file the fast reader does not handle (``why``)."""
        first = f" ({why})" if why else ""
        try:
            book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as e:  # a half-written or foreign file: say which, never a traceback
            raise SheetUnavailable(f"{self.path} cannot be read as an .xlsx workbook: {e}{first}") from e
        try:
            grids: dict[str, Grid] = {}
            for ws in book.worksheets:
                grid = []
                for row in ws.iter_rows(values_only=True):
                    cells = [from_xlsx(v) if isinstance(v, str) else cell_text(v) for v in row]
                    while cells and cells[-1] == "":
                        cells.pop()
                    grid.append(cells)
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
        if not records:
            return
        check_lengths(v for record in records for v in record.values())
        if self._fast_append({tab: records}):
            return
        with self._writing() as (book, grids):
            ws = self._sheet(book, grids, tab)
            grid = grids[tab]
            plan = plan_append(header_names(grid), records)
            self._add_headers(ws, grid, plan.first_new_column, plan.new_headers)
            last = _last_used_row(grid)
            for i, row in enumerate(plan.rows):
                for c, value in enumerate(row):
                    if value:
                        _set_text(ws, last + 2 + i, c + 1, value)
                _put(grid, last + 1 + i, list(row))

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
            for tab_plan in planner(grids):
                ws = self._sheet(book, grids, tab_plan.tab)
                grid = grids[tab_plan.tab]
                self._add_headers(ws, grid, tab_plan.first_new_column, tab_plan.new_headers)
                for cell in tab_plan.cells:
                    _set_text(ws, cell.row + 1, cell.column + 1, cell.value)
                    _put_cell(grid, cell.row, cell.column, cell.value)

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
            for r, row in enumerate(table.rows, start=1):
                for c, value in enumerate(row, start=1):
                    number = number_cell(value)
                    if number is not None:
                        cell = ws.cell(row=r, column=c)
                        cell.value = value.fraction if isinstance(value, Percent) else value
                        cell.number_format = number[1] or "General"
                    elif value:
                        _set_text(ws, r, c, str(value))
                    if r - 1 in table.bold:
                        ws.cell(row=r, column=c).font = Font(bold=True)
            for c, width in widths.items():
                ws.column_dimensions[openpyxl.utils.get_column_letter(c + 1)].width = width
            grids[SUMMARY] = _summary_grid(table)

    def init(self) -> list[str]:
        done: list[str] = []
        with self._writing(create=True) as (book, grids):
            for tab in TABS:
                added = tab not in book.sheetnames
                if added:
                    book.create_sheet(tab)
                    grids[tab] = []
                ws = book[tab]
                grid = grids.setdefault(tab, [])
                headers = header_names(grid)
                missing = tuple(c for c in COLUMNS[tab] if c not in headers)
                if missing:
                    self._add_headers(ws, grid, len(headers), missing)
                    ws.freeze_panes = "A2"
                done.extend(init_messages(tab, added, missing))
            if not done:
                raise _NothingToSave
        return done

    def append_many(self, rows: Mapping[str, Sequence[Mapping[str, str]]]) -> None:
        """Rows for several tabs in one rewrite of the file (a form's row and its History row)."""
        rows = {tab: list(records) for tab, records in rows.items() if records}
        check_lengths(v for records in rows.values() for r in records for v in r.values())
        if rows and not self._fast_append(rows):
            super().append_many(rows)

    def _fast_append(self, rows: Mapping[str, list[Mapping[str, str]]]) -> bool:
        """Add rows to the tabs' XML without loading the workbook; False when only openpyxl can do it."""
        with self._locked():
            grids = self._grids()
            additions: dict[str, tuple[int, tuple[tuple[str, ...], ...]]] = {}
            for tab, records in rows.items():
                grid = grids.get(tab)
                if not grid:
                    return False
                plan = plan_append(header_names(grid), records)
                if plan.new_headers:
                    return False
                additions[tab] = (_last_used_row(grid) + 1, plan.rows)
            try:
                source = self._state.data or self.path  # the file's bytes, as just checked by _grids
                signature, data = self._save(lambda f: append_rows(
                    source, f, {tab: (first + 1, added) for tab, (first, added) in additions.items()}))
            except CannotAppend:
                return False
            old_grids = self._state.grids or {}
            grids = dict(old_grids)  # only the changed tabs get new lists: the others' Tables stay cached
            for tab, (first, added) in additions.items():
                grids[tab] = list(grids[tab])
                for i, row in enumerate(added):
                    _put(grids[tab], first + i, list(row))
                self._extend_table(tab, old_grids.get(tab), grids[tab], first, added)
            self._state.grids, self._state.signature, self._state.book = grids, signature, None
            self._state.data = data
            return True

    def _extend_table(self, tab: str, old: Grid | None, new: Grid, first: int,
                      added: Sequence[Sequence[str]]) -> None:
        """Keep the tab's cached Table by adding the appended rows' records, rather than
        building it again from every row (a form submission on a 10,000-row tab)."""
        cached = self._state.tables.get(tab)
        if cached is None or cached[0] is not old or not new:
            return
        extra = to_table(tab, [new[0], *(list(row) for row in added)]).records
        records = tuple(Record(tab, first + r.row - 1, r.values) for r in extra)
        self._state.tables[tab] = (new, Table(tab, cached[1].headers, cached[1].records + records))
        known = self._state.references.get(tab)
        if known is not None and known[0] is old:
            self._state.references[tab] = (new, known[1] | {r.reference for r in records})

    def _fast_update(self, planner: Callable[[dict[str, Grid]], list[UpdatePlan]], read: dict[str, Grid],
                     plans: list[UpdatePlan]) -> bool:
        """Change the cells in the tabs' XML without loading the workbook; False when only openpyxl can.

        Falls back when the file needed openpyxl to be read, when a missing app column would be
        added (its header is bold, a style only openpyxl adds), and for the XML shapes listed in
        sheets.xlsx_update. ``plans`` were made from the grids ``read``; if the file changed on disk
        since (a person saved it, another writer), it is re-read and the cells planned again.
        """
        with self._locked():
            grids = self._grids()
            if not self._state.grids_from_xml:
                return False
            if grids is not read:
                plans = planner(grids)
            if any(plan.new_headers for plan in plans):
                return False
            cells = {plan.tab: plan.cells for plan in plans}
            try:
                signature, data = self._save(lambda f: update_cells(self.path, f, cells))
            except CannotUpdate:
                return False
            grids = dict(grids)  # only the changed tabs get new lists: the others' Tables stay cached
            for plan in plans:
                grids[plan.tab] = list(grids[plan.tab])
                _put_cells(grids[plan.tab], plan.cells)
            self._state.grids, self._state.signature, self._state.book = grids, signature, None
            self._state.data = data
            return True

    def _fast_summary(self, table: SummaryTable, widths: dict[int, int]) -> bool:
        """Write the Summary tab as a new XML part without loading the workbook; False when only
        openpyxl can (no Summary tab yet, and the cases listed in sheets.xlsx_summary)."""
        with self._locked():
            grids = self._grids()
            if SUMMARY not in grids:
                return False
            try:
                signature, data = self._save(
                    lambda f: replace_sheet(self.path, f, SUMMARY, table.rows, table.bold, widths))
            except CannotUpdate:
                return False
            grids = dict(grids)
            grids[SUMMARY] = _summary_grid(table)
            self._state.grids, self._state.signature, self._state.book = grids, signature, None
            self._state.data = data
            return True

    # Machinery

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold this process's lock for the file and the file lock every process shares."""
        with self._state.lock:
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
    def _add_headers(ws: Worksheet, grid: Grid, first: int, names: tuple[str, ...]) -> None:
        for i, name in enumerate(names):
            _set_text(ws, 1, first + i + 1, name)
            _put_cell(grid, 0, first + i, name)
            ws.cell(row=1, column=first + i + 1).font = Font(bold=True)

    def _load_book(self) -> tuple[openpyxl.Workbook, dict[str, Grid]]:
        """The full workbook (formulas and formatting kept) and its grids, re-read if the file changed."""
        state = self._state
        signature = _signature(self.path)
        if signature is None:
            book = openpyxl.Workbook()
            book.remove(book.active)
            return book, {}
        if state.signature == signature and state.book is not None and state.grids is not None:
            return state.book, state.grids
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

    If the block raises, nothing is saved and the cached state is dropped.
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
            # Work on a copy so a failed write leaves the cache describing the file as it is.
            self.grids = _copy_on_write(grids)
            return self.book, self.grids
        except BaseException:
            self._release()
            raise

    def __exit__(self, kind, error, tb) -> bool:
        wb = self.workbook
        try:
            if kind is _NothingToSave:
                return True
            if kind is not None:
                wb._state.book = wb._state.grids = wb._state.signature = wb._state.data = None
                return False
            try:
                signature, data = wb._save(self.book.save)
            except BaseException:
                wb._state.book = wb._state.grids = wb._state.signature = wb._state.data = None
                raise
            wb._state.book, wb._state.grids, wb._state.signature = self.book, self.grids, signature
            wb._state.data = data
            wb._state.grids_from_xml = True  # openpyxl numbers every row and cell as the grids do
            return False
        finally:
            self._release()

    def _release(self) -> None:
        self.locked.__exit__(None, None, None)


def _copy_on_write(grids: dict[str, Grid]) -> dict[str, Grid]:
    """A copy of the cached grids cheap enough for every write: each tab's row list is copied,
    rows themselves are shared and replaced (never changed in place) by ``_put``/``_put_cell``."""
    return {tab: list(g) for tab, g in grids.items()}


def _last_used_row(grid: Grid) -> int:
    """0-based index of the last row with a value (0 is the header row)."""
    for r in range(len(grid) - 1, 0, -1):
        if any(v.strip() for v in grid[r]):
            return r
    return 0


def _put(grid: Grid, row: int, values: list[str]) -> None:
    while len(grid) <= row:
        grid.append([])
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
        _put(grid, len(grid), [_as_read(v) for v in row])
    while grid and not grid[-1]:
        grid.pop()
    return grid


def _as_read(value: SummaryValue) -> str:
    """A Summary cell as reading the file gives it back (a date as ``YYYY-MM-DD``, a percentage as its fraction)."""
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, Percent):
        return cell_text(value.fraction)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return cell_text(value)


def _put_cells(grid: Grid, cells: Iterable[CellChange]) -> None:
    """Each cell's value (cleaned as it is written) into the grid, each changed row copied once."""
    by_row: dict[int, list[CellChange]] = {}
    for cell in cells:
        by_row.setdefault(cell.row, []).append(cell)
    for row, changed in by_row.items():
        while len(grid) <= row:
            grid.append([])
        values = list(grid[row])
        for cell in changed:
            if len(values) <= cell.column:
                values.extend([""] * (cell.column + 1 - len(values)))
            values[cell.column] = _clean(cell.value)
        while values and values[-1] == "":
            values.pop()
        grid[row] = values


def _put_cell(grid: Grid, row: int, column: int, value: str) -> None:
    while len(grid) <= row:
        grid.append([])
    cells = list(grid[row])
    while len(cells) <= column:
        cells.append("")
    cells[column] = value
    while cells and cells[-1] == "":
        cells.pop()
    grid[row] = cells
