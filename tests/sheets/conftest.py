"""One contract suite, two workbooks: every test taking ``sheet`` runs on the local .xlsx
workbook and on the Google workbook (gspread + our retry client over the fake Sheets API)."""
from __future__ import annotations

import abc
import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from partnership.config import Partnership, load_partnership
from sheets.base import Workbook
from sheets.local import LocalWorkbook
from tests.fakesheets import FakeSheetsAPI, Formula, google_workbook, trimmed

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def partnership(tmp_path: Path) -> Partnership:
    """The demo partnership, its local workbook under tmp_path."""
    return load_partnership(ROOT / "partnerships" / "demo.toml", base_dir=tmp_path)


class Sheet(abc.ABC):
    """A workbook under test plus what a person (or the test) can do to the spreadsheet directly."""

    kind: str
    workbook: Workbook

    @abc.abstractmethod
    def new_workbook(self) -> Workbook:
        """Another workbook object on the same spreadsheet (another web worker, the cron job)."""

    @abc.abstractmethod
    def set_rows(self, tab: str, rows: list[list[Any]]) -> None:
        """Replace a tab's cells as a person would; a ``dt.date`` is a real date cell."""

    @abc.abstractmethod
    def stored(self, tab: str) -> list[list[Any]]:
        """The tab's cells as stored (text, numbers, formulas), trailing blanks trimmed."""

    @abc.abstractmethod
    def is_text(self, tab: str, row: int, column: int) -> bool:
        """Whether the cell (1-based) is stored as text, not a formula or a number."""


class LocalSheet(Sheet):
    kind = "local"

    def __init__(self, path: Path):
        self.path = path
        self.workbook = LocalWorkbook(path)

    def new_workbook(self) -> Workbook:
        return LocalWorkbook(self.path)

    def _book(self) -> openpyxl.Workbook:
        return openpyxl.load_workbook(self.path)

    def set_rows(self, tab: str, rows: list[list[Any]]) -> None:
        book = self._book()
        if tab in book.sheetnames:
            book.remove(book[tab])
        ws = book.create_sheet(tab)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value != "":
                    ws.cell(row=r, column=c, value=value)
                    if isinstance(value, dt.date):
                        ws.cell(row=r, column=c).number_format = "DD/MM/YYYY"
        book.save(self.path)

    def stored(self, tab: str) -> list[list[Any]]:
        rows = [[("" if v is None else v) for v in row] for row in self._book()[tab].iter_rows(values_only=True)]
        return trimmed(rows)

    def is_text(self, tab: str, row: int, column: int) -> bool:
        return self._book()[tab].cell(row=row, column=column).data_type == "s"


class GoogleSheet(Sheet):
    kind = "google"

    def __init__(self, partnership: Partnership):
        self.api = FakeSheetsAPI()
        self.partnership = partnership
        self.workbook = google_workbook(self.api, partnership)
        self.id = self.workbook.id

    def new_workbook(self) -> Workbook:
        return google_workbook(self.api, self.partnership)

    def set_rows(self, tab: str, rows: list[list[Any]]) -> None:
        self.api.set_values(self.id, tab, rows)

    def stored(self, tab: str) -> list[list[Any]]:
        return trimmed([list(r) for r in self.api.tab(self.id, tab).rows])

    def is_text(self, tab: str, row: int, column: int) -> bool:
        value = self.api.tab(self.id, tab).get(row - 1, column - 1)
        return isinstance(value, str) and not isinstance(value, Formula)


@pytest.fixture(params=["local", "google"])
def sheet(request, tmp_path: Path, partnership: Partnership) -> Sheet:
    """An initialised, empty workbook of each kind."""
    s: Sheet = LocalSheet(tmp_path / "book.xlsx") if request.param == "local" else GoogleSheet(partnership)
    s.workbook.init()
    return s
