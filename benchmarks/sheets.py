"""Spreadsheet layer figures: API calls per job run and per submission, and local append times.

Run: .venv/bin/python benchmarks/sheets.py [--local] [--repeat N]

``--local`` prints only the local workbook's figures (seconds, not minutes); ``--repeat N`` times
each local figure N times and prints the median (default 1: one run each).

The Google figures come from gspread + our retry client over the in-process fake Sheets API
(tests/fakesheets.py), counting the requests it receives: a job must cost the same number of
calls at every row count. The local figures time the .xlsx workbook on this machine: append,
update and write_summary change only the tab's XML part, so they should stay well under a second
at 10,000 rows (a full openpyxl load and save takes seconds).
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from partnership import partnerships_of  # noqa: E402
from partnership.config import SheetConfig, load_partnership  # noqa: E402
from sheets import local  # noqa: E402
from sheets.base import SummaryTable  # noqa: E402
from sheets.local import LocalWorkbook  # noqa: E402
from sheets.schema import (  # noqa: E402
    CHALLENGE_COLUMNS, CHALLENGES, COLUMNS, COMPLIANCE, HISTORY, LAST_REMINDER, LISTS, RAISED_ON, REFERENCE, REMINDERS,
    STATUS, STEP, STEP_DUE_BY, STEP_STARTED, SUMMARY,
)
from tests.fakesheets import FakeSheetsAPI, google_workbook  # noqa: E402

FILLED = (REFERENCE, RAISED_ON, "Raised by", "Raiser email", "Other agency", "Case reference", "Theme", STEP)


def row(tab: str, i: int) -> list[str]:
    headers = COLUMNS[tab]
    values = {REFERENCE: f"PC-{i:06d}", RAISED_ON: "21/11/2026", "Raised by": f"Person {i}",
              "Raiser email": f"p{i}@example.nhs.uk", "Other agency": "Police", "Case reference": f"CASE-{i}",
              "Theme": "Timeliness", STEP: "2", "When": "2026-11-21 09:00", "Action": "Raised",
              "Sent at": "2026-11-21 07:00", "Kind": "due soon", "Key": f"k{i}"}
    return [values.get(h, "") for h in headers]


WRITES = ("batchUpdate", "values.batchUpdate", "values.append", "values.update", "values.clear")


GOALS = {"job": "2: one read, one write", "new challenge": "1 (the write)",
         "recorded step": "1 write + at most 1 read", "page view": "at most 1; 0 viewed again",
         "page view again": "0 within SHEET_CACHE_SECONDS"}


def google_sheet(api: FakeSheetsAPI, rows: int, spreadsheet_id: str = "bench") -> None:
    tabs = {tab: [list(COLUMNS[tab])] + [row(tab, i) for i in range(rows)] for tab in (CHALLENGES, HISTORY)}
    tabs[COMPLIANCE] = [list(COLUMNS[COMPLIANCE])] + [row(COMPLIANCE, i) for i in range(max(rows // 10, 1))]
    tabs[REMINDERS] = [list(COLUMNS[REMINDERS])] + [row(REMINDERS, i) for i in range(rows)]
    tabs[SUMMARY] = []
    tabs[LISTS] = [list(COLUMNS[LISTS]), ["Police", "Timeliness", "bs@example.gov.uk"]]
    api.add_spreadsheet(spreadsheet_id, tabs)


def job_calls(rows: int, partnership, folder: Path) -> dict[str, int]:
    """Calls of the daily job (jobs.run, as cron runs it: a new process, the layout in the state
    store) on a sheet of ``rows`` challenges, the second run of a day; by endpoint."""
    import datetime as dt

    from jobs.run import _run_locked
    from state import open_store

    api = FakeSheetsAPI()
    google_sheet(api, rows)
    google = replace(partnership, sheet=SheetConfig("google", spreadsheet_id="bench"))
    config = {"STATE_URL": f"sqlite:///{folder}/state-{rows}.sqlite3", "BASE_URL": "https://example.org"}
    store = open_store(config["STATE_URL"])
    google_workbook(api, google, store=store).init()  # as `flask sheet init` leaves it: the layout kept
    for _ in range(2):
        api.reset_counts()
        book = google_workbook(api, google, purpose="cron", store=store)
        _run_locked(google, book, dt.date(2026, 12, 1), config=config, dry_run=False,
                    echo=lambda *a, **k: None, send=lambda email: None)
    return dict(api.calls)


def page_calls(rows: int, folder: Path) -> dict[str, dict[str, int]]:
    """Calls per request through the app (views as they are, SHEET_CACHE_SECONDS 30): a new
    challenge, a recorded step, a page view and the same page viewed again."""
    import logging

    from app import create_app
    from sheets.google import forget_cached_pages
    from state import store_for
    from views import records

    logging.disable(logging.WARNING)
    (folder / "partnerships").mkdir(parents=True, exist_ok=True)
    (folder / "partnerships" / "demo.toml").write_text((ROOT / "partnerships" / "demo.toml").read_text())
    app = create_app({"SECRET_KEY": "bench", "PARTNERSHIPS_DIR": str(folder / "partnerships"),
                      "BASE_DIR": str(folder), "MAIL_OUTBOX_DIR": str(folder / "outbox"),
                      "STATE_URL": f"sqlite:///{folder}/app-{rows}.sqlite3", "SESSION_COOKIE_SECURE": False,
                      "LOCAL_DEV": True, "RATELIMIT_ENABLED": False, "SHEET_CACHE_SECONDS": 30})
    partnership = partnerships_of(app)["demo"]
    api = FakeSheetsAPI()
    google_sheet(api, rows, "fake-demo")
    store = store_for(app.config)
    google_workbook(api, partnership, store=store).init()
    forget_cached_pages()
    records.workbook = lambda p: google_workbook(api, p, store=store, cache_seconds=30)
    client = app.test_client()
    email = "p5@example.nhs.uk"  # the raiser of PC-000005
    with client.session_transaction() as s:
        s["user"] = {"email": email, "partnership": "demo", "role": "practitioner", "reference": None}
        s["seen"] = int(time.time())
    measured: dict[str, dict[str, int]] = {}

    def measure(name: str, request) -> None:
        api.reset_counts()
        response = request()
        assert response.status_code in (200, 302), (name, response.status_code)
        measured[name] = dict(api.calls)

    today = __import__("datetime").date.today()
    form = client.get("/demo/challenges/new/check").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    answers = {"csrf_token": token, "immediate_risk": "no", "raiser_name": "Bench Person", "raiser_role": "Nurse",
               "raiser_agency": "Police", "line_manager_email": "lead@example.nhs.uk", "other_agency": "Police",
               "other_professional": "Sergeant", "other_professional_email": "sgt@example.police.uk",
               "child_or_adult": "Child", "case_reference": "CASE-X", "theme": "Timeliness",
               "decision": "A decision", "outcome_sought": "An outcome",
               "concern_arose": [str(today.day), str(today.month), str(today.year)]}
    client.get("/demo/challenges/PC-000005")  # the page cache filled, as when a person opens a page first
    measure("new challenge", lambda: client.post("/demo/challenges/new", data=answers))
    measure("page view", lambda: client.get("/demo/challenges/PC-000005"))
    measure("page view again", lambda: client.get("/demo/challenges/PC-000005"))
    conversation = client.get("/demo/challenges/PC-000005/conversation").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', conversation).group(1)
    measure("recorded step", lambda: client.post("/demo/challenges/PC-000005/conversation", data={
        "csrf_token": token, "held_on": [str(today.day), str(today.month), str(today.year)],
        "with_whom": "Duty manager", "notes": "Agreed"}))
    forget_cached_pages()
    return measured


def local_append_seconds(rows: int) -> tuple[float, float, float]:
    """(first append after start, including reading the file; next append; reading every tab) in seconds."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "book.xlsx"
        book = LocalWorkbook(path)
        book.init()
        book.append(CHALLENGES, [dict(zip(CHALLENGE_COLUMNS, row(CHALLENGES, i))) for i in range(rows)])
        local.COPIES.clear()  # as a freshly started worker: nothing cached
        book = LocalWorkbook(path)
        start = time.perf_counter()
        book.append(CHALLENGES, [dict(zip(CHALLENGE_COLUMNS, row(CHALLENGES, rows)))])
        first = time.perf_counter() - start
        start = time.perf_counter()
        book.append(CHALLENGES, [dict(zip(CHALLENGE_COLUMNS, row(CHALLENGES, rows + 1)))])
        second = time.perf_counter() - start
        local.COPIES.clear()
        start = time.perf_counter()
        LocalWorkbook(path).read_all()
        read = time.perf_counter() - start
        return first, second, read


def local_write_seconds(rows: int) -> tuple[float, float, float, float]:
    """(update of a few cells of one row, as a step recorded from a page; update of every row's three
    job columns, first when they are empty, then again replacing them; writing a 30-row Summary tab)
    in seconds.

    Each on a worker that has already read the file, as a web request or the daily job has.
    """
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "book.xlsx"
        book = LocalWorkbook(path)
        book.init()
        book.append(CHALLENGES, [dict(zip(CHALLENGE_COLUMNS, row(CHALLENGES, i))) for i in range(rows)])
        local.COPIES.clear()
        book = LocalWorkbook(path)
        tables = book.read_all()
        step = {CHALLENGES: {f"PC-{rows // 2:06d}": {STEP: "3", STEP_STARTED: "2026-11-22",
                                                     "Escalated to": "Team manager", STATUS: "on track"}}}
        start = time.perf_counter()
        book.update(step)
        few = time.perf_counter() - start
        job = {CHALLENGES: {r.reference: {STATUS: "overdue", STEP_DUE_BY: "2026-12-01", LAST_REMINDER: "2026-11-22"}
                            for r in tables[CHALLENGES].records}}
        start = time.perf_counter()
        book.update(job)
        every = time.perf_counter() - start
        for changes in job[CHALLENGES].values():
            changes[STATUS] = "on track"
        start = time.perf_counter()
        book.update(job)
        again = time.perf_counter() - start
        summary = SummaryTable(rows=(("Challenges this period", "Raised", "Resolved"),)
                               + tuple((f"Agency {i}", str(i), str(i // 2)) for i in range(29)), bold=frozenset({0}))
        start = time.perf_counter()
        book.write_summary(summary)
        return few, every, again, time.perf_counter() - start


def _by(calls: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(calls.items())) or "none"


def _median(measure, repeat: int) -> tuple[float, ...]:
    """Each figure of ``measure()`` as the median of ``repeat`` runs."""
    runs = [measure() for _ in range(repeat)]
    return tuple(statistics.median(figures) for figures in zip(*runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--local", action="store_true", help="only the local workbook's figures")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each local figure (the median is printed)")
    args = parser.parse_args()
    if not args.local:
        google_figures()
    print("Local workbook (.xlsx): one append with the challenge tab at"
          + (f" (median of {args.repeat} runs)" if args.repeat > 1 else ""))
    print(f"{'rows':>8}  {'first append (cold)':>20}  {'next append':>12}  {'read every tab (cold)':>22}")
    for rows in (1_000, 10_000):
        first, second, read = _median(lambda: local_append_seconds(rows), args.repeat)
        print(f"{rows:>8,}  {first:>19.3f}s  {second:>11.3f}s  {read:>21.3f}s")
    print()
    print("Local workbook (.xlsx): update and write_summary with the challenge tab at")
    print(f"{'rows':>8}  {'update 4 cells of one row':>25}  {'update 3 job columns of every row':>33}  "
          f"{'(again, replacing)':>18}  {'write_summary':>13}")
    for rows in (1_000, 10_000):
        few, every, again, summary = _median(lambda: local_write_seconds(rows), args.repeat)
        print(f"{rows:>8,}  {few:>24.3f}s  {every:>32.3f}s  {again:>17.3f}s  {summary:>12.3f}s")


def google_figures() -> None:
    partnership = load_partnership(ROOT / "partnerships" / "demo.toml", base_dir=Path(tempfile.gettempdir()))
    print("Google Sheets (gspread over the fake API): Sheets API calls, by endpoint")
    print(f"{'rows':>8}  {'what':<16}  {'calls':>5}  {'by endpoint':<44}  goal")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in (100, 10_000, 100_000):
            job = job_calls(rows, partnership, Path(tmp))
            print(f"{rows:>8,}  {'job (2nd run)':<16}  {sum(job.values()):>5}  {_by(job):<44}  {GOALS['job']}")
        for rows in (100, 10_000):
            for name, calls in page_calls(rows, Path(tmp) / f"app-{rows}").items():
                print(f"{rows:>8,}  {name:<16}  {sum(calls.values()):>5}  {_by(calls):<44}  {GOALS[name]}")
    print()


if __name__ == "__main__":
    main()
