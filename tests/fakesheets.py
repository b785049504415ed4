"""An in-process fake of the Google Sheets v4 API, mounted on a ``requests`` session.

gspread sends its real HTTP requests; this answers them from memory, so tests exercise
gspread and our retry client for real without reaching the network.

Use::

    api = FakeSheetsAPI()
    api.add_spreadsheet("sheet-1", tabs={"Challenges": [["Reference", "Step"], ["PC-1", "2"]]})
    workbook = google_workbook(api, partnership)          # a GoogleWorkbook over api.session()
    workbook.read_all()
    api.calls["values.batchGet"]                          # -> 1
    api.fail_next(429, times=2, retry_after=3)           # the next 2 requests get 429 + Retry-After: 3
    api.timeout_next(1)                                   # the next request raises requests.ReadTimeout
    api.lose_reply_next(1)                                # the next request is applied, then times out
    api.inject({"429": 0.1, "lost": 0.1}, seed=1)         # faults at random on every request from now on
    api.values("sheet-1", "Challenges")                   # the tab's cells as the API would show them
    api.enforce_quota(60, 60, clock=now)                  # 429 past 60 reads or writes a minute per user
    api.add_copy("sheet-2", "sheet-1")                    # its rows shared with sheet-1 until written

Endpoints: spreadsheet GET (with ``includeGridData`` + ``ranges``), ``:batchUpdate`` (addSheet,
deleteSheet, appendCells, updateCells, updateSheetProperties, appendDimension, updateDimensionProperties,
repeatCell), values GET, ``values:batchGet``, ``:append``, ``values:batchUpdate``, PUT values,
``:clear`` and ``values:batchClear``. Errors are Google-shaped JSON. ``valueInputOption=USER_ENTERED``
is imitated (``=...`` becomes a formula, ``+44`` a number), so a test can tell RAW from not.
``calls`` counts every request received by endpoint name, failed ones included.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import re
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

BASE = "https://sheets.googleapis.com/v4/spreadsheets/"
STATUS_NAMES = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 502: "BAD_GATEWAY", 503: "UNAVAILABLE"}


@dataclass(frozen=True)
class Formula:
    """A cell holding a formula (only ever from USER_ENTERED input); shows as ``#ERROR!``."""

    text: str


Cell = Any  # str, int/float, dt.date (a real date cell) or Formula


# How a date cell is shown in a spreadsheet's locale (a spreadsheet made through the API is en_US).
DATE_FORMATS = {"en_GB": "%d/%m/%Y", "en_US": "%-m/%-d/%Y", "de_DE": "%d.%m.%Y"}


def render(value: Cell, option: str = "FORMATTED_VALUE", locale: str = "en_GB") -> Any:
    """A cell as the API returns it for ``valueRenderOption`` (a date shown in ``locale``)."""
    if isinstance(value, Formula):
        return value.text if option == "FORMULA" else "#ERROR!"
    if isinstance(value, dt.date):
        if option == "FORMATTED_VALUE":
            return value.strftime(DATE_FORMATS[locale])
        return (value - dt.date(1899, 12, 30)).days
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if option == "FORMATTED_VALUE":
            return str(int(value)) if float(value).is_integer() else str(value)
        return value
    return value


def user_entered(value: Any) -> Cell:
    """What Google makes of a value sent with USER_ENTERED: formulas, numbers, ``'text``."""
    if not isinstance(value, str):
        return value
    if value.startswith("'"):
        return value[1:]
    if value.startswith("="):
        return Formula(value)
    try:
        number = float(value.replace(",", ""))
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class Tab:
    """One sheet in a fake spreadsheet."""

    sheet_id: int
    title: str
    index: int
    rows: list[list[Cell]] = field(default_factory=list)
    row_count: int = 1000
    column_count: int = 26
    bold_rows: set[int] = field(default_factory=set)
    column_widths: dict[int, int] = field(default_factory=dict)
    frozen_rows: int = 0
    number_formats: dict[tuple[int, int], dict] = field(default_factory=dict)  # (row, column) -> numberFormat

    def properties(self) -> dict[str, Any]:
        grid = {"rowCount": self.row_count, "columnCount": self.column_count}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        return {"sheetId": self.sheet_id, "title": self.title, "index": self.index,
                "sheetType": "GRID", "gridProperties": grid}

    def get(self, r: int, c: int) -> Cell:
        if r < len(self.rows) and c < len(self.rows[r]):
            return self.rows[r][c]
        return ""

    def set(self, r: int, c: int, value: Cell) -> None:
        while len(self.rows) <= r:
            self.rows.append([])
        row = self.rows[r]
        while len(row) <= c:
            row.append("")
        row[c] = value

    def used(self) -> tuple[int, int]:
        """(rows, columns) up to the last non-empty cell."""
        # From the ends: a large tab is not scanned cell by cell for every range read.
        last_row = next((len(self.rows) - i for i, row in enumerate(reversed(self.rows))
                         if any(v != "" for v in row)), 0)
        last_col = 0
        for row in self.rows:
            width = len(row)
            while width > last_col and row[width - 1] == "":
                width -= 1
            last_col = max(last_col, width)
        return last_row, last_col


@dataclass(frozen=True)
class Range:
    """A parsed A1 range, 0-based and end-exclusive; None means open-ended."""

    title: str
    r1: int | None = None
    c1: int | None = None
    r2: int | None = None
    c2: int | None = None


def column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def column_letters(index: int) -> str:
    letters, index = "", index + 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_CELL = re.compile(r"^([A-Za-z]*)(\d*)$")


def parse_range(text: str) -> Range:
    if "!" in text:
        title, _, cells = text.rpartition("!")
    else:
        title, cells = text, ""
    if title.startswith("'") and title.endswith("'"):
        title = title[1:-1].replace("''", "'")
    if not cells:
        return Range(title)
    start, _, end = cells.partition(":")
    m1, m2 = _CELL.match(start), _CELL.match(end or start)
    if not m1 or not m2 or not (start.strip()):
        raise ApiError(400, f"Unable to parse range: {text}")
    c1 = column_number(m1.group(1)) if m1.group(1) else None
    r1 = int(m1.group(2)) - 1 if m1.group(2) else None
    c2 = column_number(m2.group(1)) + 1 if m2.group(1) else None
    r2 = int(m2.group(2)) if m2.group(2) else None
    return Range(title, r1, c1, r2, c2)


class Spreadsheet:
    def __init__(self, spreadsheet_id: str, title: str, locale: str = "en_GB"):
        self.id, self.title, self.locale = spreadsheet_id, title, locale
        self.tabs: dict[str, Tab] = {}
        self._next_id = 0

    def add_tab(self, title: str, rows: int = 1000, columns: int = 26, sheet_id: int | None = None) -> Tab:
        if title in self.tabs:
            raise ApiError(400, f"Invalid requests[0].addSheet: A sheet with the name \"{title}\" already exists. "
                                "Please enter another name.")
        if sheet_id is None:
            sheet_id = self._next_id
        if any(t.sheet_id == sheet_id for t in self.tabs.values()):
            raise ApiError(400, f"Invalid requests[0].addSheet: Sheet with id {sheet_id} already exists.")
        tab = Tab(sheet_id, title, len(self.tabs), row_count=rows, column_count=columns)
        self._next_id = max(self._next_id, sheet_id) + 1
        self.tabs[title] = tab
        return tab

    def tab(self, title: str, range_text: str = "") -> Tab:
        if title not in self.tabs:
            raise ApiError(400, f"Unable to parse range: {range_text or title}")
        return self.tabs[title]

    def by_id(self, sheet_id: int) -> Tab:
        for tab in self.tabs.values():
            if tab.sheet_id == sheet_id:
                return tab
        raise ApiError(400, f"No grid with id: {sheet_id}")


class SharedRows(list):
    """A tab's rows whose row lists may be shared with other tabs: a row is copied the first time
    it is taken out by index (every write does so), never when it is only read through ``Tab.get``."""

    def __init__(self, rows: Any, shared: frozenset[int]):
        super().__init__(rows)
        self.shared = shared  # ids of the shared row lists (kept alive by every tab that shares them)

    def __getitem__(self, index: Any) -> Any:
        row = super().__getitem__(index)
        if isinstance(index, int) and id(row) in self.shared:
            row = list(row)
            super().__setitem__(index, row)
        return row


class SharedTab(Tab):
    """A tab whose rows are shared with other spreadsheets' tabs until written (``add_copy``)."""

    @classmethod
    def sharing(cls, tab: Tab) -> "SharedTab":
        shared = cls(**{name: getattr(tab, name) for name in tab.__dataclass_fields__})
        shared.rows = SharedRows(tab.rows, frozenset(id(row) for row in tab.rows))
        return shared

    def copy(self) -> "SharedTab":
        if not isinstance(self.rows, SharedRows) or any(id(row) not in self.rows.shared for row in self.rows):
            self.rows = SharedRows(self.rows, frozenset(id(row) for row in self.rows))  # its own rows too, now
        tab = SharedTab(**{name: getattr(self, name) for name in self.__dataclass_fields__})
        tab.rows = SharedRows(self.rows, self.rows.shared)
        tab.bold_rows, tab.column_widths = set(self.bold_rows), dict(self.column_widths)
        tab.number_formats = dict(self.number_formats)
        return tab

    def get(self, r: int, c: int) -> Cell:
        row = list.__getitem__(self.rows, r) if r < len(self.rows) else ()
        return row[c] if c < len(row) else ""


class FakeSheetsAPI:
    """The fake service: spreadsheets in memory, call counting and injectable failures. Thread-safe."""

    def __init__(self) -> None:
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.calls: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.log: list[tuple[str, str, dict[str, list[str]], Any]] = []
        self._faults: list[tuple[str, Any]] = []
        self._rates: dict[str, float] = {}
        self._random: Any = None
        self.injected: Counter[str] = Counter()
        self._lock = threading.RLock()

    # Setting up

    def add_spreadsheet(self, spreadsheet_id: str, tabs: dict[str, list[list[Cell]]] | None = None,
                        title: str = "Fake spreadsheet", locale: str = "en_GB") -> Spreadsheet:
        """A spreadsheet with these tabs (title -> rows of cells; a dt.date is a real date cell),
        showing dates as ``locale`` does."""
        with self._lock:
            sheet = Spreadsheet(spreadsheet_id, title, locale)
            for name, rows in (tabs or {}).items():
                tab = sheet.add_tab(name, rows=max(1000, len(rows)), columns=max([26, *(len(r) for r in rows)]))
                tab.rows = [list(r) for r in rows]
            self.spreadsheets[spreadsheet_id] = sheet
            return sheet

    def set_values(self, spreadsheet_id: str, tab: str, rows: list[list[Cell]]) -> None:
        """Replace a tab's cells, as a person editing the sheet would."""
        with self._lock:
            sheet = self.spreadsheets[spreadsheet_id]
            t = sheet.tabs.get(tab) or sheet.add_tab(tab)
            t.rows = [list(r) for r in rows]
            t.row_count = max(t.row_count, len(rows))
            t.column_count = max([t.column_count, *(len(r) for r in rows)])

    def values(self, spreadsheet_id: str, tab: str, option: str = "FORMATTED_VALUE") -> list[list[Any]]:
        """A tab's cells as the API would return them, trailing blanks trimmed."""
        with self._lock:
            sheet = self.spreadsheets[spreadsheet_id]
            t = sheet.tabs[tab]
            rows = [[render(v, option, sheet.locale) for v in row] for row in t.rows]
        return trimmed(rows)

    def cell(self, spreadsheet_id: str, tab: str, a1: str) -> Cell:
        """The stored value of one cell (a Formula if it was ever evaluated as one)."""
        rng = parse_range(f"'{tab}'!{a1}")
        with self._lock:
            return self.spreadsheets[spreadsheet_id].tabs[tab].get(rng.r1 or 0, rng.c1 or 0)

    def tab(self, spreadsheet_id: str, tab: str) -> Tab:
        return self.spreadsheets[spreadsheet_id].tabs[tab]

    # Faults

    def fail_next(self, status: int, times: int = 1, retry_after: float | None = None) -> None:
        """The next ``times`` requests answer ``status`` with a Google error body (and Retry-After)."""
        with self._lock:
            self._faults.extend([("status", (status, retry_after))] * times)

    def timeout_next(self, times: int = 1) -> None:
        """The next ``times`` requests raise ``requests.ReadTimeout`` (nothing is done)."""
        with self._lock:
            self._faults.extend([("timeout", None)] * times)

    def disconnect_next(self, times: int = 1) -> None:
        """The next ``times`` requests raise ``requests.ConnectionError``."""
        with self._lock:
            self._faults.extend([("connection", None)] * times)

    def lose_reply_next(self, times: int = 1) -> None:
        """The next ``times`` requests are applied, then raise ``requests.ReadTimeout`` (the reply is lost)."""
        with self._lock:
            self._faults.extend([("lost", None)] * times)

    def cut_reply_next(self, times: int = 1, how: str = "truncated") -> None:
        """The next ``times`` requests are applied, then their reply is cut off mid-transfer:
        ``truncated`` is a 200 whose body stops half way, ``chunked`` raises ChunkedEncodingError."""
        with self._lock:
            self._faults.extend([(how, None)] * times)

    def html_error_next(self, status: int = 502, times: int = 1) -> None:
        """The next ``times`` requests answer ``status`` with an HTML page, as Google's front end does."""
        with self._lock:
            self._faults.extend([("html", status)] * times)

    def inject(self, rates: dict[str, float], seed: int = 0) -> None:
        """From now on, each request meets one fault at random: ``rates`` maps a kind (``429``,
        ``500``, ``503``, ``html``, ``timeout``, ``connection``, ``lost``, ``truncated``, ``chunked``)
        to its probability. ``inject({})`` stops it. ``injected`` counts what was met."""
        with self._lock:
            self._rates = dict(rates)
            self._random = random.Random(seed)

    def _random_fault(self) -> tuple[str, Any] | None:
        if not self._rates:
            return None
        roll, total = self._random.random(), 0.0
        for kind, rate in self._rates.items():
            total += rate
            if roll < total:
                self.injected[kind] += 1
                if kind.isdigit():
                    return ("status", (int(kind), None))
                return (kind, 502) if kind == "html" else (kind, None)
        return None

    def reset_counts(self) -> None:
        with self._lock:
            self.calls.clear()
            self.failures.clear()
            self.log.clear()

    def session(self) -> requests.Session:
        """A requests session whose calls to sheets.googleapis.com are answered by this fake."""
        s = requests.Session()
        s.mount("https://", _NoNetwork())
        s.mount("http://", _NoNetwork())
        s.mount(BASE, _Adapter(self))
        return s

    # Google's per-minute quota

    _quota: dict[str, int] | None = None
    quota_refusals = 0  # requests answered 429 because a user's quota was used up

    def enforce_quota(self, reads_per_minute: int = 60, writes_per_minute: int = 60,
                      clock: Any = time.monotonic) -> None:
        """From now on, answer 429 as Google does to a user's read (or write) request when that user
        has had ``reads_per_minute`` (``writes_per_minute``) answered in the 60 seconds before
        ``clock()``. One user per fake, unless a request's ``X-Fake-User`` header names another.
        Refused requests do not count against the quota; ``quota_refusals`` counts them."""
        with self._lock:
            self._quota = {"read": reads_per_minute, "write": writes_per_minute}
            self._quota_clock = clock
            self._quota_used: dict[tuple[str, str], deque[float]] = {}

    def _over_quota(self, request: requests.PreparedRequest, endpoint: str) -> requests.Response | None:
        """Google's 429 if this request is over its user's per-minute quota, else None (and it counts)."""
        if self._quota is None:
            return None
        path = urlsplit(request.url).path
        kind = "read" if request.method == "GET" or path.endswith(("GetByDataFilter", ":getByDataFilter")) else "write"
        user = request.headers.get("X-Fake-User", "service-account")
        with self._lock:
            now = self._quota_clock()
            used = self._quota_used.setdefault((user, kind), deque())
            while used and used[0] <= now - 60:
                used.popleft()
            if len(used) < self._quota[kind]:
                used.append(now)
                return None
            self.quota_refusals += 1
            self.failures[endpoint] += 1
        metric = "Read requests" if kind == "read" else "Write requests"
        message = (f"Quota exceeded for quota metric '{metric}' and limit '{metric} per minute per user' of "
                   "service 'sheets.googleapis.com' for consumer 'project_number:000000000000'.")
        body = _error(429, message)
        body["error"]["details"] = [{
            "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": {"quota_metric": f"sheets.googleapis.com/{kind}_requests",
                         "quota_limit": f"{kind.capitalize()}RequestsPerMinutePerUser",
                         "service": "sheets.googleapis.com", "consumer": "projects/000000000000"}}]
        return _response(request, 429, body)

    # Spreadsheets that share their rows

    def add_copy(self, spreadsheet_id: str, source_id: str, title: str | None = None) -> Spreadsheet:
        """A copy of spreadsheet ``source_id`` whose rows are shared with it until either writes them
        (copy-on-write, row by row): many large spreadsheets without their rows in memory many times."""
        with self._lock:
            source = self.spreadsheets[source_id]
            copy = Spreadsheet(spreadsheet_id, title or source.title, source.locale)
            copy._next_id = source._next_id
            for name, tab in list(source.tabs.items()):
                shared = tab if isinstance(tab, SharedTab) else SharedTab.sharing(tab)
                source.tabs[name] = shared
                copy.tabs[name] = shared.copy()
            self.spreadsheets[spreadsheet_id] = copy
            return copy

    # Dispatch

    def handle(self, request: requests.PreparedRequest) -> requests.Response:
        url = urlsplit(request.url)
        params = parse_qs(url.query, keep_blank_values=True)
        body = json.loads(request.body) if request.body else None
        path = url.path[len("/v4/spreadsheets/"):]
        endpoint, spreadsheet_id, range_text = _route(request.method or "GET", path)
        with self._lock:
            self.calls[endpoint] += 1
            self.log.append((endpoint, range_text, params, body))
        refused = self._over_quota(request, endpoint)
        if refused is not None:
            return refused
        with self._lock:
            fault = self._faults.pop(0) if self._faults else self._random_fault()
        if fault and fault[0] in ("lost", "truncated", "chunked"):
            self.failures[endpoint] += 1
            response = self._answer(request, spreadsheet_id, endpoint, range_text, params, body)
            if fault[0] == "lost":
                raise requests.ReadTimeout(f"fake: read timed out after the request was applied ({endpoint})",
                                           request=request)
            if fault[0] == "chunked":
                raise requests.exceptions.ChunkedEncodingError(
                    f"fake: connection broken mid-reply: IncompleteRead ({endpoint})", request=request)
            response._content = response._content[: max(1, len(response._content) // 2)]
            return response
        if fault:
            self.failures[endpoint] += 1
            kind, detail = fault
            if kind == "html":
                return _html_response(request, detail)
            if kind == "timeout":
                raise requests.ReadTimeout(f"fake: read timed out ({endpoint})", request=request)
            if kind == "connection":
                raise requests.ConnectionError(f"fake: connection reset ({endpoint})", request=request)
            status, retry_after = detail
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            return _response(request, status, _error(status, "Injected failure"), headers)
        return self._answer(request, spreadsheet_id, endpoint, range_text, params, body)

    def _answer(self, request: requests.PreparedRequest, spreadsheet_id: str, endpoint: str, range_text: str,
                params: dict, body: Any) -> requests.Response:
        try:
            with self._lock:
                if spreadsheet_id not in self.spreadsheets:
                    raise ApiError(404, "Requested entity was not found.")
                sheet = self.spreadsheets[spreadsheet_id]
                result = getattr(self, "_" + endpoint.replace(".", "_"))(sheet, range_text, params, body)
            return _response(request, 200, result)
        except ApiError as e:
            return _response(request, e.status, _error(e.status, e.message))

    def _get(self, sheet: Spreadsheet, _r: str, params: dict, _b: Any) -> dict:
        """As Google answers: with ``ranges``, only the tabs they name; grid data when asked for
        (``includeGridData``, or a ``fields`` mask reaching into ``data``); the ``fields`` mask applied."""
        tabs = sorted(sheet.tabs.values(), key=lambda t: t.index)
        mask = parse_field_mask(params["fields"][0]) if params.get("fields") else None
        with_data = (params.get("includeGridData", ["false"])[0].lower() == "true" if mask is None
                     else "data" in (mask.get("sheets") or {}) or mask.get("sheets", {}) is None)
        wanted: dict[str, list[Range]] = {}
        for text in params.get("ranges", []):
            rng = parse_range(text)
            sheet.tab(rng.title, text)
            wanted.setdefault(rng.title, []).append(rng)
        out = []
        for t in tabs:
            if wanted and t.title not in wanted:
                continue
            entry: dict[str, Any] = {"properties": t.properties()}
            if with_data:
                entry["data"] = [_grid_data(t, rng, sheet.locale) for rng in wanted.get(t.title, [Range(t.title)])]
            out.append(entry)
        result = {"spreadsheetId": sheet.id, "properties": {"title": sheet.title, "locale": sheet.locale,
                                                            "timeZone": "Europe/London"}, "sheets": out,
                  "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{sheet.id}/edit"}
        return apply_field_mask(result, mask) if mask is not None else result

    def _values_get(self, sheet: Spreadsheet, range_text: str, params: dict, _b: Any) -> dict:
        option = params.get("valueRenderOption", ["FORMATTED_VALUE"])[0]
        return _value_range(sheet, range_text, option, params.get("majorDimension", ["ROWS"])[0])

    def _values_batchGet(self, sheet: Spreadsheet, _r: str, params: dict, _b: Any) -> dict:
        option = params.get("valueRenderOption", ["FORMATTED_VALUE"])[0]
        ranges = [_value_range(sheet, text, option, params.get("majorDimension", ["ROWS"])[0])
                  for text in params.get("ranges", [])]
        return {"spreadsheetId": sheet.id, "valueRanges": ranges}

    def _values_update(self, sheet: Spreadsheet, range_text: str, params: dict, body: Any) -> dict:
        option = _input_option(params.get("valueInputOption", [""])[0])
        return _write(sheet, range_text, body.get("values", []), option)

    def _values_batchUpdate(self, sheet: Spreadsheet, _r: str, _p: dict, body: Any) -> dict:
        option = _input_option(body.get("valueInputOption", ""))
        data = body.get("data", [])
        # Check every range first: a batch either applies in full or not at all.
        for item in data:
            _check_fits(sheet, item["range"], item.get("values", []))
        results = [_write(sheet, item["range"], item.get("values", []), option) for item in data]
        return {"spreadsheetId": sheet.id, "totalUpdatedRows": sum(r["updatedRows"] for r in results),
                "totalUpdatedCells": sum(r["updatedCells"] for r in results), "responses": results}

    def _values_append(self, sheet: Spreadsheet, range_text: str, params: dict, body: Any) -> dict:
        """After the "table" Google detects in the range: its rows go after the table's last row,
        starting at the table's first column (not necessarily the range's)."""
        option = _input_option(params.get("valueInputOption", [""])[0])
        rng = parse_range(range_text)
        tab = sheet.tab(rng.title, range_text)
        values = body.get("values", [])
        table = _detect_table(tab, rng)
        if table is None:
            start_row, start_col = rng.r1 or 0, rng.c1 or 0
        else:
            (t_r1, t_c1), (t_r2, _) = table
            start_row, start_col = t_r2, t_c1
        for i, row in enumerate(values):
            for c, v in enumerate(row):
                tab.set(start_row + i, start_col + c, _convert(v, option))
        tab.row_count = max(tab.row_count + (len(values) if params.get("insertDataOption") == ["INSERT_ROWS"]
                                             else 0), start_row + len(values))
        tab.column_count = max([tab.column_count, *(start_col + len(r) for r in values)])
        width = max((len(r) for r in values), default=0)
        updated = f"{a1_title(tab.title)}!{column_letters(start_col)}{start_row + 1}:" \
                  f"{column_letters(start_col + max(width, 1) - 1)}{start_row + len(values)}"
        result: dict[str, Any] = {"spreadsheetId": sheet.id}
        if table is not None:
            (t_r1, t_c1), (t_r2, t_c2) = table
            result["tableRange"] = f"{a1_title(tab.title)}!{_a1_span(t_r1, t_c1, t_r2, t_c2)}"
        result["updates"] = {"spreadsheetId": sheet.id, "updatedRange": updated, "updatedRows": len(values),
                             "updatedColumns": width, "updatedCells": sum(len(r) for r in values)}
        return result

    def _values_clear(self, sheet: Spreadsheet, range_text: str, _p: dict, _b: Any) -> dict:
        _clear(sheet, range_text)
        return {"spreadsheetId": sheet.id, "clearedRange": _normalised(sheet, range_text)}

    def _values_batchClear(self, sheet: Spreadsheet, _r: str, _p: dict, body: Any) -> dict:
        for text in body.get("ranges", []):
            _clear(sheet, text)
        return {"spreadsheetId": sheet.id, "clearedRanges": body.get("ranges", [])}

    def _batchUpdate(self, sheet: Spreadsheet, _r: str, params: dict, body: Any) -> dict:
        """All the requests or none (a failing one undoes the others, as Google does); with
        ``includeSpreadsheetInResponse`` the spreadsheet as it is after them, limited to
        ``responseRanges`` and with their cells if ``responseIncludeGridData``; ``fields`` applied."""
        replies = []
        before = {title: _tab_state(tab) for title, tab in sheet.tabs.items()}
        try:
            for i, req in enumerate(body.get("requests", [])):
                (kind, args), = req.items()
                handler = getattr(self, f"_req_{kind}", None)
                if handler is None:
                    raise ApiError(400, f"Invalid requests[{i}]: the fake does not implement {kind}")
                replies.append(handler(sheet, args) or {})
        except ApiError:
            for title in list(sheet.tabs):
                if title not in before:
                    del sheet.tabs[title]
            for title, state in before.items():
                sheet.tabs[title] = state
            raise
        result: dict[str, Any] = {"spreadsheetId": sheet.id, "replies": replies}
        if body.get("includeSpreadsheetInResponse"):
            grid = "true" if body.get("responseIncludeGridData") else "false"
            result["updatedSpreadsheet"] = self._get(sheet, "", {"ranges": body.get("responseRanges", []),
                                                                 "includeGridData": [grid]}, None)
        mask = params.get("fields", [None])[0]
        return apply_field_mask(result, parse_field_mask(mask)) if mask else result

    def _req_addSheet(self, sheet: Spreadsheet, args: dict) -> dict:
        props = args.get("properties", {})
        grid = props.get("gridProperties", {})
        tab = sheet.add_tab(props["title"], grid.get("rowCount", 1000), grid.get("columnCount", 26),
                            props.get("sheetId"))
        tab.frozen_rows = grid.get("frozenRowCount", 0)
        return {"addSheet": {"properties": tab.properties()}}

    def _req_appendCells(self, sheet: Spreadsheet, args: dict) -> None:
        """Rows after the last row with data, inserting grid rows as needed."""
        tab = sheet.by_id(args["sheetId"])
        rows = args.get("rows", [])
        used_rows, _ = tab.used()
        width = max((len(r.get("values", [])) for r in rows), default=0)
        if width > tab.column_count:
            raise ApiError(400, f"Invalid requests: appendCells exceeds grid limits of {tab.title}. "
                                f"Max columns: {tab.column_count}")
        for i, row in enumerate(rows):
            for c, cell in enumerate(row.get("values", [])):
                value = cell.get("userEnteredValue", {})
                if "stringValue" in value:
                    tab.set(used_rows + i, c, value["stringValue"])
                elif "numberValue" in value:
                    tab.set(used_rows + i, c, value["numberValue"])
                elif "formulaValue" in value:
                    tab.set(used_rows + i, c, Formula(value["formulaValue"]))
        tab.row_count = max(tab.row_count, used_rows + len(rows))

    def _req_deleteSheet(self, sheet: Spreadsheet, args: dict) -> None:
        tab = sheet.by_id(args["sheetId"])
        del sheet.tabs[tab.title]

    def _req_updateSheetProperties(self, sheet: Spreadsheet, args: dict) -> None:
        props = args["properties"]
        tab = sheet.by_id(props.get("sheetId", 0))
        grid = props.get("gridProperties", {})
        tab.row_count = grid.get("rowCount", tab.row_count)
        tab.column_count = grid.get("columnCount", tab.column_count)
        tab.frozen_rows = grid.get("frozenRowCount", tab.frozen_rows)

    def _req_updateSpreadsheetProperties(self, sheet: Spreadsheet, args: dict) -> None:
        if "locale" in args.get("fields", "") or args.get("fields") == "*":
            sheet.locale = args["properties"].get("locale", sheet.locale)

    def _req_appendDimension(self, sheet: Spreadsheet, args: dict) -> None:
        tab = sheet.by_id(args["sheetId"])
        if args["dimension"] == "ROWS":
            tab.row_count += args["length"]
        else:
            tab.column_count += args["length"]

    def _req_updateDimensionProperties(self, sheet: Spreadsheet, args: dict) -> None:
        rng = args["range"]
        tab = sheet.by_id(rng.get("sheetId", 0))
        size = args["properties"].get("pixelSize")
        if rng["dimension"] == "COLUMNS" and size is not None:
            for c in range(rng.get("startIndex", 0), rng.get("endIndex", tab.column_count)):
                tab.column_widths[c] = size

    def _req_repeatCell(self, sheet: Spreadsheet, args: dict) -> None:
        rng = args["range"]
        tab = sheet.by_id(rng.get("sheetId", 0))
        bold = args.get("cell", {}).get("userEnteredFormat", {}).get("textFormat", {}).get("bold")
        if bold is not None:
            for r in range(rng.get("startRowIndex", 0), rng.get("endRowIndex", tab.row_count)):
                (tab.bold_rows.add if bold else tab.bold_rows.discard)(r)

    def _req_updateCells(self, sheet: Spreadsheet, args: dict) -> None:
        """Either ``range`` (cleared first when ``fields`` covers values) or ``start`` + ``rows``."""
        fields = args.get("fields", "")
        if "range" in args:
            rng = args["range"]
            tab = sheet.by_id(rng.get("sheetId", 0))
            r1, r2 = rng.get("startRowIndex", 0), rng.get("endRowIndex", tab.row_count)
            c1, c2 = rng.get("startColumnIndex", 0), rng.get("endColumnIndex", tab.column_count)
            r0, c0 = r1, c1
        else:
            start = args["start"]
            tab = sheet.by_id(start.get("sheetId", 0))
            r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
            r1, r2, c1, c2 = r0, tab.row_count, c0, tab.column_count
        rows = args.get("rows", [])
        if r0 + len(rows) > tab.row_count or any(c0 + len(r.get("values", [])) > tab.column_count for r in rows):
            raise ApiError(400, f"Invalid requests: updateCells exceeds grid limits of {tab.title}. "
                                f"Max rows: {tab.row_count}, max columns: {tab.column_count}")
        if "range" in args and fields in ("*", "userEnteredValue") or "userEnteredValue" in fields and "range" in args:
            for r in range(r1, min(r2, len(tab.rows))):
                for c in range(c1, min(c2, len(tab.rows[r]))):
                    tab.rows[r][c] = ""
            if fields == "*" or "userEnteredFormat" in fields:
                for r in range(r1, r2):
                    tab.bold_rows.discard(r)
                for r, c in list(tab.number_formats):
                    if r1 <= r < r2 and c1 <= c < c2:
                        del tab.number_formats[r, c]
        for i, row in enumerate(rows):
            bold = False
            for j, cell in enumerate(row.get("values", [])):
                value = cell.get("userEnteredValue", {})
                if "stringValue" in value:
                    tab.set(r0 + i, c0 + j, value["stringValue"])
                elif "numberValue" in value:
                    tab.set(r0 + i, c0 + j, value["numberValue"])
                elif "formulaValue" in value:
                    tab.set(r0 + i, c0 + j, Formula(value["formulaValue"]))
                elif "userEnteredValue" in fields or fields == "*":
                    tab.set(r0 + i, c0 + j, "")
                bold = bold or cell.get("userEnteredFormat", {}).get("textFormat", {}).get("bold", False)
                number_format = cell.get("userEnteredFormat", {}).get("numberFormat")
                if number_format is not None and "numberFormat" in fields:
                    tab.number_formats[r0 + i, c0 + j] = number_format
            if bold:
                tab.bold_rows.add(r0 + i)
            elif "userEnteredFormat" in fields or fields == "*":
                tab.bold_rows.discard(r0 + i)


def _tab_state(tab: Tab) -> Tab:
    """A copy of a tab to put back if a batch fails (cells are immutable values: the rows are copied)."""
    return replace(tab, rows=[list(r) for r in tab.rows], bold_rows=set(tab.bold_rows),
                               column_widths=dict(tab.column_widths), number_formats=dict(tab.number_formats))


def _route(method: str, path: str) -> tuple[str, str, str]:
    """(endpoint name, spreadsheet id, A1 range) for a request path after /v4/spreadsheets/."""
    if "/values/" in path:
        spreadsheet_id, _, rest = path.partition("/values/")
        for suffix, name in ((":append", "values.append"), (":clear", "values.clear")):
            if rest.endswith(suffix):
                return name, spreadsheet_id, unquote(rest[: -len(suffix)])
        return ("values.update" if method == "PUT" else "values.get"), spreadsheet_id, unquote(rest)
    for suffix, name in (("/values:batchGet", "values.batchGet"), ("/values:batchUpdate", "values.batchUpdate"),
                         ("/values:batchClear", "values.batchClear"), (":batchUpdate", "batchUpdate")):
        if path.endswith(suffix):
            return name, path[: -len(suffix)], ""
    return "get", path, ""


def _input_option(option: str) -> str:
    if option not in ("RAW", "USER_ENTERED"):
        raise ApiError(400, "Invalid valueInputOption: it must be RAW or USER_ENTERED")
    return option


def _convert(value: Any, option: str) -> Cell:
    if value is None:
        return ""
    return user_entered(value) if option == "USER_ENTERED" else value


def _bounds(tab: Tab, rng: Range) -> tuple[int, int, int, int]:
    used_rows, used_cols = tab.used()
    r1 = rng.r1 if rng.r1 is not None else 0
    c1 = rng.c1 if rng.c1 is not None else 0
    r2 = rng.r2 if rng.r2 is not None else used_rows
    c2 = rng.c2 if rng.c2 is not None else used_cols
    return r1, c1, min(r2, max(used_rows, r1)), min(c2, max(used_cols, c1))


def _grid_bounds(tab: Tab, rng: Range) -> tuple[int, int, int, int]:
    """The range as Google states it back: open ends closed by the grid (``A:A`` is ``A1:A1000``)."""
    r1 = rng.r1 if rng.r1 is not None else 0
    c1 = rng.c1 if rng.c1 is not None else 0
    r2 = rng.r2 if rng.r2 is not None else tab.row_count
    c2 = rng.c2 if rng.c2 is not None else tab.column_count
    return r1, c1, min(r2, tab.row_count), min(c2, tab.column_count)


def _a1_span(r1: int, c1: int, r2: int, c2: int) -> str:
    start = f"{column_letters(c1)}{r1 + 1}"
    end = f"{column_letters(max(c2, c1 + 1) - 1)}{max(r2, r1 + 1)}"
    return start if start == end else f"{start}:{end}"


def _normalised(sheet: Spreadsheet, range_text: str) -> str:
    """``Challenges!A1:AG1000`` for ``'Challenges'``: the title quoted only when needed, the grid's bounds."""
    rng = parse_range(range_text)
    tab = sheet.tab(rng.title, range_text)
    return f"{a1_title(tab.title)}!{_a1_span(*_grid_bounds(tab, rng))}"


def _value_range(sheet: Spreadsheet, range_text: str, option: str, major: str = "ROWS") -> dict:
    rng = parse_range(range_text)
    tab = sheet.tab(rng.title, range_text)
    r1, c1, r2, c2 = _bounds(tab, rng)
    rows = [[render(tab.get(r, c), option, sheet.locale) for c in range(c1, c2)] for r in range(r1, r2)]
    if major == "COLUMNS":  # each column top to bottom; its trailing blank cells left off, as rows' are
        rows = [list(column) for column in zip(*rows)]
    elif major != "ROWS":
        raise ApiError(400, f"Invalid value at 'major_dimension' ({major})")
    result: dict[str, Any] = {"range": _normalised(sheet, range_text), "majorDimension": major}
    values = trimmed(rows)
    if values:
        result["values"] = values
    return result


def _detect_table(tab: Tab, rng: Range) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The table Google finds from a range's start: the first row with data at or below it, from its
    first filled column, down to the last row with data (0-based start, end-exclusive end)."""
    r0, c0 = rng.r1 or 0, rng.c1 or 0
    used_rows, used_cols = tab.used()
    for r in range(r0, used_rows):
        filled = [c for c in range(c0, used_cols) if tab.get(r, c) != ""]
        if filled:
            return (r, filled[0]), (used_rows, used_cols)
    return None


def _check_fits(sheet: Spreadsheet, range_text: str, values: list[list[Any]]) -> None:
    rng = parse_range(range_text)
    tab = sheet.tab(rng.title, range_text)
    r1, c1 = rng.r1 or 0, rng.c1 or 0
    if r1 + len(values) > tab.row_count or any(c1 + len(row) > tab.column_count for row in values):
        raise ApiError(400, f"Range ({range_text}) exceeds grid limits. Max rows: {tab.row_count}, "
                            f"max columns: {tab.column_count}")


def _write(sheet: Spreadsheet, range_text: str, values: list[list[Any]], option: str) -> dict:
    _check_fits(sheet, range_text, values)
    rng = parse_range(range_text)
    tab = sheet.tab(rng.title)
    r1, c1 = rng.r1 or 0, rng.c1 or 0
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            tab.set(r1 + i, c1 + j, _convert(v, option))
    return {"spreadsheetId": sheet.id, "updatedRange": range_text, "updatedRows": len(values),
            "updatedColumns": max((len(r) for r in values), default=0),
            "updatedCells": sum(len(r) for r in values)}


def _clear(sheet: Spreadsheet, range_text: str) -> None:
    rng = parse_range(range_text)
    tab = sheet.tab(rng.title, range_text)
    r1, c1, r2, c2 = _bounds(tab, rng)
    for r in range(r1, r2):
        for c in range(c1, c2):
            if r < len(tab.rows) and c < len(tab.rows[r]):
                tab.rows[r][c] = ""


def _grid_data(tab: Tab, rng: Range, locale: str = "en_GB") -> dict:
    """A range's cells as Google sends them: ``rowData`` left out when the range holds nothing,
    an empty row as ``{}``, trailing empty cells and rows left out, zero start offsets left out."""
    r1, c1, r2, c2 = _bounds(tab, rng)
    row_data: list[dict[str, Any]] = []
    for r in range(r1, r2):
        cells = []
        for c in range(c1, c2):
            v = tab.get(r, c)
            cell: dict[str, Any] = {}
            if v != "":
                cell["formattedValue"] = render(v, "FORMATTED_VALUE", locale)
                if isinstance(v, str):
                    cell["userEnteredValue"] = {"stringValue": v}
                    cell["effectiveValue"] = {"stringValue": v}
                elif isinstance(v, Formula):
                    cell["userEnteredValue"] = {"formulaValue": v.text}
                    cell["effectiveValue"] = {"errorValue": {"type": "ERROR", "message": "Formula parse error."}}
                else:
                    cell["userEnteredValue"] = {"numberValue": render(v, "UNFORMATTED_VALUE")}
                    cell["effectiveValue"] = {"numberValue": render(v, "UNFORMATTED_VALUE")}
            cells.append(cell)
        while cells and not cells[-1]:
            cells.pop()
        row_data.append({"values": cells} if cells else {})
    while row_data and not row_data[-1]:
        row_data.pop()
    data: dict[str, Any] = {}
    if r1:
        data["startRow"] = r1
    if c1:
        data["startColumn"] = c1
    if row_data:
        data["rowData"] = row_data
    return data


def parse_field_mask(text: str) -> dict[str, Any]:
    """A ``fields`` mask as a tree: name -> sub-mask, or None for the whole value.
    ``sheets(properties(title),data.rowData.values.note)`` and ``sheets/data`` both work."""
    tree, _ = _parse_mask(text, 0)
    return tree


def _parse_mask(text: str, pos: int) -> tuple[dict[str, Any], int]:
    tree: dict[str, Any] = {}
    while pos < len(text):
        end = pos
        while end < len(text) and text[end] not in ",()":
            end += 1
        path, pos = text[pos:end].strip().replace("/", "."), end
        sub = None
        if pos < len(text) and text[pos] == "(":
            sub, pos = _parse_mask(text, pos + 1)
            pos += 1  # the closing parenthesis
        if path:
            _mask_insert(tree, path.split("."), sub)
        if pos < len(text) and text[pos] == ",":
            pos += 1
        elif pos < len(text) and text[pos] == ")":
            return tree, pos
    return tree, pos


def _mask_insert(tree: dict[str, Any], parts: list[str], sub: dict[str, Any] | None) -> None:
    head, rest = parts[0], parts[1:]
    if head in tree and tree[head] is None:
        return  # already the whole value
    if not rest and sub is None:
        tree[head] = None
        return
    child = tree.setdefault(head, {})
    if rest:
        _mask_insert(child, rest, sub)
    else:
        for key, value in (sub or {}).items():
            _mask_insert(child, [key], value)


def apply_field_mask(value: Any, mask: dict[str, Any] | None) -> Any:
    """Only the fields the mask names, as Google answers a request with ``fields``."""
    if mask is None:
        return value
    if isinstance(value, list):
        return [apply_field_mask(v, mask) for v in value]
    if isinstance(value, dict):
        return {k: apply_field_mask(v, mask[k]) for k, v in value.items() if k in mask}
    return value


def trimmed(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows without trailing blank cells, and without trailing blank rows."""
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] == "":
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOOKS_LIKE_A_CELL = re.compile(r"^[A-Za-z]{1,3}[0-9]+$|^R[0-9]*C[0-9]*$", re.IGNORECASE)


def a1_title(title: str) -> str:
    """A tab's name in an A1 range as Google writes it: quoted only when it has to be."""
    if _PLAIN_TITLE.match(title) and not _LOOKS_LIKE_A_CELL.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def _error(status: int, message: str) -> dict:
    return {"error": {"code": status, "message": message, "status": STATUS_NAMES.get(status, "UNKNOWN")}}


def _response(request: requests.PreparedRequest, status: int, payload: Any,
              headers: dict[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(payload).encode()
    response.headers = CaseInsensitiveDict({"Content-Type": "application/json; charset=UTF-8", **(headers or {})})
    response.request = request
    response.url = request.url or ""
    response.encoding = "utf-8"
    response.reason = "OK" if status == 200 else STATUS_NAMES.get(status, "Error")
    return response


def _html_response(request: requests.PreparedRequest, status: int) -> requests.Response:
    """A 5xx as Google's front end sends it at times: an HTML page, not JSON."""
    response = requests.Response()
    response.status_code = status
    response._content = (f"<!DOCTYPE html><html lang=en><meta charset=utf-8><title>Error {status} (Server Error)!!1"
                         f"</title><p><b>{status}.</b> <ins>That\u2019s an error.</ins><p>The server encountered "
                         "a temporary error and could not complete your request.<p>Please try again in 30 "
                         "seconds. <ins>That\u2019s all we know.</ins></html>").encode()
    response.headers = CaseInsensitiveDict({"Content-Type": "text/html; charset=UTF-8"})
    response.request = request
    response.url = request.url or ""
    response.encoding = "utf-8"
    response.reason = "Bad Gateway" if status == 502 else "Server Error"
    return response


class _Adapter(BaseAdapter):
    def __init__(self, api: FakeSheetsAPI):
        super().__init__()
        self.api = api

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        return self.api.handle(request)

    def close(self) -> None:
        pass


class _NoNetwork(BaseAdapter):
    """Any other URL fails loudly: a test never reaches the network."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        raise AssertionError(f"a test tried to reach the network: {request.method} {request.url}")

    def close(self) -> None:
        pass


def google_workbook(api: FakeSheetsAPI, partnership: Any, *, purpose: str = "web", policy: Any = None,
                    sleep: Any = None, clock: Any = None, store: Any = None, cache_seconds: float = 0.0,
                    limiter: Any = None, on_stale: Any = None) -> Any:
    """A GoogleWorkbook (gspread + our retry client) for ``partnership`` over this fake.

    The partnership's sheet becomes a Google one with a spreadsheet id (created empty in the
    fake if it is not there yet). ``sleep`` replaces time.sleep in the retry client, so retry
    tests take no time (by default nothing sleeps); ``clock`` replaces time.monotonic. ``store`` (a
    state store) keeps the layout between workbooks and the page cache's version. ``limiter`` paces
    the calls (``sheets.quota``), as a page (web) or the job (cron); ``on_stale`` is told the age
    of a cached copy a page is shown while the quota is in use.
    """
    from partnership.config import SheetConfig
    from sheets.google import GoogleWorkbook
    from sheets.http import POLICIES

    spreadsheet_id = partnership.sheet.spreadsheet_id or f"fake-{partnership.slug}"
    if spreadsheet_id not in api.spreadsheets:
        api.add_spreadsheet(spreadsheet_id, title=partnership.name)
    google = replace(partnership, sheet=SheetConfig("google", spreadsheet_id=spreadsheet_id))
    return GoogleWorkbook.for_session(google, api.session(), policy=policy or POLICIES[purpose],
                                      sleep=sleep or (lambda seconds: None), clock=clock, store=store,
                                      cache_seconds=cache_seconds, limiter=limiter,
                                      who="job" if purpose == "cron" else "page", on_stale=on_stale)


class StoppedClock:
    """A clock for ``google_workbook(clock=...)`` that stands still until a test moves ``now``."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
