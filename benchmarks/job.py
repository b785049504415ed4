"""The daily job's cost at 1,000, 10,000 and 100,000 challenges, on the in-process fake Sheets API.

Each run is what ``flask jobs run`` does for one partnership: one read of the columns the job
uses, the reminders, the Summary tab, and one write. Prints, for each size and for a first run
(every email due is sent) and a second run the same day (nothing left to send): wall time, CPU
time of the whole process, CPU time of the job alone (the whole minus the time the fake API
spends building and parsing its own JSON), the part of it spent on the Summary tab, and the
Sheets API calls, which must not grow with the number of rows. The run with nothing to send is
made several times (``--repeats``, 5), and the median of the job's own CPU is printed with the
goal for it at 100,000 rows beside it.

    .venv/bin/python benchmarks/job.py            # 1,000, 10,000 and 100,000
    .venv/bin/python benchmarks/job.py 100000     # one size
    .venv/bin/python benchmarks/job.py 100000 --repeats 9
    .venv/bin/python benchmarks/job.py 100000 --profile
"""
from __future__ import annotations

import cProfile
import datetime as dt
import pstats
import random
import statistics
import sys
import tempfile
import time
from unittest import mock
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jobs.run  # noqa: E402
from jobs.reminders import job_tabs  # noqa: E402
from jobs.run import read_remind_write  # noqa: E402
from partnership.config import parse_partnership  # noqa: E402
from reports.summary import run_summary  # noqa: E402
from sheets.google import GoogleWorkbook  # noqa: E402
from state import open_store  # noqa: E402
from sheets.schema import CHALLENGE_COLUMNS, COLUMNS, COMPLIANCE, COMPLIANCE_COLUMNS, TABS  # noqa: E402
from tests.fakesheets import FakeSheetsAPI  # noqa: E402

TODAY = dt.date(2027, 3, 30)  # the Tuesday after Easter Monday 2027
GOAL_ROWS, GOAL_SECONDS = 100_000, 1.0  # the job's own CPU with nothing to send
PARTNERSHIP = parse_partnership("benchmark.toml", {
    "slug": "bench", "name": "Benchmark Partnership", "nation": "ENG", "procedure": "pan-cheshire",
    "compliance_procedure": "durham-iro", "sheet": {"backend": "google", "spreadsheet_id": "bench"},
    "email": {"from": "c@bench.example", "business_support": "bs@bench.example",
              "partnership_manager": "pm@bench.example"}}, Path("."))


def challenge_rows(n: int, seed: int = 1) -> list[list[str]]:
    """``n`` invented challenges raised over the last six months, at every step; most of those
    older than six weeks resolved, as in a sheet that is being kept."""
    rng = random.Random(seed)
    index = {name: i for i, name in enumerate(CHALLENGE_COLUMNS)}
    rows = [list(CHALLENGE_COLUMNS)]
    for i in range(n):
        raised = TODAY - dt.timedelta(days=rng.randrange(0, 180))
        step = rng.choice((1, 1, 2, 2, 3, 4))
        row = [""] * len(CHALLENGE_COLUMNS)
        row[index["Reference"]] = f"BENCH-{i:06d}"
        row[index["Raised on"]] = f"{raised:%d/%m/%Y}"
        row[index["Step"]] = str(step)
        if step > 1:
            row[index["Step started"]] = f"{raised + dt.timedelta(days=2 * step):%d/%m/%Y}"
        row[index["Raiser email"]] = f"raiser{i % 500}@agency.example"
        row[index["Line manager email"]] = f"manager{i % 200}@agency.example"
        row[index["Case reference"]] = f"CASE-{i}"
        row[index["Other agency"]] = f"Agency {i % 40}"
        if rng.random() < (0.9 if (TODAY - raised).days > 42 else 0.1):
            row[index["Resolved on"]] = f"{raised + dt.timedelta(days=rng.randrange(1, 20)):%d/%m/%Y}"
        rows.append(row)
    return rows


def compliance_rows(n: int) -> list[list[str]]:
    index = {name: i for i, name in enumerate(COMPLIANCE_COLUMNS)}
    rows = [list(COMPLIANCE_COLUMNS)]
    for i in range(n):
        row = [""] * len(COMPLIANCE_COLUMNS)
        raised = TODAY - dt.timedelta(days=i % 60)
        row[index["Reference"]] = f"BENCH-C-{i:05d}"
        row[index["Raised on"]] = raised.isoformat()
        row[index["Step"]] = "2"
        row[index["Step started"]] = raised.isoformat()
        row[index["IRO email"]] = "iro@bench.example"
        row[index["Line manager email"]] = f"lm{i % 50}@agency.example"
        row[index["Professional agency"]] = f"Agency {i % 30}"
        rows.append(row)
    return rows


class TimedAPI(FakeSheetsAPI):
    """The fake, timing its own work so it can be told apart from the job's."""

    def __init__(self) -> None:
        super().__init__()
        self.own_cpu = 0.0

    def handle(self, request):
        start = time.process_time()
        try:
            return super().handle(request)
        finally:
            self.own_cpu += time.process_time() - start


def one_run(api: TimedAPI, label: str, n: int, profile: bool, store: Any = None) -> tuple[float, int]:
    # As ``flask jobs run`` opens it: with the state store, where the tabs' layout is kept between runs.
    workbook = GoogleWorkbook.for_session(PARTNERSHIP, api.session(), store=store)
    sent = 0

    def send(email) -> None:
        nonlocal sent
        sent += 1

    api.reset_counts()
    api.own_cpu = 0.0
    profiler = cProfile.Profile() if profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    # What jobs.run does: one read, then the reminders and the Summary tab as one write.
    summary_time = time.process_time
    summary_cpu = 0.0

    def timed_summary(*args, **kwargs):
        nonlocal summary_cpu
        start, api_start = summary_time(), api.own_cpu
        try:
            return run_summary(*args, **kwargs)
        finally:
            summary_cpu += summary_time() - start - (api.own_cpu - api_start)

    with mock.patch.object(jobs.run, "run_summary", timed_summary):
        result, _ = read_remind_write(PARTNERSHIP, workbook, TODAY, send=send,
                                      base_url="https://challenges.example.org")
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    calls = sum(api.calls.values())
    detail = ", ".join(f"{name} {count}" for name, count in sorted(api.calls.items()))
    job_cpu = cpu - api.own_cpu
    print(f"{n:>9,} {label:<13} wall {wall:6.2f} s  cpu {cpu:6.2f} s  job cpu {job_cpu:6.2f} s  "
          f"of which Summary {summary_cpu:5.2f} s  API calls {calls} ({detail})  emails {sent:,}  "
          f"problems {len(result.problems)}", flush=True)
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return job_cpu, sent


def main() -> None:
    args = sys.argv[1:]
    repeats = int(args[args.index("--repeats") + 1]) if "--repeats" in args else 5
    sizes = [int(a) for i, a in enumerate(args) if a.isdigit() and (i == 0 or args[i - 1] != "--repeats")] \
        or [1_000, 10_000, 100_000]
    profile = "--profile" in args
    print(f"The daily job on {TODAY:%A %d %B %Y}, Pan Cheshire challenges plus 500 Durham compliance challenges")
    for n in sizes:
        api = TimedAPI()
        tabs = {tab: [list(COLUMNS[tab])] for tab in TABS}
        tabs["Challenges"] = challenge_rows(n)
        tabs[COMPLIANCE] = compliance_rows(500)
        api.add_spreadsheet("bench", tabs)
        assert set(job_tabs(PARTNERSHIP)) <= set(tabs)
        with tempfile.TemporaryDirectory() as folder:
            store = open_store(f"sqlite:///{folder}/state.sqlite3")
            one_run(api, "first run", n, profile, store)
            # Nothing left to send: run again the same day, several times (one figure on a shared
            # machine can be a quarter off either way); the median is the figure.
            again = [one_run(api, f"again ({i + 1}/{repeats})", n, profile, store) for i in range(repeats)]
            cpus = sorted(cpu for cpu, sent in again if not sent)
            if cpus:
                median = statistics.median(cpus)
                met = "met" if median < GOAL_SECONDS else "NOT met"
                goal = f"  goal < {GOAL_SECONDS:g} s at {GOAL_ROWS:,} rows: {met}" if n == GOAL_ROWS else ""
                print(f"{n:>9,} nothing to send: job cpu median {median:.2f} s of {len(cpus)} runs "
                      f"({cpus[0]:.2f} to {cpus[-1]:.2f} s){goal}", flush=True)


if __name__ == "__main__":
    main()
