"""The local workbook (.xlsx): raising a challenge, timed as the app does it, at 10,000 rows.

Run: .venv/bin/python benchmarks/local.py [--rows N] [--repeat N] [--turns N] [--cold N]

A new challenge costs the workbook what views.records.save_new asks of it on a web worker: open
the workbook, check a new random reference against the references it knows, and append the
challenge row and its History row in one write (brought up to date with the file first). Each
repetition is one such submission, timed as a whole.

The cases:
- "same worker": the worker that made the last write raises the next one (its parsed copy of the
  file is still current, as in a one-worker deployment).
- "two workers in turn": every submission is taken by the worker that did not write last
  (gunicorn -w 3), so each first brings its copy up to date with the other's rows.
- "a worker just started": no parsed copy at all, so the whole file is read first (not the goal:
  a worker does this once).
- "saved by LibreOffice": the same as "same worker", on a workbook a person opened and saved in
  LibreOffice Calc (shared strings, its own zip layout): its first write compresses each tab it
  changes whole; only when ``soffice`` is installed.

Wall-clock times include the two fsyncs and the rename of each of the two saves, which depend on
the disk; CPU times are this process's alone. The machine's load average is printed first:
figures taken while other work runs are slower.

Also printed: reading every tab cold with the app's reader beside python-calamine's.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sheets import local  # noqa: E402
from sheets.local import LocalWorkbook  # noqa: E402
from sheets.schema import (  # noqa: E402
    CHALLENGE_COLUMNS, CHALLENGES, COLUMNS, COMPLIANCE, HISTORY, REFERENCED_TABS, REMINDERS, SUBMISSION_ID,
)
from sheets.xlsx_read import read_grids  # noqa: E402
from views.records import new_reference  # noqa: E402

GOAL_MS = 50

DECISION = ("The decision to close the case at the strategy meeting did not take account of the school's "
            "report of three unexplained absences and the health visitor's concern about the home.")
OUTCOME = "A new strategy discussion with education and health present, and the case kept open meanwhile."


def challenge(i: int) -> dict[str, str]:
    """A challenge row with every column a raised one has, of realistic lengths."""
    values = {
        "Reference": f"PC-{i:06d}", "Raised on": "21/11/2026", "Raised by": f"Robin Raiser {i}",
        "Raiser role": "Named nurse", "Raiser agency": "Health", "Raiser email": f"robin.{i}@example.nhs.uk",
        "Line manager email": f"manager.{i % 97}@example.nhs.uk", "Other agency": "Children's social care",
        "Other professional": f"Sam Social {i % 311}", "Other professional email": f"sam.{i % 311}@example.gov.uk",
        "Other professional's line manager email": f"lead.{i % 53}@example.gov.uk", "Child or adult": "Child",
        "Case reference": f"CS-{100000 + i}", "Theme": "Case closure", "Decision challenged": DECISION,
        "Outcome sought": OUTCOME, "Concern arose on": "18/11/2026", "Step": str(1 + i % 4),
        "Step started": "21/11/2026", "Status": "on track", "Step due by": "26/11/2026",
        SUBMISSION_ID: f"{i:032x}",
    }
    return {c: values.get(c, "") for c in CHALLENGE_COLUMNS}


def history(i: int, action: str = "Raised") -> dict[str, str]:
    return {"When": "2026-11-21 09:00:00", "Reference": f"PC-{i:06d}", "Tab": CHALLENGES, "Action": action,
            "Step": "1", "By": f"robin.{i}@example.nhs.uk", "Details": "", "Happened on": "21/11/2026"}


def reminder(i: int, who: str) -> dict[str, str]:
    return {"Sent at": "2026-11-21 09:00:01", "Reference": f"PC-{i:06d}", "Step": "1", "Kind": "raised",
            "Recipient": f"{who}.{i}@example.gov.uk", "Due date": "26/11/2026",
            "Key": f"PC-{i:06d}|1|raised|{who}.{i}@example.gov.uk|26/11/2026"}


def build(path: Path, rows: int) -> None:
    """A workbook with ``rows`` challenges, two History rows and two Reminders rows for each."""
    book = LocalWorkbook(path)
    book.init()
    book.append_many({
        CHALLENGES: [challenge(i) for i in range(rows)],
        COMPLIANCE: [{c: v for c, v in challenge(i).items() if c in COLUMNS[COMPLIANCE]} for i in range(rows // 10)],
        HISTORY: [history(i, a) for i in range(rows) for a in ("Raised", "Step 2 started")],
        REMINDERS: [reminder(i, w) for i in range(rows) for w in ("sam", "lead")],
    })
    local.COPIES.clear()


def raise_one(path: Path, i: int, copies: local.FileCopies = local.COPIES) -> None:
    """What one submission asks of the workbook (views.records.save_new): a new reference checked
    against the references it knows, then the row and its History row in one write. (A double
    submit is caught by the state store, and the emails sent at once go to its sent journal.)"""
    book = LocalWorkbook(path, copies=copies)
    new_reference("PC", book.known_references(REFERENCED_TABS))
    with book.batch():
        book.append_many({CHALLENGES: [challenge(i)], HISTORY: [history(i)]})


def timed(path: Path, first: int, repeat: int,
          worker: Callable[[int], local.FileCopies] = lambda n: local.COPIES) -> tuple[list[float], list[float]]:
    """(wall-clock seconds, CPU seconds of this process) of each of ``repeat`` submissions, the
    n-th taken by the web worker whose parsed copies of files are ``worker(n)``."""
    wall, cpu = [], []
    for n in range(repeat):
        copies = worker(n)
        start, start_cpu = time.perf_counter(), time.process_time()
        raise_one(path, first + n, copies)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def two_workers() -> Callable[[int], local.FileCopies]:
    """Submissions taken in turn by two web workers (each process has its own parsed copy of the file)."""
    copies = (local.FileCopies(), local.FileCopies())
    return lambda n: copies[n % 2]


def cold_worker(n: int) -> local.FileCopies:
    return local.FileCopies()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def line(label: str, times: tuple[list[float], list[float]], goal: bool = True) -> str:
    wall, cpu = times
    p50, p95 = statistics.median(wall) * 1000, percentile(wall, 95) * 1000
    verdict = f"   (goal p95 < {GOAL_MS} ms: {'meets' if p95 < GOAL_MS else 'MISSES'})" if goal else ""
    return f"  {label:<34} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  max {max(wall) * 1000:7.1f} ms  " \
           f"CPU p50 {statistics.median(cpu) * 1000:6.1f} ms  p95 {percentile(cpu, 95) * 1000:6.1f} ms{verdict}"


def libreoffice_copy(path: Path, folder: Path) -> Path | None:
    """The workbook opened and saved by LibreOffice Calc, or None without LibreOffice."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return None
    out = folder / "saved"
    out.mkdir()
    subprocess.run([soffice, f"-env:UserInstallation=file://{folder}/profile", "--headless", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=600)
    return out / path.name


def cold_reads(path: Path, repeat: int = 5) -> tuple[float, float]:
    """Seconds to read every tab of the file: the app's reader, python-calamine (best of ``repeat``)."""
    import python_calamine

    ours, calamine = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        read_grids(path)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
        calamine.append(time.perf_counter() - start)
    return min(ours), min(calamine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--turns", type=int, help="submissions by two workers in turn (default: --repeat)")
    parser.add_argument("--cold", type=int, default=20, help="submissions on a worker just started")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "book.xlsx"
        start = time.perf_counter()
        build(path, args.rows)
        print(f"Load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"Local workbook: {args.rows:,} challenges ({args.rows // 10:,} compliance, {2 * args.rows:,} History "
              f"and {2 * args.rows:,} Reminders rows), {path.stat().st_size / 2**20:.1f} MB, "
              f"built in {time.perf_counter() - start:.1f} s")
        print(f"New challenge (its reference checked, its row and History row appended in one write), "
              f"{args.repeat} times:")
        raise_one(path, args.rows)  # the worker's first request reads the file
        n = args.rows + 1
        print(line("same worker", timed(path, n, args.repeat)), flush=True)
        n += args.repeat
        workers = two_workers()
        for i in range(2):
            raise_one(path, n + i, workers(i))  # each worker has read the file once
        n += 2
        turns = args.turns or args.repeat
        print(line(f"two workers in turn ({turns})", timed(path, n, turns, worker=workers)), flush=True)
        n += turns
        print(line("a worker just started (no copy)", timed(path, n, args.cold, worker=cold_worker), goal=False),
              flush=True)
        ours, calamine = cold_reads(path)
        print(f"Reading every tab cold: the app's reader (read_grids) {ours * 1000:.0f} ms, "
              f"python-calamine {calamine * 1000:.0f} ms "
              f"(best of 5)", flush=True)
        saved = libreoffice_copy(path, folder)
        if saved is None:
            print("  saved by LibreOffice: skipped (soffice is not installed)")
            return
        local.COPIES.clear()
        raise_one(saved, 10 * args.rows)
        print(line("saved by LibreOffice, same worker", timed(saved, 10 * args.rows + 1, args.repeat // 2)))
        ours, calamine = cold_reads(saved)
        print(f"Reading every tab cold, saved by LibreOffice: the app's reader {ours * 1000:.0f} ms, "
              f"python-calamine {calamine * 1000:.0f} ms (best of 5)")


if __name__ == "__main__":
    main()
