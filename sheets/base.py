"""The one spreadsheet interface the views and jobs use.

Two implementations: ``sheets.google.GoogleWorkbook`` (gspread) and
``sheets.local.LocalWorkbook`` (an .xlsx file, the embedded default).
Every value is text exactly as typed: a value starting with ``=`` is never a formula.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from sheets.schema import CELL_LIMIT, REFERENCE, TABS


class SheetError(Exception):
    """Something about the spreadsheet a person must fix or know about; the message says what."""


class SheetUnavailable(SheetError):
    """The spreadsheet could not be reached (after retries)."""


class CellTooLong(SheetError, ValueError):
    """A value longer than a spreadsheet cell can hold; refused before anything is written."""


class UnknownReference(SheetError, KeyError):
    """No row has this Reference."""


@dataclass(frozen=True)
class Record:
    """One non-blank row: its sheet row number (for messages only) and its cells by header name."""

    tab: str
    row: int
    values: Mapping[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")

    def get(self, column: str, default: str = "") -> str:
        return self.values.get(column, default)

    @property
    def reference(self) -> str:
        return self.values.get(REFERENCE, "").strip()


@dataclass(frozen=True)
class Table:
    """A whole tab: its header row as found and its non-blank rows."""

    tab: str
    headers: tuple[str, ...]
    records: tuple[Record, ...] = ()

    def find(self, reference: str) -> Record | None:
        return next((r for r in self.records if r.reference == reference), None)


@dataclass(frozen=True)
class Problem:
    """Something business support must correct, with where it is."""

    tab: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.tab
        if self.row:
            where += f" row {self.row}"
        if self.column:
            where += f", column \"{self.column}\""
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Clear:
    """One cell to empty: its tab, its sheet row (as ``Record.row``), its column by header name, and
    the Reference that row must still hold when it is written (rows move when people sort)."""

    tab: str
    row: int
    column: str
    reference: str


@dataclass(frozen=True)
class SummaryTable:
    """What the Summary tab holds: rows of text; ``bold`` are indexes of header rows."""

    rows: tuple[tuple[str, ...], ...]
    bold: frozenset[int] = field(default_factory=frozenset)


def check_lengths(values: Iterable[object]) -> None:
    """Refuse any value over the sheet's cell limit before a write starts."""
    for value in values:
        if value is not None and len(str(value)) > CELL_LIMIT:
            raise CellTooLong(
                f"A value of {len(str(value)):,} characters is longer than a spreadsheet cell can hold "
                f"({CELL_LIMIT:,}); nothing was written"
            )


class Workbook(abc.ABC):
    """A partnership's spreadsheet."""

    @abc.abstractmethod
    def read_all(self, tabs: Iterable[str] = TABS) -> dict[str, Table]:
        """Every named tab, in one read (one ``values:batchGet`` on Google)."""

    def read(self, tab: str) -> Table:
        """One tab."""
        return self.read_all([tab])[tab]

    @abc.abstractmethod
    def append(self, tab: str, records: list[Mapping[str, str]]) -> None:
        """Add rows at the bottom in one call, each value put under its header name.

        Header columns missing from the tab are added first; other columns are left empty.
        """

    def append_many(self, rows: Mapping[str, Sequence[Mapping[str, str]]]) -> None:
        """Add rows to several tabs as one write: a form's challenge row and its History row.

        On Google this is one spreadsheet ``:batchUpdate`` (all or nothing). This default, which
        the local workbook uses, checks every value first, then appends tab by tab.
        """
        check_lengths(v for records in rows.values() for r in records for v in r.values())
        for tab, records in rows.items():
            if records:
                self.append(tab, list(records))

    @abc.abstractmethod
    def update(self, changes: Mapping[str, Mapping[str, Mapping[str, str]]]) -> None:
        """Change named columns of rows found by Reference, in one write across tabs.

        ``changes`` is ``{tab: {reference: {column: value}}}``. Raises UnknownReference
        (and writes nothing) if a reference is not found.
        """

    @abc.abstractmethod
    def clear(self, cells: Sequence[Clear]) -> None:
        """Empty these cells in one write (retention). Rows are checked first: if any row no longer
        holds its Reference, or a column is not one the app owns, nothing is written (SheetError)."""

    @abc.abstractmethod
    def write_summary(self, table: SummaryTable) -> None:
        """Replace the Summary tab's contents, header rows bold and columns sized."""

    @abc.abstractmethod
    def init(self) -> list[str]:
        """Create missing tabs and missing header columns, never touching existing data.

        Returns a line per change made.
        """
