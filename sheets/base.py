"""The one spreadsheet interface the views and jobs use.

Two implementations: ``sheets.google.GoogleWorkbook`` (gspread) and
``sheets.local.LocalWorkbook`` (an .xlsx file, the embedded default).
Every value is text exactly as typed: a value starting with ``=`` is never a formula.
"""
from __future__ import annotations

import abc
import contextlib
import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Mapping, Sequence, Union

from procedures.values import display_date
from sheets.schema import CELL_LIMIT, REFERENCE, REMINDER_KEY, SUBMISSION_ID, TABS


class SheetError(Exception):
    """Something about the spreadsheet a person must fix or know about; the message says what."""


class SheetUnavailable(SheetError):
    """The spreadsheet could not be reached (after retries)."""


class WriteUncertain(SheetUnavailable):
    """A write that adds rows may or may not have been applied (its reply was lost): read before writing again."""


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


@dataclass(frozen=True, eq=False)
class Table:
    """A whole tab: its header row as found and its non-blank rows.

    Besides the records, a table gives each column's values in record order (``column``) and one
    record at a time (``record_at``): the daily job works on 100,000-row tabs column by column and
    looks at single records only where a row needs something done (see ``sheets.tables.ColumnTable``,
    which then makes only those records).
    """

    tab: str
    headers: tuple[str, ...]
    records: tuple[Record, ...] = ()

    def find(self, reference: str) -> Record | None:
        return next((r for r in self.records if r.reference == reference), None)

    @property
    def count(self) -> int:
        """How many records (non-blank rows) the tab has."""
        return len(self.records)

    def record_at(self, index: int) -> Record:
        """The ``index``-th record, 0 first."""
        return self.records[index]

    def column(self, name: str) -> Sequence[str]:
        """Every record's value in column ``name`` ("" where it has none), in record order."""
        kept: dict[str, list[str]] = self.__dict__.setdefault("_columns_made", {})
        made = kept.get(name)
        if made is None:
            made = kept[name] = [r.values.get(name, "") for r in self.records]
        return made

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Table):
            return NotImplemented
        return (self.tab, self.headers, self.records) == (other.tab, other.headers, other.records)

    __hash__ = None  # type: ignore[assignment]  # records hold dicts


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


class Month(dt.date):
    """A calendar month: written as a real date (its 1st), shown as ``November 2026``."""

    def __str__(self) -> str:
        return f"{self:%B %Y}"


@dataclass(frozen=True)
class Percent:
    """``part`` of ``whole`` (not 0): written as the fraction, formatted as a percentage."""

    part: int
    whole: int

    @property
    def fraction(self) -> float:
        return self.part / self.whole

    def __str__(self) -> str:
        return f"{(self.part * 200 + self.whole) // (2 * self.whole)}%"  # rounded half up, as a spreadsheet does


# A Summary cell: text (labels, and anything a person typed), or one of the app's own figures: a count
# or number of days, a percentage, a date, a month, or a time (naive, in the partnership's time zone).
SummaryValue = Union[str, int, float, Percent, dt.date, dt.datetime]

# Spreadsheet number formats for the figures (the same codes in Excel and Google Sheets).
PERCENT_FORMAT = "0%"
DATE_FORMAT = "d mmmm yyyy"
MONTH_FORMAT = "mmmm yyyy"
TIME_FORMAT = "d mmmm yyyy h:mm"
_EPOCH = dt.datetime(1899, 12, 30)


def number_cell(value: SummaryValue) -> tuple[int | float, str] | None:
    """``(number, format)`` for a figure, the format "" for a plain number; None for text."""
    if isinstance(value, Percent):
        return value.fraction, PERCENT_FORMAT
    if isinstance(value, dt.datetime):
        return (value.replace(tzinfo=None) - _EPOCH) / dt.timedelta(days=1), TIME_FORMAT
    if isinstance(value, dt.date):
        return (value - _EPOCH.date()).days, MONTH_FORMAT if isinstance(value, Month) else DATE_FORMAT
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value, ""
    return None


def cell_display(value: SummaryValue) -> str:
    """A Summary cell as people read it on a page, in a CSV file or a Word table."""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        hour = value.hour % 12 or 12
        return f"{display_date(value.date())} at {hour}:{value:%M}{'am' if value.hour < 12 else 'pm'}"
    if isinstance(value, Month):
        return str(value)
    if isinstance(value, dt.date):
        return display_date(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.1f}"
    return str(value)


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
    """What the Summary tab holds: rows of cells (text and figures, see ``SummaryValue``);
    ``bold`` are indexes of header rows."""

    rows: tuple[tuple[SummaryValue, ...], ...]
    bold: frozenset[int] = field(default_factory=frozenset)


# Columns that identify a row written by the app: a form's submission, an email sent.
IDENTITY_COLUMNS = (SUBMISSION_ID, REMINDER_KEY)


def rows_present(table: Table, records: Sequence[Mapping[str, str]]) -> bool:
    """Whether every record is already a row of ``table``: found by its Submission ID or reminder
    Key when it has one, else by every non-blank value (how a History row is recognised)."""
    for record in records:
        identity = next(((c, record[c].strip()) for c in IDENTITY_COLUMNS if str(record.get(c, "")).strip()), None)
        if identity is not None:
            column, value = identity
            if not any(r[column].strip() == value for r in table.records):
                return False
            continue
        wanted = {c: str(v).strip() for c, v in record.items() if str(v).strip()}
        if not any(all(r[c].strip() == v for c, v in wanted.items()) for r in table.records):
            return False
    return True


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

    def read_columns(self, columns: Mapping[str, Sequence[str] | None]) -> dict[str, Table]:
        """Only these columns of these tabs (None: the whole tab), in one read; a Table may hold
        more columns than asked (the local workbook reads whole tabs)."""
        return self.read_all(list(columns))

    def known_references(self, tabs: Iterable[str]) -> set[str]:
        """The References in these tabs as this workbook last read them, without reading: what a
        new random reference is checked against (empty when nothing was read)."""
        return set()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Writes made inside are made as one write at the end where the backend can (one
        ``:batchUpdate`` on Google); this default, the local workbook's, makes each as it comes."""
        yield

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

    def setting_problems(self) -> list[Problem]:
        """Settings of the spreadsheet itself that business support must correct (a Google sheet's locale)."""
        return []

    @abc.abstractmethod
    def init(self) -> list[str]:
        """Create missing tabs and missing header columns, never touching existing data.

        Returns a line per change made.
        """
