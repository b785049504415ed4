"""Retention figures: Sheets API calls and local workbook time for one retention run.

Run: .venv/bin/python benchmarks/retention.py

Each workbook holds N challenges (half closed long before the cutoff, a quarter closed recently,
a quarter open), each with two History rows and one Reminders row. A run must cost the same
number of Google calls at every row count (one read, one read before the clear, one clear, one
append of History rows); the local .xlsx figures time the same run on this machine.
"""
from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jobs.retention import run_retention  # noqa: E402
from partnership.config import RetentionConfig, SheetConfig, load_partnership  # noqa: E402
from sheets import local  # noqa: E402
from sheets.base import Workbook  # noqa: E402
from sheets.local import LocalWorkbook  # noqa: E402
from sheets.schema import CHALLENGES, HISTORY, REMINDERS  # noqa: E402
from tests.fakesheets import FakeSheetsAPI, google_workbook  # noqa: E402

TODAY = dt.date(2026, 11, 30)
SIZES = (1_000, 10_000)


def fill(book: Workbook, n: int) -> None:
    book.init()
    challenges, history, reminders = [], [], []
    for i in range(n):
        ref = f"PC-{i:06d}"
        kind = i % 4
        resolved = {0: "2023-03-01", 1: "2023-06-01", 2: "2026-10-01", 3: ""}[kind]
        challenges.append({"Reference": ref, "Raised on": "2023-01-10" if kind < 2 else "2026-09-01", "Step": "2",
                           "Raised by": f"Person {i}", "Raiser email": f"p{i}@example.nhs.uk",
                           "Case reference": f"CASE-{i}", "Decision challenged": "Some words", "Theme": "Timeliness",
                           "Other agency": "Police", "Resolved on": resolved, "Outcome": "Done" if resolved else ""})
        history += [{"When": "2023-01-10 09:00", "Reference": ref, "Tab": CHALLENGES, "Action": a, "Step": "1",
                     "By": f"p{i}@example.nhs.uk", "Details": "Notes"} for a in ("Raised", "Conversation")]
        reminders.append({"Sent at": "2023-01-11 07:00:00", "Reference": ref, "Step": "1", "Kind": "due soon",
                          "Recipient": f"p{i}@example.nhs.uk", "Due date": "2023-01-11", "Key": f"{ref}|k"})
    book.append(CHALLENGES, challenges)
    book.append(HISTORY, history)
    book.append(REMINDERS, reminders)


def main() -> None:
    demo = load_partnership(ROOT / "partnerships" / "demo.toml", base_dir=Path(tempfile.gettempdir()))
    partnership = replace(demo, retention=RetentionConfig(24))
    print(f"Retention run on {TODAY} keeping 24 months; half the challenges closed before the cutoff")
    print(f"{'challenges':>10}  {'anonymised':>10}  {'cells':>7}  {'Google calls':>12}  {'local s':>8}  {'2nd run s':>9}")
    for n in SIZES:
        api = FakeSheetsAPI()
        google = replace(partnership, sheet=SheetConfig("google", spreadsheet_id="bench"))
        fill(google_workbook(api, google), n)
        api.reset_counts()
        result = run_retention(google_workbook(api, google, purpose="cron"), google, TODAY)
        calls = sum(api.calls.values())
        by_endpoint = ", ".join(f"{k} {v}" for k, v in sorted(api.calls.items()))
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "book.xlsx"
            fill(LocalWorkbook(path), n)
            local.COPIES.clear()  # a fresh process, as cron starts
            start = time.perf_counter()
            run_retention(LocalWorkbook(path), partnership, TODAY)
            seconds = time.perf_counter() - start
            start = time.perf_counter()
            again = run_retention(LocalWorkbook(path), partnership, TODAY)
            second = time.perf_counter() - start
            assert not again.plan.anonymise
        print(f"{n:>10,}  {len(result.plan.anonymise):>10,}  {len(result.plan.cells):>7,}  {calls:>12}  "
              f"{seconds:>8.2f}  {second:>9.2f}   ({by_endpoint})")


if __name__ == "__main__":
    main()
