"""Grid logic both workbooks share: rows of text in, Tables out; where an append or update lands.

A grid is a tab's cells as text, row 1 first (``grid[0]`` is the header row). Columns are
found by header name and rows by Reference, so what people do to the sheet (reorder
columns, add their own, sort rows, leave blank rows) never moves a value to the wrong cell.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections import abc
from dataclasses import dataclass
from itertools import compress, islice
from typing import Iterator, Mapping, Sequence

from sheets.base import Clear, Record, SheetError, Table, UnknownReference, check_lengths
from sheets.schema import COLUMNS, REFERENCE

Grid = list[list[str]]


def cell_text(value: object) -> str:
    """A cell's value as the text a person sees; a real date cell becomes ``YYYY-MM-DD``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="minutes")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def header_names(grid: Grid) -> tuple[str, ...]:
    """Row 1 as found (names stripped of spaces), trailing blank cells dropped."""
    headers = [h.strip() for h in grid[0]] if grid else []
    while headers and not headers[-1]:
        headers.pop()
    return tuple(headers)


def column_index(headers: Sequence[str]) -> dict[str, int]:
    """Header name -> 0-based column; the first of duplicated names wins (``check`` reports the rest)."""
    index: dict[str, int] = {}
    for i, name in enumerate(headers):
        if name and name not in index:
            index[name] = i
    return index


def to_table(tab: str, grid: Grid) -> Table:
    """A tab's grid as a Table: records keyed by header name, blank rows skipped.

    Built for 100,000-row tabs: each row's values are picked out in C (``zip`` of the column
    names with the cells, ``compress`` dropping empty cells), and the cyclic garbage collector,
    which would otherwise walk the growing heap again and again, is paused while the records
    (which hold no cycles) are made.
    """
    headers = header_names(grid)
    # The name of each column a value is kept from: the first of a duplicated name, no blank name.
    index = column_index(headers)
    names: list[str | None] = [None] * len(headers)
    for name, i in index.items():
        names[i] = name
    skipped = None in names
    record = _record_maker(tab)
    records = []
    join = "".join
    with collector_paused():
        for r, row in enumerate(islice(grid, 1, None), start=2):
            text = join(row)
            if not text or text.isspace():
                continue
            values = dict(compress(zip(names, row), row))
            if skipped:
                values.pop(None, None)
            records.append(record(r, values))
    return Table(tab, headers, tuple(records))


class ColumnGrid(abc.Sequence):
    """A tab read column by column, as a grid: ``grid[r]`` is row ``r + 1``'s cells, "" in the
    columns not read. Rows are made only when asked for; ``column(c)`` gives one column whole."""

    def __init__(self, columns: Mapping[int, list[str]], height: int):
        self._columns = dict(columns)  # 0-based sheet column -> its cells, row 1 first, ``height`` long
        self._height = height
        self._width = max(columns, default=-1) + 1

    def __len__(self) -> int:
        return self._height

    def _row(self, r: int) -> list[str]:
        row = [""] * self._width
        for c, cells in self._columns.items():
            row[c] = cells[r]
        return row

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self._row(r) for r in range(*index.indices(self._height))]
        if index < 0:
            index += self._height
        if not 0 <= index < self._height:
            raise IndexError(index)
        return self._row(index)

    def column(self, c: int) -> list[str]:
        return self._columns.get(c) or [""] * self._height


def column_cells(grid: Sequence[Sequence[str]], c: int) -> Sequence[str]:
    """Column ``c`` of a grid (0-based), row 1 first, "" where a row is shorter."""
    if isinstance(grid, ColumnGrid):
        return grid.column(c)
    return [row[c] if c < len(row) else "" for row in grid]


def column_table(tab: str, columns: Mapping[int, tuple[str, list[str]]]) -> tuple[ColumnGrid, "ColumnTable"]:
    """Columns read whole (``{sheet column: (header name, cells from row 1)}``, each trimmed of its
    trailing blank cells as Google sends them) as a grid (where each row is, for writing) and a
    Table (the non-blank rows), without making a row or a record."""
    height = max((len(cells) for _, cells in columns.values()), default=0)
    padded = {c: cells + [""] * (height - len(cells)) for c, (_, cells) in columns.items()}
    grid = ColumnGrid(padded, height)
    names = {name: padded[c] for c, (name, _) in sorted(columns.items())}
    body = {name: cells[1:] for name, cells in names.items()}
    rows: Sequence[int] = range(2, height + 1)
    # A row with text in its Reference (or, on a tab read without one, in its only column) is not blank.
    telling = body.get(REFERENCE) or (next(iter(body.values())) if len(body) == 1 else ("",))
    if body and not all(map(str.strip, telling)):
        # Some rows have no Reference: those with no text at all are left out, as ``to_table`` does.
        texts = map("".join, zip(*body.values()))
        kept = [i for i, text in enumerate(texts) if text and not text.isspace()]
        if len(kept) < height - 1:
            body = {name: [cells[i] for i in kept] for name, cells in body.items()}
            rows = [i + 2 for i in kept]
    return grid, ColumnTable(tab, tuple(columns[c][0] for c in sorted(columns)), body, rows)


class ColumnTable(Table):
    """A Table read column by column: each column's cells kept as they came, and a record made
    only for a row asked for (``record_at``), or for every row once ``records`` is asked for.

    The same in every way as the Table ``to_table`` makes of the same cells; what differs is only
    when the records are made.
    """

    def __init__(self, tab: str, headers: tuple[str, ...], columns: Mapping[str, list[str]], rows: Sequence[int]):
        put = object.__setattr__
        put(self, "tab", tab)
        put(self, "headers", headers)
        put(self, "_cells", dict(columns))  # header name -> the non-blank rows' cells
        put(self, "_rows", rows)  # each non-blank row's sheet row number
        put(self, "_made", {})
        put(self, "_make", _record_maker(tab))

    @property  # type: ignore[override]
    def records(self) -> tuple[Record, ...]:
        made = self.__dict__.get("_records")
        if made is None:
            with collector_paused():
                made = tuple(map(self.record_at, range(len(self._rows))))
            object.__setattr__(self, "_records", made)
        return made

    @property
    def count(self) -> int:
        return len(self._rows)

    def record_at(self, index: int) -> Record:
        made = self._made.get(index)
        if made is None:
            values = {name: cells[index] for name, cells in self._cells.items() if cells[index]}
            made = self._made[index] = self._make(self._rows[index], values)
        return made

    def column(self, name: str) -> Sequence[str]:
        cells = self._cells.get(name)
        return cells if cells is not None else [""] * len(self._rows)


@contextlib.contextmanager
def collector_paused(*, settle: bool = False) -> Iterator[None]:
    """Python's cyclic garbage collector held off while a tab's worth of small objects is made.

    Without it, every few hundred new objects start a collection, and the older collections walk
    every object alive (100,000 rows are millions): most of the time of a big read would go there.
    The records, rows and positions made hold no reference cycles, so nothing waits to be freed;
    collection starts again as before when the work is done (nested pauses leave it to the outer).

    ``settle``: what is still alive when the work is done (a workbook's columns as read, kept for its
    next write) is put straight into the oldest generation (``gc.freeze`` then ``gc.unfreeze``), as
    long-lived objects end up, instead of being walked, cell by cell of every big list, by the young
    collection that the first object made afterwards would start.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if settle:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


@contextlib.contextmanager
def collector_resumed() -> Iterator[None]:
    """Inside ``collector_paused``, the collector running again for a while: sending an email leaves
    a few hundred objects in reference cycles, which must not pile up over thousands of emails.
    What was made while it was paused is set aside first (``gc.freeze``), so the collector does not
    walk it, and put back (in the oldest generation) when it pauses again. Outside a pause, nothing.
    """
    if gc.isenabled():
        yield
        return
    gc.freeze()
    gc.enable()
    try:
        yield
    finally:
        gc.disable()
        gc.unfreeze()


def _record_maker(tab: str):
    """``Record(tab, row, values)`` made without the frozen dataclass's three checked attribute
    sets; the same object in every way."""
    new, put = object.__new__, object.__setattr__

    def make(row: int, values: dict[str, str]) -> Record:
        made = new(Record)
        put(made, "__dict__", {"tab": tab, "row": row, "values": values})
        return made
    return make


@dataclass(frozen=True)
class AppendPlan:
    """Rows laid out under the tab's headers, and header names to add first."""

    new_headers: tuple[str, ...]
    first_new_column: int
    rows: tuple[tuple[str, ...], ...]


def plan_append(headers: Sequence[str], records: Sequence[Mapping[str, str]]) -> AppendPlan:
    """Where each value of each record goes; missing header columns are added after the last header."""
    check_lengths(v for record in records for v in record.values())
    index = column_index(headers)
    new: list[str] = []
    for record in records:
        for name in record:
            if name not in index and name not in new:
                new.append(name)
    first_new = len(headers)
    for i, name in enumerate(new):
        index[name] = first_new + i
    width = max([first_new + len(new), *(index[n] + 1 for r in records for n in r)], default=0)
    rows = []
    for record in records:
        row = [""] * width
        for name, value in record.items():
            row[index[name]] = "" if value is None else str(value)
        rows.append(tuple(row))
    return AppendPlan(tuple(new), first_new, tuple(rows))


@dataclass(frozen=True)
class CellChange:
    """One cell to write: 0-based row and column in the grid."""

    row: int
    column: int
    value: str


@dataclass(frozen=True)
class UpdatePlan:
    """Cells to write in one tab, and header names to add first (after the last header)."""

    tab: str
    new_headers: tuple[str, ...]
    first_new_column: int
    cells: tuple[CellChange, ...]


def owned_columns(tab: str) -> tuple[str, ...]:
    return COLUMNS.get(tab, ())


def plan_update(tab: str, grid: Grid, changes: Mapping[str, Mapping[str, str]]) -> UpdatePlan:
    """The cells to write for ``{reference: {column: value}}`` in this tab's grid.

    Raises (and so nothing is written) when a reference is on no row or on several,
    or a column is not one the app owns: people's own columns are never written.
    """
    check_lengths(v for cols in changes.values() for v in cols.values())
    owned = owned_columns(tab)
    for columns in changes.values():
        for name in columns:
            if owned and name not in owned:
                raise SheetError(f"{tab}: \"{name}\" is not a column the app writes; nothing was written")
    headers = header_names(grid)
    index = column_index(headers)
    if REFERENCE not in index:
        raise SheetError(f"{tab}: there is no \"{REFERENCE}\" column in row 1; nothing was written")
    rows_by_ref: dict[str, list[int]] = {}
    wanted = set(changes)
    for r, ref in enumerate(map(str.strip, column_cells(grid, index[REFERENCE]))):
        if r and ref in wanted:
            rows_by_ref.setdefault(ref, []).append(r)
    for ref in changes:
        found = rows_by_ref.get(ref, [])
        if not found:
            raise UnknownReference(f"{tab}: no row has the Reference {ref}; nothing was written")
        if len(found) > 1:
            rows = ", ".join(str(r + 1) for r in found)
            raise SheetError(f"{tab}: the Reference {ref} is on rows {rows}; references must be unique; "
                             "nothing was written")
    new: list[str] = []
    for columns in changes.values():
        for name in columns:
            if name not in index and name not in new:
                new.append(name)
    for i, name in enumerate(new):
        index[name] = len(headers) + i
    cells = tuple(
        CellChange(rows_by_ref[ref][0], index[name], "" if value is None else str(value))
        for ref, columns in changes.items()
        for name, value in columns.items()
    )
    return UpdatePlan(tab, tuple(new), len(headers), cells)


def plan_clear(tab: str, grid: Grid, clears: Sequence[Clear]) -> UpdatePlan:
    """The cells to empty in this tab's grid, each row checked to hold the Reference it was read with.

    Raises (and so nothing is written) when a row moved or was changed since it was read, or a
    column is not one the app owns; a cell already empty is left alone.
    """
    owned = owned_columns(tab)
    headers = header_names(grid)
    index = column_index(headers)
    ref_col = index.get(REFERENCE)
    cells: list[CellChange] = []
    for clear in clears:
        if owned and clear.column not in owned:
            raise SheetError(f"{tab}: \"{clear.column}\" is not a column the app writes; nothing was written")
        row = grid[clear.row - 1] if 0 < clear.row <= len(grid) else []
        found = row[ref_col].strip() if ref_col is not None and ref_col < len(row) else ""
        if found != clear.reference:
            raise SheetError(f"{tab}: row {clear.row} no longer holds {clear.reference} (the sheet changed "
                             "since it was read); nothing was written: run it again")
        column = index.get(clear.column)
        if column is not None and column < len(row) and row[column] != "":
            cells.append(CellChange(clear.row - 1, column, ""))
    return UpdatePlan(tab, (), len(headers), tuple(cells))


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def quote_tab(tab: str) -> str:
    """A tab name as it goes in an A1 range: ``'People''s tab'``."""
    return "'" + tab.replace("'", "''") + "'"


def init_messages(tab: str, added: bool, missing: Sequence[str]) -> list[str]:
    """What ``init`` tells a person it did to one tab."""
    if added:
        return [f"Added the {tab} tab" + (f" with its {len(missing)} columns" if missing else "")]
    if missing:
        return [f"{tab}: added the column{'s' if len(missing) > 1 else ''} " + ", ".join(f'"{c}"' for c in missing)]
    return []


def validate_changes(changes: Mapping[str, Mapping[str, Mapping[str, str]]]) -> None:
    """What can be refused before reading the sheet: over-long values and columns the app does not own."""
    for tab, refs in changes.items():
        check_lengths(v for cols in refs.values() for v in cols.values())
        owned = owned_columns(tab)
        for columns in refs.values():
            for name in columns:
                if owned and name not in owned:
                    raise SheetError(f"{tab}: \"{name}\" is not a column the app writes; nothing was written")


def runs(cells: Sequence[CellChange]) -> list[tuple[int, int, list[str]]]:
    """Cells grouped into runs of neighbouring columns on one row: (row, first column, values)."""
    out: list[tuple[int, int, list[str]]] = []
    for cell in sorted(cells, key=lambda c: (c.row, c.column)):
        if out and out[-1][0] == cell.row and out[-1][1] + len(out[-1][2]) == cell.column:
            out[-1][2].append(cell.value)
        else:
            out.append((cell.row, cell.column, [cell.value]))
    return out
