"""The Google Sheets workbook: gspread's HTTP client with our bounded retries, batched calls only.

Costs, whatever the row count: opening reads the metadata and every tab's header row in one
call (cached for the object's life, so open one per request or job run); ``read_all`` is one
``values:batchGet``; ``update`` is one ``values:batchGet`` (to find rows by Reference as they are
now) and one ``values:batchUpdate``; ``append`` and ``append_many`` (rows for several tabs) are
one spreadsheet ``:batchUpdate`` of ``appendCells``; ``write_summary`` is one
spreadsheet ``:batchUpdate``. Everything is written RAW: text stays text.

A write that adds rows or tabs is never sent twice blind: when its reply is lost (the retry
client raises WriteUncertain), the tabs are read again, and the rows are written again only if
they are not there (found by Submission ID or reminder Key, else by every value of the row).
"""
from __future__ import annotations

import datetime as dt
import os
import random
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

import requests
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

from procedures.config import Partnership
from sheets.base import (
    Clear, Percent, Problem, SheetError, SheetUnavailable, SummaryTable, SummaryValue, Table, Workbook,
    WriteUncertain, cell_display, check_lengths, number_cell, rows_present,
)
from sheets.http import POLICIES, RetryingHTTPClient, RetryPolicy
from sheets.schema import COLUMNS, DATE_COLUMNS, SUMMARY, TABS
from sheets.tables import (
    CellChange,
    Grid,
    cell_text,
    column_letter,
    header_names,
    init_messages,
    plan_append,
    plan_clear,
    plan_update,
    quote_tab,
    runs,
    to_table,
    validate_changes,
)

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
# The spreadsheet's locale: how Google reads a date a person types into a cell (day first).
LOCALE = "en_GB"
# How many times an adding write is sent when each reply is lost (the sheet is read in between).
ADD_ATTEMPTS = 3


@dataclass
class SheetInfo:
    """What the metadata says about one tab."""

    sheet_id: int
    rows: int
    columns: int


class GoogleWorkbook(Workbook):
    """A partnership's Google Sheet, reached through gspread's HTTP client."""

    def __init__(self, spreadsheet_id: str, http: HTTPClient):
        self.id = spreadsheet_id
        self.http = http
        self._sheets: dict[str, SheetInfo] | None = None
        self._headers: dict[str, tuple[str, ...]] = {}
        self.locale = ""  # the spreadsheet's locale, from the metadata

    def __repr__(self) -> str:
        return f"GoogleWorkbook({self.id!r})"

    @classmethod
    def connect(cls, partnership: Partnership, *, purpose: str = "web") -> "GoogleWorkbook":
        """Sign in as the service account and open the partnership's sheet."""
        return cls(_spreadsheet_id(partnership), RetryingHTTPClient(_credentials(partnership),
                                                                     policy=POLICIES[purpose]))

    @classmethod
    def for_session(cls, partnership: Partnership, session: requests.Session, *,
                    policy: RetryPolicy = POLICIES["web"], sleep: Callable[[float], None] | None = None,
                    clock: Callable[[], float] | None = None) -> "GoogleWorkbook":
        """Over a ready-made requests session (already authorised, or a test fake)."""
        extra: dict[str, Any] = {}
        if sleep is not None:
            extra["sleep"] = sleep
        if clock is not None:
            extra["clock"] = clock
        return cls(_spreadsheet_id(partnership), RetryingHTTPClient(None, session, policy=policy, **extra))

    # Metadata

    def _metadata(self) -> dict[str, SheetInfo]:
        """Tabs and their header rows, read once in one call and kept."""
        if self._sheets is None:
            ranges = [f"{quote_tab(tab)}!1:1" for tab in TABS]
            try:
                meta = self._call(self.http.fetch_sheet_metadata, self.id, params={
                    "includeGridData": "true", "ranges": ranges,
                    "fields": "properties(locale),"
                              "sheets(properties(sheetId,title,gridProperties),data.rowData.values.formattedValue)"})
            except SheetError as e:
                if "Unable to parse range" not in str(e):
                    raise
                # A tab is missing (init has not run): read the tabs alone.
                meta = self._call(self.http.fetch_sheet_metadata, self.id)
            self._sheets = {}
            self.locale = meta.get("properties", {}).get("locale", "")
            for sheet in meta.get("sheets", []):
                props = sheet["properties"]
                grid = props.get("gridProperties", {})
                self._sheets[props["title"]] = SheetInfo(props["sheetId"], grid.get("rowCount", 0),
                                                         grid.get("columnCount", 0))
                if sheet.get("data"):
                    rows = sheet["data"][0].get("rowData", [])
                    cells = [cell_text(v.get("formattedValue")) for v in rows[0].get("values", [])] if rows else []
                    self._headers[props["title"]] = header_names([cells])
        return self._sheets

    def refresh(self) -> None:
        """Forget the cached metadata and headers (read again on next use)."""
        self._sheets = None
        self._headers = {}

    def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """One API call, Google's errors turned into messages for a person."""
        try:
            return fn(*args, **kwargs)
        except APIError as e:
            status = e.response.status_code
            message = e.error.get("message", "") if isinstance(e.error, Mapping) else str(e)
            if status == 404:
                raise SheetError(f"Spreadsheet {self.id} was not found: check spreadsheet_id in the "
                                 "partnership file") from e
            if status == 403:
                raise SheetError(f"Spreadsheet {self.id} cannot be opened: share it (as Editor) with the "
                                 "service account's email address") from e
            raise SheetError(f"Google Sheets refused the request: {message}") from e

    # Reading

    def _read_grids(self, tabs: Iterable[str]) -> dict[str, Grid]:
        """The tabs' cells as text. Values are read unformatted, so a date cell arrives as its serial
        number, not as the spreadsheet's locale shows it (03/04/2027 is 4 March in en_US): in a date
        column it becomes ``YYYY-MM-DD``; text is text whatever the locale."""
        present = [t for t in dict.fromkeys(tabs) if t in self._metadata()]
        if not present:
            return {}
        result = self._call(self.http.values_batch_get, self.id, [quote_tab(t) for t in present],
                            params={"valueRenderOption": "UNFORMATTED_VALUE",
                                    "dateTimeRenderOption": "SERIAL_NUMBER", "majorDimension": "ROWS"})
        grids: dict[str, Grid] = {}
        for tab, value_range in zip(present, result.get("valueRanges", [])):
            rows = value_range.get("values", [])
            header = [cell_text(v) for v in rows[0]] if rows else []
            dates = {i for i, name in enumerate(header) if name.strip() in DATE_COLUMNS.get(tab, ())}
            # Text arrives as text; only the odd number (a date cell, a typed number) needs turning into text.
            grid = [row if all(type(v) is str for v in row) else
                    [_date_text(v) if i in dates else cell_text(v) for i, v in enumerate(row)]
                    for row in rows]
            grids[tab] = grid
            self._headers[tab] = header_names(grid)
        return grids

    def read_all(self, tabs: Iterable[str] = TABS) -> dict[str, Table]:
        tabs = list(tabs)
        grids = self._read_grids(tabs)
        return {tab: to_table(tab, grids.get(tab, [])) for tab in tabs}

    # Writing

    def append(self, tab: str, records: list[Mapping[str, str]]) -> None:
        """Rows after the tab's last row with data, each value under its header (one ``appendCells``).

        Not ``values:append``: that writes from the first column of the "table" Google detects,
        which is not column A when a person left column A's header blank.
        """
        self.append_many({tab: records})

    def _once(self, write: Callable[[], None], landed: Callable[[], bool] = lambda: False) -> None:
        """Make a write that adds something; when its reply is lost, read again and write again
        only if it did not land. Raises WriteUncertain if every reply was lost."""
        for attempt in range(1, ADD_ATTEMPTS + 1):
            try:
                write()
                return
            except WriteUncertain:
                if attempt == ADD_ATTEMPTS:
                    raise
                self.refresh()
                if landed():
                    return

    def _landed(self, rows: Mapping[str, Sequence[Mapping[str, str]]]) -> bool:
        """Whether every one of these rows is in its tab now (one read)."""
        tables = self.read_all(list(rows))
        return all(rows_present(tables[tab], records) for tab, records in rows.items())

    def append_many(self, rows: Mapping[str, Sequence[Mapping[str, str]]]) -> None:
        """Rows for several tabs in one spreadsheet ``:batchUpdate`` of ``appendCells`` (atomic).

        Values go in as ``stringValue``: text stays text, as with RAW. Missing header columns
        are added (and the grid widened) in the same call.
        """
        rows = {tab: list(records) for tab, records in rows.items() if records}
        if not rows:
            return
        check_lengths(v for records in rows.values() for r in records for v in r.values())
        self._once(lambda: self._append_many(rows), lambda: self._landed(rows))

    def _append_many(self, rows: Mapping[str, list[Mapping[str, str]]]) -> None:
        self._ensure_tabs(rows)
        sheets = self._metadata()
        requests_: list[dict[str, Any]] = []
        for tab, records in rows.items():
            headers = self._header_row(tab)
            plan = plan_append(headers, records)
            info = sheets[tab]
            width = max(len(r) for r in plan.rows)
            if width > info.columns:
                requests_.append({"appendDimension": {"sheetId": info.sheet_id, "dimension": "COLUMNS",
                                                      "length": width - info.columns}})
                info.columns = width
            if plan.new_headers:
                requests_.append({"updateCells": {
                    "start": {"sheetId": info.sheet_id, "rowIndex": 0, "columnIndex": plan.first_new_column},
                    "rows": [{"values": [_text_cell(name) for name in plan.new_headers]}],
                    "fields": "userEnteredValue"}})
                self._headers[tab] = tuple(headers) + plan.new_headers
            requests_.append({"appendCells": {
                "sheetId": info.sheet_id, "fields": "userEnteredValue",
                "rows": [{"values": [_text_cell(v) for v in row]} for row in plan.rows]}})
        self._call(self.http.batch_update, self.id, {"requests": requests_})

    def update(self, changes: Mapping[str, Mapping[str, Mapping[str, str]]]) -> None:
        changes = {tab: refs for tab, refs in changes.items() if refs}
        if not changes:
            return
        validate_changes(changes)
        grids = self._read_grids(changes)
        plans = [plan_update(tab, grids.get(tab, []), refs) for tab, refs in changes.items()]
        cells: dict[str, list[CellChange]] = {}
        for plan in plans:
            cells[plan.tab] = [CellChange(0, plan.first_new_column + i, name)
                               for i, name in enumerate(plan.new_headers)] + list(plan.cells)
        self._write_cells(cells)

    def clear(self, cells: Sequence[Clear]) -> None:
        by_tab: dict[str, list[Clear]] = {}
        for cell in cells:
            by_tab.setdefault(cell.tab, []).append(cell)
        if not by_tab:
            return
        # One read of the rows as they are now, then one write: refused whole if a row moved.
        grids = self._read_grids(by_tab)
        plans = [plan_clear(tab, grids.get(tab, []), clears) for tab, clears in by_tab.items()]
        self._write_cells({plan.tab: list(plan.cells) for plan in plans if plan.cells})

    def _write_cells(self, cells: Mapping[str, list[CellChange]]) -> None:
        """Exactly these cells, in one ``values:batchUpdate`` (RAW); the grid is widened first if needed."""
        self._widen({tab: max(c.column for c in cs) + 1 for tab, cs in cells.items() if cs})
        data = [{"range": f"{quote_tab(tab)}!{column_letter(col)}{row + 1}:"
                          f"{column_letter(col + len(values) - 1)}{row + 1}",
                 "majorDimension": "ROWS", "values": [values]}
                for tab, tab_cells in cells.items() for row, col, values in runs(tab_cells)]
        if data:
            self._call(self.http.values_batch_update, self.id, body={"valueInputOption": "RAW", "data": data})

    def _widen(self, widths: Mapping[str, int]) -> None:
        """Add grid columns where a write needs more than the tab has (a spreadsheet batchUpdate)."""
        sheets = self._metadata()
        requests_ = [{"appendDimension": {"sheetId": sheets[tab].sheet_id, "dimension": "COLUMNS",
                                          "length": width - sheets[tab].columns}}
                     for tab, width in widths.items() if width > sheets[tab].columns]
        if requests_:
            self._call(self.http.batch_update, self.id, {"requests": requests_})
            for tab, width in widths.items():
                sheets[tab].columns = max(sheets[tab].columns, width)

    def _header_row(self, tab: str) -> tuple[str, ...]:
        if tab not in self._headers:
            self._read_headers([tab])
        return self._headers.get(tab, ())

    def _read_headers(self, tabs: list[str]) -> None:
        result = self._call(self.http.values_batch_get, self.id, [f"{quote_tab(t)}!1:1" for t in tabs])
        for tab, value_range in zip(tabs, result.get("valueRanges", [])):
            self._headers[tab] = header_names([[cell_text(v) for v in row] for row in value_range.get("values", [])])

    def _ensure_tabs(self, tabs: Iterable[str], columns: Mapping[str, int] | None = None) -> list[str]:
        """Add the tabs that are missing in one spreadsheet batchUpdate; returns their names."""
        sheets = self._metadata()
        missing = [t for t in tabs if t not in sheets]
        if not missing:
            return []
        next_id = _new_sheet_id()
        requests_: list[dict[str, Any]] = []
        for i, tab in enumerate(missing):
            width = max(26, (columns or {}).get(tab, 0))
            requests_.append({"addSheet": {"properties": {
                "sheetId": next_id + i, "title": tab,
                "gridProperties": {"rowCount": 1000, "columnCount": width, "frozenRowCount": 1}}}})
            requests_.append({"repeatCell": {
                "range": {"sheetId": next_id + i, "startRowIndex": 0, "endRowIndex": 1},
                "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                "fields": "userEnteredFormat.textFormat.bold"}})
        reply = self._call(self.http.batch_update, self.id, {"requests": requests_})
        for r in reply.get("replies", []):
            if "addSheet" in r:
                props = r["addSheet"]["properties"]
                grid = props.get("gridProperties", {})
                sheets[props["title"]] = SheetInfo(props["sheetId"], grid.get("rowCount", 1000),
                                                   grid.get("columnCount", 26))
                self._headers[props["title"]] = ()
        return missing

    def write_summary(self, table: SummaryTable) -> None:
        check_lengths(v for row in table.rows for v in row)
        # Rewriting the tab is the same whether the first try landed or not; only adding it is not.
        self._once(lambda: self._write_summary(table))

    def _write_summary(self, table: SummaryTable) -> None:
        sheets = self._metadata()
        width = max((len(r) for r in table.rows), default=0)
        requests_: list[dict[str, Any]] = []
        if SUMMARY in sheets:
            sheet_id = sheets[SUMMARY].sheet_id
        else:
            sheet_id = _new_sheet_id()
            requests_.append({"addSheet": {"properties": {"sheetId": sheet_id, "title": SUMMARY}}})
        rows, cols = max(len(table.rows), 100), max(width, 26)
        requests_ += [
            {"updateSheetProperties": {"properties": {"sheetId": sheet_id, "gridProperties": {
                "rowCount": rows, "columnCount": cols}}, "fields": "gridProperties(rowCount,columnCount)"}},
            {"updateCells": {"range": {"sheetId": sheet_id}, "fields": "userEnteredValue,userEnteredFormat"}},
        ]
        if table.rows:
            requests_.append({"updateCells": {
                "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                "fields": "userEnteredValue,userEnteredFormat.textFormat.bold,userEnteredFormat.numberFormat",
                "rows": [{"values": [_summary_cell(v, i in table.bold) for v in row]}
                         for i, row in enumerate(table.rows)]}})
        for c in range(width):
            longest = max((len(cell_display(r[c])) for r in table.rows if c < len(r)), default=0)
            requests_.append({"updateDimensionProperties": {
                "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": c, "endIndex": c + 1},
                "properties": {"pixelSize": min(max(7 * longest + 24, 80), 420)}, "fields": "pixelSize"}})
        self._call(self.http.batch_update, self.id, {"requests": requests_})
        sheets[SUMMARY] = SheetInfo(sheet_id, rows, cols)

    def init(self) -> list[str]:
        wanted = {tab: len(COLUMNS[tab]) for tab in TABS}
        added: set[str] = set()
        self._once(lambda: added.update(self._ensure_tabs(TABS, wanted)))
        self._read_headers(list(TABS))
        done: list[str] = []
        cells: dict[str, list[CellChange]] = {}
        for tab in TABS:
            headers = self._headers.get(tab, ())
            missing = tuple(c for c in COLUMNS[tab] if c not in headers)
            if missing:
                cells[tab] = [CellChange(0, len(headers) + i, name) for i, name in enumerate(missing)]
                self._headers[tab] = tuple(headers) + missing
            done.extend(init_messages(tab, tab in added, missing))
        self._write_cells(cells)
        if self.locale != LOCALE:
            self._call(self.http.batch_update, self.id, {"requests": [{"updateSpreadsheetProperties": {
                "properties": {"locale": LOCALE}, "fields": "locale"}}]})
            done.append(f"Set the spreadsheet's locale to {LOCALE} (it was {self.locale or 'not set'}), so dates "
                        "typed into it are read day first, as 21/11/2026")
            self.locale = LOCALE
        return done

    def setting_problems(self) -> list[Problem]:
        self._metadata()
        if self.locale == LOCALE:
            return []
        return [Problem("Spreadsheet", None, None, f"its locale is {self.locale or 'not set'}, not {LOCALE}: a date "
                        "typed into it may be read month first (03/04/2027 as 4 March); set File > Settings > "
                        "Locale to United Kingdom, or run `flask sheet init`")]


# Serial numbers read as dates: 1 January 1950 to 31 December 2199. Any other number in a date
# column stays a number, and is reported as a date that cannot be read.
_SERIALS = range(18264, 109575)
_EPOCH = dt.date(1899, 12, 30)


def _date_text(value: Any) -> str:
    """A date column's cell: a date cell's serial number as ``YYYY-MM-DD``, anything else as text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and int(value) in _SERIALS:
        return (_EPOCH + dt.timedelta(days=int(value))).isoformat()
    return cell_text(value)


def _new_sheet_id() -> int:
    """An id for a tab to add, unlikely to be taken: the metadata lists only the app's tabs, so the
    ids of a person's own tabs are not known here."""
    return random.randrange(1 << 20, 1 << 30, 16)


def _text_cell(value: str) -> dict[str, Any]:
    """A cell holding ``value`` as text, never a formula; an empty value leaves the cell empty."""
    return {"userEnteredValue": {"stringValue": value}} if value else {}


def _summary_cell(value: SummaryValue, bold: bool) -> dict[str, Any]:
    """Text as a string value (never a formula); a figure as a number value with its number format."""
    number = number_cell(value)
    cell: dict[str, Any] = {}
    if number is not None:
        cell["userEnteredValue"] = {"numberValue": number[0]}
        if number[1]:
            kind = "PERCENT" if isinstance(value, Percent) else "DATE_TIME" if isinstance(value, dt.datetime) else "DATE"
            cell["userEnteredFormat"] = {"numberFormat": {"type": kind, "pattern": number[1]}}
    elif value:
        cell["userEnteredValue"] = {"stringValue": str(value)}
    if bold:
        cell.setdefault("userEnteredFormat", {})["textFormat"] = {"bold": True}
    return cell


def _spreadsheet_id(partnership: Partnership) -> str:
    if not partnership.sheet.spreadsheet_id:
        raise SheetError(f"{partnership.slug}: [sheet] spreadsheet_id is not set")
    return partnership.sheet.spreadsheet_id


def _credentials(partnership: Partnership) -> Any:
    """Whom the app acts as in Google: the partnership file's ``[sheet] credentials`` key file if it
    names one, else Application Default Credentials (``google.auth.default``): the key file named by
    GOOGLE_APPLICATION_CREDENTIALS, gcloud's application-default login, or, with no key at all, the
    service account the machine runs as (workload identity on Google Cloud, from its metadata server).
    """
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError
    from google.oauth2.service_account import Credentials

    path = partnership.sheet.credentials
    if path:
        try:
            return Credentials.from_service_account_file(str(path), scopes=list(SCOPES))
        except (OSError, ValueError) as e:
            raise SheetError(f"{partnership.slug}: the service account key {path} cannot be used: {e}") from e
    try:
        credentials, _project = google.auth.default(scopes=list(SCOPES))
    except DefaultCredentialsError as e:
        named = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
        if named:
            raise SheetError(f"{partnership.slug}: the service account key {named} "
                             f"(GOOGLE_APPLICATION_CREDENTIALS) cannot be used: {e}") from e
        raise SheetError(f"{partnership.slug}: no Google credentials: set GOOGLE_APPLICATION_CREDENTIALS or "
                         "[sheet] credentials to a service account key file, or run where Application Default "
                         "Credentials are available (a service account attached to the machine)") from e
    return credentials


__all__ = ["GoogleWorkbook", "SheetUnavailable"]
