"""Spreadsheet layer figures: API calls per job run and per submission, and local append times.

Run: .venv/bin/python benchmarks/sheets.py

The Google figures come from gspread + our retry client over the in-process fake Sheets API
(tests/fakesheets.py), counting the requests it receives: a job must cost the same number of
calls at every row count. The local figures time the .xlsx workbook on this machine: append,
update and write_summary change only the tab's XML part, so they should stay well under a second
at 10,000 rows (a full openpyxl load and save takes seconds).
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from procedures.config import load_partnership  # noqa: E402
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


def google_figures(rows: int, partnership) -> tuple[dict[str, int], int, int, int]:
    """(calls for a job run by endpoint, calls per submission on a fresh workbook, writes per submission, total)"""
    api = FakeSheetsAPI()
    tabs = {tab: [list(COLUMNS[tab])] + [row(tab, i) for i in range(rows)] for tab in (CHALLENGES, HISTORY)}
    tabs[COMPLIANCE] = [list(COLUMNS[COMPLIANCE])] + [row(COMPLIANCE, i) for i in range(max(rows // 10, 1))]
    tabs[REMINDERS] = [list(COLUMNS[REMINDERS])] + [row(REMINDERS, i) for i in range(rows)]
    tabs[SUMMARY] = []
    tabs[LISTS] = [list(COLUMNS[LISTS]), ["Police", "Timeliness", "bs@example.gov.uk"]]
    api.add_spreadsheet("bench", tabs)
    partnership = partnership.__class__(**{**partnership.__dict__, "sheet": partnership.sheet.__class__(
        "google", spreadsheet_id="bench")})
    # A job run: read every tab, write Status and Step due by on every challenge row, rewrite Summary.
    job = google_workbook(api, partnership, purpose="cron")
    tables = job.read_all()
    changes = {
        tab: {r.reference: {STATUS: "overdue", STEP_DUE_BY: "2026-12-01"} for r in tables[tab].records}
        for tab in (CHALLENGES, COMPLIANCE)
    }
    job.update(changes)
    job.write_summary(SummaryTable(rows=(("Challenges",), ("Raised", str(rows))), bold=frozenset({0})))
    job_calls = dict(api.calls)
    # A form submission on a fresh workbook (one per request), as views.records.save_new makes it:
    # read the challenge tabs (double-submit and reference checks), then the row and its History row.
    api.reset_counts()
    book = google_workbook(api, partnership)
    book.read_all([CHALLENGES, COMPLIANCE])
    book.append_many({CHALLENGES: [dict(zip(CHALLENGE_COLUMNS, row(CHALLENGES, rows)))],
                      HISTORY: [{"Reference": f"R{rows}", "Action": "Raised"}]})
    per_submission = sum(api.calls.values())
    writes = sum(n for name, n in api.calls.items() if name in WRITES)
    return job_calls, per_submission, writes, sum(job_calls.values())


def local_append_seconds(rows: int) -> tuple[float, float, float]:
    """(first append after start, including reading the file; next append; reading every tab) in seconds."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "book.xlsx"
        book = LocalWorkbook(path)
        book.init()
        book.append(CHALLENGES, [dict(zip(CHALLENGE_COLUMNS, row(CHALLENGES, i))) for i in range(rows)])
        local._STATES.clear()  # as a freshly started worker: nothing cached
        book = LocalWorkbook(path)
        start = time.perf_counter()
        book.append(CHALLENGES, [dict(zip(CHALLENGE_COLUMNS, row(CHALLENGES, rows)))])
        first = time.perf_counter() - start
        start = time.perf_counter()
        book.append(CHALLENGES, [dict(zip(CHALLENGE_COLUMNS, row(CHALLENGES, rows + 1)))])
        second = time.perf_counter() - start
        local._STATES.clear()
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
        local._STATES.clear()
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


def main() -> None:
    partnership = load_partnership(ROOT / "partnerships" / "demo.toml", base_dir=Path(tempfile.gettempdir()))
    print("Google Sheets (gspread over the fake API): calls per job run and per submission")
    print(f"{'rows':>8}  {'job calls':>9}  {'by endpoint':<72}  {'submission':>10}")
    for rows in (100, 10_000, 100_000):  # noqa: B007
        job, submission, appends, total = google_figures(rows, partnership)
        by = ", ".join(f"{k} {v}" for k, v in sorted(job.items()))
        print(f"{rows:>8,}  {total:>9}  {by:<72}  {submission:>3} ({appends} write)")
    print()
    print("Local workbook (.xlsx): one append with the challenge tab at")
    print(f"{'rows':>8}  {'first append (cold)':>20}  {'next append':>12}  {'read every tab (cold)':>22}")
    for rows in (1_000, 10_000):
        first, second, read = local_append_seconds(rows)
        print(f"{rows:>8,}  {first:>19.3f}s  {second:>11.3f}s  {read:>21.3f}s")
    print()
    print("Local workbook (.xlsx): update and write_summary with the challenge tab at")
    print(f"{'rows':>8}  {'update 4 cells of one row':>25}  {'update 3 job columns of every row':>33}  "
          f"{'(again, replacing)':>18}  {'write_summary':>13}")
    for rows in (1_000, 10_000):
        few, every, again, summary = local_write_seconds(rows)
        print(f"{rows:>8,}  {few:>24.3f}s  {every:>32.3f}s  {again:>17.3f}s  {summary:>12.3f}s")


if __name__ == "__main__":
    main()
