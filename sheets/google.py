"""The Google Sheets workbook: gspread's HTTP client with our bounded retries, batched calls only.

Costs (docs/sheet.md has the figures and the reasons):

- Reading is one ``values:batchGet``: ``read_all`` reads whole tabs; ``read_columns`` (the daily
  job) only the columns it uses, found from the header row it last saw and checked against the
  header cells that come back with them (a column moved since: that tab is read whole).
- Every write is one spreadsheet ``:batchUpdate``: new rows (``appendCells``), changed cells
  (``updateCells``) and the Summary tab together. ``batch()`` gathers a job's writes into one.
- A write needs no read first: the tabs' ids, sizes and header rows (the *layout*) are kept in
  the state store for every process, and the rows' places come from the last read (the page
  cache, or the job's own read). The write asks for the header rows and the Reference cells of
  the rows it changed back in its reply, as they are once it is applied: if people sorted rows
  or moved columns in between, the cells that went to the wrong place are put back and the
  changes made again where the rows are now (one read and one write more, only then).
- Pages share a read-through cache per spreadsheet (``SHEET_CACHE_SECONDS``): a page viewed again
  within that time reads nothing. Every write from the app, on any instance, moves the
  spreadsheet's version in the state store, which empties the cache everywhere; people's own
  edits in Google show within the cache's time. A page with a copy it may show (no page wrote
  since: the job's writes do not count; under ``STALE_LIMIT_SECONDS`` old) re-reads it as a refresh (``sheets.quota``): only
  with a slot free at once outside the pages' reserve; otherwise it shows the copy and is told
  how old it is (``on_stale``), rather than wait or be refused.

Everything is written as text (``stringValue``): text stays text, never a formula.

A write that adds rows or tabs is never sent twice blind: when its reply is lost (the retry
client raises WriteUncertain), the tabs are read again, and the rows are written again only if
they are not there (found by Submission ID or reminder Key, else by every value of the row).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import threading
import time
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import requests
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient
from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL

from partnership.config import Partnership
from sheets.base import (
    Clear, Percent, Problem, SheetError, SheetUnavailable, SummaryTable, SummaryValue, Table, Workbook,
    WriteUncertain, cell_display, check_lengths, number_cell, rows_present,
)
from state import lists_version_key
from state.base import StateUnavailable
from sheets.http import POLICIES, RetryingHTTPClient, RetryPolicy
from sheets.quota import WHO, QuotaInUse, QuotaLimiter, Who
from sheets.schema import COLUMNS, DATE_COLUMNS, REFERENCE, SUMMARY, TABS
from sheets.tables import (
    CellChange,
    ColumnGrid,
    Grid,
    cell_text,
    column_cells,
    column_index,
    column_letter,
    column_table,
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


@dataclass
class _PageEntry:
    """Tabs read for pages: the spreadsheet's version when read, when, the grids and their Tables."""

    version: str
    read_at: float
    grids: dict[str, Grid]
    tables: dict[str, Table] = field(default_factory=dict)
    pages_version: str | None = None  # the version moved only by pages' writes (``_wrote``)


# Pages' read-through cache, per spreadsheet, shared by this process's threads.
_PAGES: dict[str, _PageEntry] = {}
_PAGES_LOCK = threading.Lock()
# What a page read fills the cache with: every tab but the Summary (only written). The Lists tab
# comes in the same read, so that a page's first view costs one call; pages take it through
# views.lists_cache, which reads it from here at most every LISTS_CACHE_SECONDS.
PAGE_TABS = tuple(t for t in TABS if t != SUMMARY)
# How old a copy a page may be shown while the quota is in use; older, the page is refused (503).
STALE_LIMIT_SECONDS = 600.0


def forget_cached_pages() -> None:
    """Empty this process's page cache (tests)."""
    with _PAGES_LOCK:
        _PAGES.clear()


@dataclass
class _Batch:
    """Writes gathered by ``batch()``, made as one spreadsheet ``:batchUpdate`` at its end."""

    appends: dict[str, list[Mapping[str, str]]] = field(default_factory=dict)
    changes: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    summary: SummaryTable | None = None

    def __bool__(self) -> bool:
        return bool(self.appends or self.changes or self.summary is not None)


@dataclass
class _Planned:
    """One write, laid out: its requests, and what its reply must show for it to have gone where meant."""

    requests: list[dict[str, Any]]
    appended: dict[str, list[tuple[str, ...]]]          # tab -> rows as laid out
    records: dict[str, list[Mapping[str, str]]]         # tab -> the same rows by column name
    headers: dict[str, tuple[str, ...]]                 # tab -> header row the layout assumed
    expected: dict[str, dict[int, str]]                 # tab -> {0-based row: Reference it must hold}
    cells: dict[str, list[CellChange]]                  # tab -> cells written
    changes: dict[str, dict[str, dict[str, str]]]       # tab -> {reference: {column: value}}
    before: dict[str, Grid]                             # tab -> the grid the places came from


class GoogleWorkbook(Workbook):
    """A partnership's Google Sheet, reached through gspread's HTTP client.

    ``store`` (the state store) keeps the layout for every process and the version the page cache
    goes by; ``cache_seconds`` above 0 turns the page cache on (pages only: the job reads afresh).
    """

    def __init__(self, spreadsheet_id: str, http: HTTPClient, *, store: Any = None, cache_seconds: float = 0.0,
                 clock: Callable[[], float] = time.monotonic, on_stale: Callable[[float], None] | None = None):
        self.id = spreadsheet_id
        self.on_stale = on_stale  # told the age in seconds of a copy shown while the quota is in use
        self.lists_key: str | None = None  # the partnership's Lists version (``state.lists_version_key``)
        self.http = http
        self.store = store
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._sheets: dict[str, SheetInfo] | None = None
        self._headers: dict[str, tuple[str, ...]] = {}
        self.locale = ""  # the spreadsheet's locale, from the metadata
        self._grids: dict[str, Grid] = {}  # tabs as last read: where each row is, for the next write
        self._partial: set[str] = set()  # tabs of _grids read only in part (``read_columns``)
        self._batch: _Batch | None = None
        self._layout_saved = ""
        self.repairs = 0  # writes put right after people moved rows or columns meanwhile

    def __repr__(self) -> str:
        return f"GoogleWorkbook({self.id!r})"

    @classmethod
    def connect(cls, partnership: Partnership, *, purpose: str = "web", store: Any = None,
                cache_seconds: float = 0.0, limiter: QuotaLimiter | None = None,
                on_stale: Callable[[float], None] | None = None) -> "GoogleWorkbook":
        """Sign in as the service account and open the partnership's sheet; calls paced by
        ``limiter`` (on the service account's own quota) as a page (web) or the job (cron)."""
        credentials = _credentials(partnership)
        if limiter is not None:
            limiter = limiter.for_account(getattr(credentials, "service_account_email", None))
        http = RetryingHTTPClient(credentials, policy=POLICIES[purpose], limiter=limiter, who=WHO[purpose])
        # The page cache ages on the client's clock, as its waits and retries do.
        return cls(_spreadsheet_id(partnership), http, store=store, cache_seconds=cache_seconds, clock=http.clock,
                   on_stale=on_stale)._for(partnership)

    def _for(self, partnership: Partnership) -> "GoogleWorkbook":
        self.lists_key = lists_version_key(partnership.slug)
        return self

    @classmethod
    def for_session(cls, partnership: Partnership, session: requests.Session, *,
                    policy: RetryPolicy = POLICIES["web"], sleep: Callable[[float], None] | None = None,
                    clock: Callable[[], float] | None = None, store: Any = None,
                    cache_seconds: float = 0.0, limiter: QuotaLimiter | None = None,
                    who: Who = "page", on_stale: Callable[[float], None] | None = None) -> "GoogleWorkbook":
        """Over a ready-made requests session (already authorised, or a test fake)."""
        extra: dict[str, Any] = {}
        if sleep is not None:
            extra["sleep"] = sleep
        if clock is not None:
            extra["clock"] = clock
        return cls(_spreadsheet_id(partnership), RetryingHTTPClient(None, session, policy=policy, limiter=limiter,
                                                                     who=who, **extra),
                   store=store, cache_seconds=cache_seconds, clock=clock or time.monotonic,
                   on_stale=on_stale)._for(partnership)

    # The layout: tabs, their ids and sizes, their header rows

    def _layout_key(self) -> str:
        return f"sheet-layout:{self.id}"

    def _load_layout(self) -> bool:
        """The layout another process saw, from the state store; False if there is none."""
        if self.store is None:
            return False
        try:
            text = self.store.get(self._layout_key())
            data = json.loads(text) if text else None
        except (StateUnavailable, ValueError):
            return False
        if not isinstance(data, dict) or not isinstance(data.get("sheets"), dict):
            return False
        self._sheets = {title: SheetInfo(*info) for title, info in data["sheets"].items()}
        self._headers = {title: tuple(names) for title, names in data.get("headers", {}).items()}
        self.locale = data.get("locale", "")
        self._layout_saved = text
        return True

    def _save_layout(self) -> None:
        if self.store is None or self._sheets is None:
            return
        text = json.dumps({"sheets": {t: [i.sheet_id, i.rows, i.columns] for t, i in self._sheets.items()},
                           "headers": {t: list(h) for t, h in self._headers.items()}, "locale": self.locale},
                          sort_keys=True)
        if text != self._layout_saved:
            try:
                self.store.put(self._layout_key(), text)
                self._layout_saved = text
            except StateUnavailable:
                pass  # the next process reads the metadata itself

    def _metadata(self) -> dict[str, SheetInfo]:
        """Tabs and their header rows: as kept in the state store, else read in one call (and kept)."""
        if self._sheets is None and not self._load_layout():
            self._fetch_metadata()
        assert self._sheets is not None
        return self._sheets

    def _fetch_metadata(self) -> None:
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
        self._save_layout()

    def refresh(self) -> None:
        """Forget the layout and the rows' places (read again on next use)."""
        self._sheets = None
        self._headers = {}
        self._grids = {}
        if self.store is not None:
            try:
                self.store.put(self._layout_key(), "")
            except StateUnavailable:
                pass
        self._layout_saved = ""

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

    def _batch_get(self, ranges: list[str], tabs: list[str], *, by_column: bool = False) -> list[dict[str, Any]]:
        """One ``values:batchGet``, values unformatted (``by_column``: each range's cells column by
        column, one list a column, which is far quicker to decode for a tall, narrow range). When a
        tab is not there (a person deleted or renamed it since the layout was kept) the layout is
        read again and only the tabs there are asked."""
        params = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER",
                  "majorDimension": "COLUMNS" if by_column else "ROWS"}
        try:
            return self._call(self.http.values_batch_get, self.id, ranges, params=params).get("valueRanges", [])
        except SheetError as e:
            if "Unable to parse range" not in str(e):
                raise
        self.refresh()
        present = set(self._metadata())
        kept = [r for r, tab in zip(ranges, tabs) if tab in present]
        if not kept:
            return [{} for _ in ranges]
        got = iter(self._call(self.http.values_batch_get, self.id, kept, params=params).get("valueRanges", []))
        return [next(got, {}) if tab in present else {} for tab in tabs]

    def _grid_from(self, tab: str, rows: list[list[Any]], header: Sequence[str] | None = None) -> Grid:
        """Cells as text. Values are read unformatted, so a date cell arrives as its serial number, not
        as the spreadsheet's locale shows it (03/04/2027 is 4 March in en_US): in a date column it
        becomes ``YYYY-MM-DD``; text is text whatever the locale."""
        header = [cell_text(v) for v in rows[0]] if header is None and rows else list(header or [])
        dates = {i for i, name in enumerate(header) if name.strip() in DATE_COLUMNS.get(tab, ())}
        # Text arrives as text; only the odd number (a date cell, a typed number) needs turning into text.
        def as_text(row: list[Any]) -> list[str]:
            try:
                "".join(row)  # in C: refuses a row holding anything but text
                return row
            except TypeError:
                return [_date_text(v) if i in dates else cell_text(v) for i, v in enumerate(row)]
        return [as_text(row) for row in rows]

    def _read_grids(self, tabs: Iterable[str]) -> dict[str, Grid]:
        """Whole tabs, in one ``values:batchGet``; a tab that is not there is left out."""
        wanted = list(dict.fromkeys(tabs))
        if self._sheets is None:
            self._load_layout()
        if not wanted:
            return {}
        grids: dict[str, Grid] = {}
        for tab, value_range in zip(wanted, self._batch_get([quote_tab(t) for t in wanted], wanted)):
            if not value_range:
                continue
            grid = self._grid_from(tab, value_range.get("values", []))
            grids[tab] = grid
            self._grids[tab] = grid
            self._partial.discard(tab)
            self._headers[tab] = header_names(grid)
        if self._sheets is not None:
            self._save_layout()
        return grids

    def read_all(self, tabs: Iterable[str] = TABS) -> dict[str, Table]:
        tabs = list(tabs)
        entry = self._cached_pages(tabs)
        if entry is not None:
            return {tab: _entry_table(entry, tab) for tab in tabs}
        grids = self._read_grids(tabs)
        return {tab: to_table(tab, grids.get(tab, [])) for tab in tabs}

    def read_columns(self, columns: Mapping[str, Sequence[str] | None]) -> dict[str, Table]:
        """Only these columns of these tabs (None: the whole tab), in one ``values:batchGet``.

        The columns are found from the header row last seen and their header cells come back with
        them: a tab whose columns moved since is read again whole (one more read, only then). The
        columns come column by column and stay so (``sheets.tables.column_table``): a 100,000-row
        tab is read without making a row or a record until one is asked for.
        """
        if self._sheets is None:
            self._load_layout()
        ranges: list[str] = []
        owners: list[str] = []
        spans: dict[str, list[tuple[int, str]]] = {}
        whole: list[str] = []
        for tab, names in columns.items():
            index = column_index(self._headers.get(tab, ()))
            wanted = [n for n in dict.fromkeys(names or ()) if n in index]
            if names is None or not wanted:
                whole.append(tab)
                continue
            spans[tab] = [(index[n], n) for n in wanted]
            for column, _ in spans[tab]:
                letter = column_letter(column)
                ranges.append(f"{quote_tab(tab)}!{letter}:{letter}")
                owners.append(tab)
        # A whole tab read by column is one list a column: turned round into rows here (only small
        # tabs, such as Lists, are read whole by the job).
        for tab in whole:
            ranges.append(quote_tab(tab))
            owners.append(tab)
        replies = self._batch_get(ranges, owners, by_column=True) if ranges else []
        grids: dict[str, Grid] = {}
        tables: dict[str, Table] = {}
        columns_read: dict[str, list[list[Any]]] = {}
        for tab, value_range in zip(owners, replies):
            if tab not in spans:
                if value_range:
                    by_column = value_range.get("values", [])
                    height = max(map(len, by_column), default=0)
                    rows = [list(row) for row in zip(*(c + [""] * (height - len(c)) for c in by_column))]
                    grids[tab] = self._grid_from(tab, _trimmed(rows))
                continue
            columns_read.setdefault(tab, []).append((value_range.get("values") or [[]])[0])
        moved = []
        for tab, span in spans.items():
            got = columns_read.get(tab, [])
            if len(got) != len(span) or any(cell_text(col[0] if col else "").strip() != name
                                            for col, (_, name) in zip(got, span)):
                moved.append(tab)
                continue
            grid, tables[tab] = column_table(tab, {c: (name, self._column_text(tab, name, cells))
                                                   for cells, (c, name) in zip(got, span)})
            self._grids[tab] = grid
            self._partial.add(tab)  # its header row is the layout's: the grid has only some columns
        if moved:
            grids.update(self._read_grids(moved))
        for tab, grid in grids.items():
            self._grids[tab] = grid
            self._partial.discard(tab)
            self._headers[tab] = header_names(grid)
            tables[tab] = to_table(tab, grid)
        self._save_layout()
        return {tab: tables.get(tab) or to_table(tab, []) for tab in columns}

    @staticmethod
    def _column_text(tab: str, name: str, cells: list[Any]) -> list[str]:
        """A column's cells as text (see ``_grid_from``): a date column's serial numbers as dates."""
        try:
            "".join(cells)  # in C: refuses a column holding anything but text
            return cells
        except TypeError:
            if name in DATE_COLUMNS.get(tab, ()):
                return [cells[0], *map(_date_text, cells[1:])] if cells else cells
            return list(map(cell_text, cells))

    # The pages' cache

    def _version(self) -> str | None:
        """The spreadsheet's version in the state store (moved by every write, and by a request to
        read the Lists tab again: ``state.refresh_lists``), or None without one."""
        version = self._counter(f"sheet-version:{self.id}")
        if version is None or self.lists_key is None:
            return version
        lists = self._counter(self.lists_key)
        return None if lists is None else f"{version}/{lists}"

    def _counter(self, key: str) -> str | None:
        """A counter in the state store ("0" before its first move), or None without a store."""
        if self.store is None:
            return None
        try:
            return self.store.get(key) or "0"
        except StateUnavailable:
            return None

    def _cached_pages(self, tabs: list[str]) -> _PageEntry | None:
        """The page cache's entry holding ``tabs``, read through (all the pages' tabs in one read)
        when it is missing, older than ``cache_seconds`` or of an older version; None when off."""
        if self.cache_seconds <= 0 or not set(tabs) <= set(PAGE_TABS):
            return None
        version = self._version()
        if version is None:
            return None
        now = self.clock()
        with _PAGES_LOCK:
            entry = _PAGES.get(self.id)
        if entry is not None and entry.version == version and now - entry.read_at < self.cache_seconds:
            return self._placed_from(entry)
        # A copy the page could show instead (no page wrote since, so it lacks nobody's own answers;
        # not too old): re-read it only with a slot the job could have, at once, else show it with its age.
        pages_version = self._counter(f"sheet-pages-version:{self.id}")
        showable = (entry is not None and self.on_stale is not None and now - entry.read_at < STALE_LIMIT_SECONDS
                    and pages_version is not None and entry.pages_version == pages_version)
        try:
            with self._refreshing(showable):
                grids = self._read_grids(PAGE_TABS)
        except QuotaInUse:
            if not showable:
                raise
            self.on_stale(now - entry.read_at)
            return self._placed_from(entry)
        entry = _PageEntry(version, now, grids, pages_version=pages_version)
        with _PAGES_LOCK:
            _PAGES[self.id] = entry
        return entry

    def _placed_from(self, entry: _PageEntry) -> _PageEntry:
        """A cached entry, its grids kept as where this workbook's next write finds the rows."""
        for tab, grid in entry.grids.items():
            self._grids.setdefault(tab, grid)
        return entry

    @contextlib.contextmanager
    def _refreshing(self, refresh: bool) -> Iterator[None]:
        """Calls made inside pace as a refresh (``sheets.quota``) when ``refresh`` and this is a page's client."""
        if not refresh or getattr(self.http, "who", None) != "page":
            yield
            return
        self.http.who = "refresh"
        try:
            yield
        finally:
            self.http.who = "page"

    def _wrote(self) -> None:
        """After any write (or a write that may have landed): every instance's page cache is stale.
        After a page's write (not the job's) no page shows an older copy either: it would lack
        what a person just sent."""
        by_pages = getattr(self.http, "who", "page") != "job"
        if by_pages:
            with _PAGES_LOCK:
                _PAGES.pop(self.id, None)
        if self.store is not None:
            try:
                self.store.increment(f"sheet-version:{self.id}")
                if by_pages:
                    self.store.increment(f"sheet-pages-version:{self.id}")
            except StateUnavailable:
                pass  # this instance's cache is empty; others' expire within cache_seconds

    # Writing

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Gather the appends, updates and Summary made inside into one ``:batchUpdate`` at the end.
        If the block raises, nothing is written."""
        if self._batch is not None:
            yield
            return
        self._batch = _Batch()
        try:
            yield
            gathered = self._batch
        finally:
            self._batch = None
        if gathered:
            self._write(gathered)

    def append(self, tab: str, records: list[Mapping[str, str]]) -> None:
        """Rows after the tab's last row with data, each value under its header (one ``appendCells``).

        Not ``values:append``: that writes from the first column of the "table" Google detects,
        which is not column A when a person left column A's header blank.
        """
        self.append_many({tab: records})

    def append_many(self, rows: Mapping[str, Sequence[Mapping[str, str]]]) -> None:
        """Rows for several tabs in one spreadsheet ``:batchUpdate`` of ``appendCells`` (atomic).

        Values go in as ``stringValue``: text stays text, as with RAW. Missing header columns
        are added (and the grid widened) in the same call.
        """
        rows = {tab: list(records) for tab, records in rows.items() if records}
        if not rows:
            return
        check_lengths(v for records in rows.values() for r in records for v in r.values())
        if self._batch is not None:
            for tab, records in rows.items():
                self._batch.appends.setdefault(tab, []).extend(records)
            return
        self._write(_Batch(appends=rows))

    def update(self, changes: Mapping[str, Mapping[str, Mapping[str, str]]]) -> None:
        changes = {tab: refs for tab, refs in changes.items() if refs}
        if not changes:
            return
        validate_changes(changes)
        if self._batch is not None:
            for tab, refs in changes.items():
                for ref, columns in refs.items():
                    self._batch.changes.setdefault(tab, {}).setdefault(ref, {}).update(columns)
            return
        self._write(_Batch(changes={tab: {ref: dict(cols) for ref, cols in refs.items()}
                                    for tab, refs in changes.items()}))

    def write_summary(self, table: SummaryTable) -> None:
        check_lengths(v for row in table.rows for v in row)
        if self._batch is not None:
            self._batch.summary = table
            return
        self._write(_Batch(summary=table))

    def _write(self, batch: _Batch) -> None:
        """One ``:batchUpdate`` for everything in ``batch``, checked in its reply and put right if
        people moved rows or columns meanwhile; never sent twice blind (see ``_once``)."""
        self._ensure_tabs([*batch.appends, *([SUMMARY] if batch.summary is not None else [])])
        try:
            planned = self._plan(batch)
            if not planned.requests:
                return
            reply = self._once(lambda: self._send(planned), lambda: self._landed(batch.appends))
            if reply is not None and not self._as_meant(planned, reply):
                self._put_right(planned)
        finally:
            self._wrote()

    def _plan(self, batch: _Batch) -> _Planned:
        sheets = self._metadata()
        # Where the changed rows are: the last read (the page cache, the job's read), else one read now.
        unknown = [tab for tab, refs in batch.changes.items()
                   if not _all_found(self._grid_for(tab), refs) or tab in self._partial and not all(
                       name in self._headers.get(tab, ()) for columns in refs.values() for name in columns)]
        if unknown:
            self._read_grids(unknown)
        requests_: list[dict[str, Any]] = []
        headers: dict[str, tuple[str, ...]] = {}
        cells: dict[str, list[CellChange]] = {}
        expected: dict[str, dict[int, str]] = {}
        before: dict[str, Grid] = {}
        widths: dict[str, int] = {}
        for tab, refs in batch.changes.items():
            grid = self._grid_for(tab) or []
            plan = plan_update(tab, grid, refs)
            before[tab] = grid
            known = self._headers.get(tab, ()) if tab in self._partial else header_names(grid)
            headers[tab] = tuple(known) + plan.new_headers
            cells[tab] = [CellChange(0, plan.first_new_column + i, name)
                          for i, name in enumerate(plan.new_headers)] + list(plan.cells)
            # Each changed row must hold its Reference once written (the new one, if the change is to it).
            at = {c.row: _reference_at(grid, c.row) for c in plan.cells}
            expected[tab] = {row: str(refs.get(ref, {}).get(REFERENCE, ref)).strip() for row, ref in at.items()}
            if cells[tab]:
                widths[tab] = max(c.column for c in cells[tab]) + 1
        appended: dict[str, list[tuple[str, ...]]] = {}
        for tab, records in batch.appends.items():
            known = headers.get(tab, self._header_row(tab))
            plan = plan_append(known, records)
            if plan.new_headers:
                cells.setdefault(tab, []).extend(CellChange(0, plan.first_new_column + i, name)
                                                 for i, name in enumerate(plan.new_headers))
            headers[tab] = tuple(known) + plan.new_headers
            appended[tab] = list(plan.rows)
            widths[tab] = max(widths.get(tab, 0), max(len(r) for r in plan.rows))
        self._widen(widths)
        for tab, tab_cells in cells.items():
            sheet_id = sheets[tab].sheet_id
            for row, column, values in runs(tab_cells):
                requests_.append({"updateCells": {
                    "start": {"sheetId": sheet_id, "rowIndex": row, "columnIndex": column},
                    "rows": [{"values": [_text_cell(v) for v in values]}], "fields": "userEnteredValue"}})
        for tab, rows in appended.items():
            requests_.append({"appendCells": {
                "sheetId": sheets[tab].sheet_id, "fields": "userEnteredValue",
                "rows": [{"values": [_text_cell(v) for v in row]} for row in rows]}})
        if batch.summary is not None:
            requests_ += self._summary_requests(batch.summary)
        return _Planned(requests_, appended, {t: list(r) for t, r in batch.appends.items()}, headers, expected,
                        cells, batch.changes, before)

    def known_references(self, tabs: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for tab in tabs:
            grid = self._grid_for(tab) or []
            column = column_index(header_names(grid)).get(REFERENCE) if grid else None
            if column is not None:
                found.update(map(str.strip, islice(column_cells(grid, column), 1, None)))
        return found

    def _grid_for(self, tab: str) -> Grid | None:
        """The tab as last read: by this object, else in the page cache (if still current)."""
        if tab in self._grids:
            return self._grids[tab]
        if self.cache_seconds > 0:
            with _PAGES_LOCK:
                entry = _PAGES.get(self.id)
            if entry is not None and tab in entry.grids and entry.version == self._version():
                return entry.grids[tab]
        return None

    def _send(self, planned: _Planned) -> dict[str, Any]:
        """The one ``:batchUpdate``, asking back the header rows and the changed rows' Reference cells."""
        sheets = self._metadata()
        ranges = [f"{quote_tab(tab)}!1:1" for tab in planned.headers]
        for tab, rows in planned.expected.items():
            column = column_index(planned.headers[tab]).get(REFERENCE)
            if rows and column is not None:
                letter = column_letter(column)
                ranges.append(f"{quote_tab(tab)}!{letter}{min(rows) + 1}:{letter}{max(rows) + 1}")
        body: dict[str, Any] = {"requests": planned.requests}
        if ranges:
            body.update(includeSpreadsheetInResponse=True, responseRanges=ranges, responseIncludeGridData=True)
        reply = self._call(self.http.request, "post", SPREADSHEET_BATCH_UPDATE_URL % self.id, json=body,
                           params={"fields": "replies,updatedSpreadsheet.sheets(properties(title,gridProperties),"
                                             "data(startRow,startColumn,rowData.values.formattedValue))"}).json()
        for sheet in reply.get("updatedSpreadsheet", {}).get("sheets", []):
            props = sheet.get("properties", {})
            info = sheets.get(props.get("title", ""))
            grid = props.get("gridProperties", {})
            if info is not None and grid:
                info.rows, info.columns = grid.get("rowCount", info.rows), grid.get("columnCount", info.columns)
        for tab in planned.appended:
            self._grids.pop(tab, None)  # rows were added: read again before changing them
        for tab, tab_cells in planned.cells.items():
            self._grids.pop(tab, None)
        return reply

    def _as_meant(self, planned: _Planned, reply: Mapping[str, Any]) -> bool:
        """Whether the reply shows every header and changed row where the write assumed them."""
        seen: dict[str, dict[tuple[int, int], str]] = {}
        for sheet in reply.get("updatedSpreadsheet", {}).get("sheets", []):
            title = sheet.get("properties", {}).get("title", "")
            cells = seen.setdefault(title, {})
            for data in sheet.get("data", []):
                r0, c0 = data.get("startRow", 0), data.get("startColumn", 0)
                for i, row in enumerate(data.get("rowData", [])):
                    for j, cell in enumerate(row.get("values", [])):
                        cells[r0 + i, c0 + j] = cell_text(cell.get("formattedValue")).strip()
        ok = True
        for tab, headers in planned.headers.items():
            cells = seen.get(tab, {})
            now = tuple(cells.get((0, c), "") for c in range(len(headers)))
            if now != tuple(h.strip() for h in headers):
                ok = False
            else:
                self._headers[tab] = tuple(headers)
        for tab, rows in planned.expected.items():
            column = column_index(planned.headers[tab]).get(REFERENCE)
            cells = seen.get(tab, {})
            if any(cells.get((row, column), "") != reference.strip() for row, reference in rows.items()):
                ok = False
        self._save_layout()
        return ok

    def _put_right(self, planned: _Planned) -> None:
        """People sorted rows or moved columns between the read and the write: read the tabs as they
        are now, put back what the write's cells held before, and make the changes where the rows are."""
        self.repairs += 1
        tabs = list(dict.fromkeys([*planned.cells, *planned.appended]))
        self.refresh()
        self._partial.clear()
        grids = self._read_grids(tabs)
        fixes: dict[str, list[CellChange]] = {}
        for tab in tabs:
            grid = grids.get(tab, [])
            headers = header_names(grid)
            now_index = column_index(headers)
            reference_column = now_index.get(REFERENCE)
            before = planned.before.get(tab) or []
            was = _by_reference(before)
            fixed: dict[tuple[int, int], str] = {}
            # 1. Cells written where the write thought a row was: back to what that row held.
            for cell in planned.cells.get(tab, []):
                if cell.row == 0 or cell.row >= len(grid):
                    continue
                name = headers[cell.column] if cell.column < len(headers) else ""
                now_reference = (grid[cell.row][reference_column].strip()
                                 if reference_column is not None and reference_column < len(grid[cell.row]) else "")
                old = was.get(now_reference, {})
                if name and name in old:  # else it cannot be known: left as it is
                    fixed[cell.row, cell.column] = old[name]
            # 2. Rows added under header cells that had moved: laid out again under the headers as they are.
            for laid_out, record in zip(planned.appended.get(tab, []), planned.records.get(tab, [])):
                r = _find_row(grid, laid_out)
                if r is None:
                    continue
                for c, value in enumerate(laid_out):
                    if value:
                        fixed[r, c] = ""
                for name, value in record.items():
                    if name in now_index and value:
                        fixed[r, now_index[name]] = str(value)
            for (r, c), value in fixed.items():
                current = grid[r][c] if r < len(grid) and c < len(grid[r]) else ""
                if current != value:
                    fixes.setdefault(tab, []).append(CellChange(r, c, value))
            # 3. The changes, where the rows are now.
            if planned.changes.get(tab):
                plan = plan_update(tab, grid, planned.changes[tab])
                done = {(c.row, c.column) for c in plan.cells}
                fixes[tab] = [c for c in fixes.get(tab, []) if (c.row, c.column) not in done] + list(plan.cells)
                fixes[tab] += [CellChange(0, plan.first_new_column + i, n) for i, n in enumerate(plan.new_headers)]
        self._write_cells(fixes)
        self._grids = {}

    def _once(self, write: Callable[[], Any], landed: Callable[[], bool] = lambda: False) -> Any:
        """Make a write that adds something; when its reply is lost, read again and write again
        only if it did not land. Raises WriteUncertain if every reply was lost."""
        for attempt in range(1, ADD_ATTEMPTS + 1):
            try:
                return write()
            except WriteUncertain:
                if attempt == ADD_ATTEMPTS:
                    raise
                self._grids = {}
                if landed():
                    return None
        return None

    def _landed(self, rows: Mapping[str, Sequence[Mapping[str, str]]]) -> bool:
        """Whether every one of these rows is in its tab now (one read)."""
        if not rows:
            return False
        tables = {tab: to_table(tab, grid) for tab, grid in self._read_grids(list(rows)).items()}
        return all(rows_present(tables.get(tab, Table(tab, ())), records) for tab, records in rows.items())

    def clear(self, cells: Sequence[Clear]) -> None:
        by_tab: dict[str, list[Clear]] = {}
        for cell in cells:
            by_tab.setdefault(cell.tab, []).append(cell)
        if not by_tab:
            return
        # One read of the rows as they are now, then one write: refused whole if a row moved.
        grids = self._read_grids(by_tab)
        plans = [plan_clear(tab, grids.get(tab, []), clears) for tab, clears in by_tab.items()]
        try:
            self._write_cells({plan.tab: list(plan.cells) for plan in plans if plan.cells})
        finally:
            self._wrote()

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
            self._save_layout()

    def _header_row(self, tab: str) -> tuple[str, ...]:
        if tab not in self._headers:
            self._metadata()
        if tab not in self._headers:
            self._read_headers([tab])
        return self._headers.get(tab, ())

    def _read_headers(self, tabs: list[str]) -> None:
        result = self._call(self.http.values_batch_get, self.id, [f"{quote_tab(t)}!1:1" for t in tabs])
        for tab, value_range in zip(tabs, result.get("valueRanges", [])):
            self._headers[tab] = header_names([[cell_text(v) for v in row] for row in value_range.get("values", [])])
        self._save_layout()

    def _ensure_tabs(self, tabs: Iterable[str], columns: Mapping[str, int] | None = None) -> list[str]:
        """Add the tabs that are missing in one spreadsheet batchUpdate; returns their names."""
        sheets = self._metadata()
        missing = [t for t in dict.fromkeys(tabs) if t not in sheets]
        if not missing:
            return []
        next_id = _new_sheet_id()
        requests_: list[dict[str, Any]] = []
        for i, tab in enumerate(missing):
            width = max(26, (columns or {}).get(tab, 0))
            requests_.append({"addSheet": {"properties": {
                "sheetId": next_id + i, "title": tab,
                "gridProperties": {"rowCount": 1000, "columnCount": width, "frozenRowCount": 1}}}})
            if tab != SUMMARY:
                requests_.append({"repeatCell": {
                    "range": {"sheetId": next_id + i, "startRowIndex": 0, "endRowIndex": 1},
                    "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                    "fields": "userEnteredFormat.textFormat.bold"}})
        try:
            reply = self._call(self.http.batch_update, self.id, {"requests": requests_})
        except WriteUncertain:
            # Whether the tabs were added: the metadata says.
            self.refresh()
            if any(t not in self._metadata() for t in missing):
                raise
            return missing
        for r in reply.get("replies", []):
            if "addSheet" in r:
                props = r["addSheet"]["properties"]
                grid = props.get("gridProperties", {})
                sheets[props["title"]] = SheetInfo(props["sheetId"], grid.get("rowCount", 1000),
                                                   grid.get("columnCount", 26))
                self._headers[props["title"]] = ()
        self._save_layout()
        return missing

    def _summary_requests(self, table: SummaryTable) -> list[dict[str, Any]]:
        """The requests that replace the Summary tab's contents (the tab exists)."""
        sheets = self._metadata()
        sheet_id = sheets[SUMMARY].sheet_id
        width = max((len(r) for r in table.rows), default=0)
        rows, cols = max(len(table.rows), 100), max(width, 26)
        requests_: list[dict[str, Any]] = [
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
        sheets[SUMMARY].rows, sheets[SUMMARY].columns = rows, cols
        return requests_

    def init(self) -> list[str]:
        self.refresh()
        wanted = {tab: len(COLUMNS[tab]) for tab in TABS}
        added = self._ensure_tabs(TABS, wanted)
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
        try:
            self._write_cells(cells)
            if self.locale != LOCALE:
                self._call(self.http.batch_update, self.id, {"requests": [{"updateSpreadsheetProperties": {
                    "properties": {"locale": LOCALE}, "fields": "locale"}}]})
                done.append(f"Set the spreadsheet's locale to {LOCALE} (it was {self.locale or 'not set'}), so "
                            "dates typed into it are read day first, as 21/11/2026")
                self.locale = LOCALE
        finally:
            self._save_layout()
            self._wrote()
        return done

    def setting_problems(self) -> list[Problem]:
        self.refresh()
        self._metadata()
        if self.locale == LOCALE:
            return []
        return [Problem("Spreadsheet", None, None, f"its locale is {self.locale or 'not set'}, not {LOCALE}: a date "
                        "typed into it may be read month first (03/04/2027 as 4 March); set File > Settings > "
                        "Locale to United Kingdom, or run `flask sheet init`")]


def _entry_table(entry: _PageEntry, tab: str) -> Table:
    """A cached tab as a Table, made once per entry."""
    table = entry.tables.get(tab)
    if table is None:
        table = entry.tables[tab] = to_table(tab, entry.grids.get(tab, []))
    return table


def _reference_at(grid: Grid, row: int) -> str:
    column = column_index(header_names(grid)).get(REFERENCE) if grid else None
    if column is None or row >= len(grid):
        return ""
    if isinstance(grid, ColumnGrid):
        return grid.column(column)[row].strip()
    return grid[row][column].strip() if column < len(grid[row]) else ""


def _all_found(grid: Grid | None, refs: Mapping[str, Any]) -> bool:
    """Whether every reference is on exactly one row of ``grid``."""
    if not grid:
        return False
    column = column_index(header_names(grid)).get(REFERENCE)
    if column is None:
        return False
    counts: dict[str, int] = {}
    for ref in map(str.strip, islice(column_cells(grid, column), 1, None)):
        if ref in refs:
            counts[ref] = counts.get(ref, 0) + 1
    return all(counts.get(ref) == 1 for ref in refs)


def _by_reference(grid: Grid) -> dict[str, dict[str, str]]:
    """Each row of ``grid`` by its Reference: {column name: value}."""
    if not grid:
        return {}
    headers = header_names(grid)
    column = column_index(headers).get(REFERENCE)
    if column is None:
        return {}
    out: dict[str, dict[str, str]] = {}
    for row in grid[1:]:
        if column < len(row) and row[column].strip():
            out[row[column].strip()] = {name: row[i] if i < len(row) else "" for i, name in enumerate(headers) if name}
    return out


def _trimmed(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows without their trailing blank cells, as Google sends rows."""
    for row in rows:
        while row and row[-1] == "":
            row.pop()
    return rows


def _find_row(grid: Grid, laid_out: Sequence[str]) -> int | None:
    """The last row holding exactly these cells (trailing blanks aside)."""
    wanted = list(laid_out)
    while wanted and not wanted[-1]:
        wanted.pop()
    for r in range(len(grid) - 1, 0, -1):
        row = list(grid[r])
        while row and not row[-1]:
            row.pop()
        if row == wanted:
            return r
    return None


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
