"""A nation on one quota: 150 partnerships x 10,000 challenges, one service account, one night.

Every partnership's sheet is on ONE in-process fake Sheets API, which enforces Google's 60 read
and 60 write requests a minute per user on a simulated clock (a refused call gets Google's 429).
The nightly job runs for every partnership in turn, its calls paced by the app's limiter
(``sheets.quota``, the state store's sliding windows; 58 a minute, 5 kept for pages, 10 left to the
job while it runs); meanwhile 20
people browse pages of a few partnerships (the app through Flask's test client), each a page every
20 simulated seconds. The clock moves only when someone waits: a Google call takes no simulated
time, so the figures measure the quota, not Google's speed. When the job waits for a slot, the page
views due in that time are served first (a small event queue), as they would be by other workers.
The job runs as ``flask jobs run`` does (``run_partnerships``, each workbook from ``open_workbook``),
on a day when an earlier run already sent what was due: the same calls as any night (one read and
one write a partnership), without thousands of emails from invented data. The tabs' layout is
already in the state store, as it is after the first night.

Prints the simulated minutes for the whole nightly run, the calls by kind, the 429s that reached
the app, the pages served, those that showed an older copy of the sheet (the quota in use: a
banner says how old) and the slowest page (real ms and simulated s), beside the goals.

    .venv/bin/python benchmarks/national.py            # 150 partnerships x 10,000 challenges
    .venv/bin/python benchmarks/national.py --quick    # 5 x 200, the quota scaled down to match

The 150 spreadsheets share their rows copy-on-write (``FakeSheetsAPI.add_copy``): a row is
copied only when a job writes it.
"""
from __future__ import annotations

import argparse
import dataclasses
import heapq
import logging
import re
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from benchmarks.job import TODAY, challenge_rows, compliance_rows  # noqa: E402
from jobs.reminders import run_reminders  # noqa: E402
from jobs.run import run_partnerships  # noqa: E402
from partnership.config import Partnership  # noqa: E402
from sheets import google  # noqa: E402
from sheets.google import GoogleWorkbook  # noqa: E402
from sheets.http import RetryingHTTPClient  # noqa: E402
from sheets.open import open_workbook  # noqa: E402
from sheets.schema import CHALLENGES, COLUMNS, COMPLIANCE, LISTS, TABS  # noqa: E402
from state import forget_stores  # noqa: E402
from tests.fakesheets import FakeSheetsAPI  # noqa: E402

SERVICE_ACCOUNT = "challenges@national.iam.gserviceaccount.com"
SUPPORT = "business.support@demo-partnership.example"
GOAL_MINUTES = 3.0


@dataclass(frozen=True)
class Scale:
    partnerships: int = 150
    rows: int = 10_000
    people: int = 20
    browsed: int = 4                 # partnerships the people browse (spread evenly)
    page_every: float = 20.0         # simulated seconds between one person's pages
    google_per_minute: int = 60      # what the fake enforces, reads and writes each
    app_per_minute: int = 58         # SHEETS_READS_PER_MINUTE and SHEETS_WRITES_PER_MINUTE
    page_reserve: int = 5            # SHEETS_PAGE_RESERVE
    job_share: int = 10              # SHEETS_JOB_SHARE
    cache_seconds: float = 30.0      # SHEET_CACHE_SECONDS: the pages' cache, on the simulated clock


FULL = Scale()
# The quick run keeps the shape (the job needs more than one window of the quota; 20 people browse,
# with the pages' 30-second cache, so that some are shown an older copy while the job has the
# quota) with the quota scaled down to its 5 partnerships: 7 calls of each kind a minute, 3 kept for
# pages, 1 left to the job whatever the pages do.
QUICK = Scale(partnerships=5, rows=200, people=20, browsed=2, google_per_minute=8, app_per_minute=7,
              page_reserve=3, job_share=1)


class SimulatedClock:
    """Seconds that pass only when someone waits."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass(order=True)
class View:
    at: float
    person: int = field(compare=True)


@dataclass
class Figures:
    minutes: float = 0.0
    job_wall: float = 0.0
    calls: Counter = field(default_factory=Counter)
    refusals: int = 0
    pages: int = 0
    pages_failed: Counter = field(default_factory=Counter)
    pages_older: int = 0             # shown an older copy of the sheet, with a banner saying so
    oldest_minutes: int = 0          # the oldest copy shown, in whole minutes as the banner says
    slowest_ms: float = 0.0
    slowest_simulated: float = 0.0
    slowest_page: str = ""
    done: int = 0
    failed: list[str] = field(default_factory=list)
    job_waited: float = 0.0


OLDER_COPY = re.compile(r"this page shows it as it was up to (\d+) minute")
READS = {"get", "values.get", "values.batchGet", "values.batchGetByDataFilter", "getByDataFilter"}


def partnership_file(slug: str, demo: str) -> str:
    """The demo partnership's file, as partnership ``slug`` on a Google sheet."""
    text = demo.replace('slug = "demo"', f'slug = "{slug}"')
    text = text.replace('name = "Demo Safeguarding Partnership"', f'name = "Partnership {slug}"')
    letters = "".join(chr(ord("A") + int(d)) for d in slug[1:])  # p042 -> AEC: capital letters only
    text = text.replace('reference_prefix = "DEMO"', f'reference_prefix = "P{letters}"')
    return text.replace('backend = "local"\npath = "instance/demo.xlsx"',
                        f'backend = "google"\nspreadsheet_id = "sheet-{slug}"')


class National:
    """The fake API, the app on it and the simulated clock, for one benchmark run."""

    def __init__(self, scale: Scale, folder: Path):
        self.scale, self.folder = scale, folder
        self.clock = SimulatedClock()
        self.api = FakeSheetsAPI()
        self.slugs = [f"p{i:03d}" for i in range(1, scale.partnerships + 1)]
        partnerships = folder / "partnerships"
        partnerships.mkdir()
        demo = (ROOT / "partnerships" / "demo.toml").read_text(encoding="utf-8")
        for slug in self.slugs:
            (partnerships / f"{slug}.toml").write_text(partnership_file(slug, demo), encoding="utf-8")
        self.app = create_app({
            "TESTING": True, "SECRET_KEY": "bench", "BASE_URL": "https://challenges.example.org",
            "PARTNERSHIPS_DIR": str(partnerships), "BASE_DIR": str(folder),
            "MAIL_BACKEND": "outbox", "MAIL_OUTBOX_DIR": str(folder / "outbox"),
            "STATE_URL": f"sqlite:///{folder}/state.sqlite3", "SESSION_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False, "SIGN_IN_MIN_SECONDS": 0,
            "SHEETS_READS_PER_MINUTE": scale.app_per_minute, "SHEETS_WRITES_PER_MINUTE": scale.app_per_minute,
            "SHEETS_PAGE_RESERVE": scale.page_reserve, "SHEETS_JOB_SHARE": scale.job_share,
            "SHEET_CACHE_SECONDS": scale.cache_seconds})
        self.partnerships: dict[str, Partnership] = self.app.extensions["partnerships"]
        self.views: list[View] = []
        self.figures = Figures()

    # The spreadsheets: one filled in and brought up to yesterday, then shared by every partnership

    def fill(self) -> None:
        tabs = {tab: [list(COLUMNS[tab])] for tab in TABS}
        tabs[CHALLENGES] = challenge_rows(self.scale.rows)
        tabs[COMPLIANCE] = compliance_rows(max(10, self.scale.rows // 20))
        tabs[LISTS] = [list(COLUMNS[LISTS]), *([a] for a in ("Health", "Police", "Education"))]
        first = self.partnerships[self.slugs[0]]
        self.api.add_spreadsheet("template", tabs, title="Template")
        template = dataclasses.replace(first, sheet=dataclasses.replace(first.sheet, spreadsheet_id="template"))
        # An earlier run today sent what was due and noted it in the Reminders tab: the night measured
        # costs the same calls (a job's one read and one write, whatever it sends) without
        # sending thousands of emails from invented data.
        run_reminders(GoogleWorkbook.for_session(template, self.api.session()), template, TODAY,
                      send=lambda email: None, base_url="https://x.example")
        for slug in self.slugs:
            self.api.add_copy(f"sheet-{slug}", "template", title=f"Partnership {slug}")

    # The clock: the job's waits serve the page views due meanwhile

    def job_sleep(self, seconds: float) -> None:
        self.figures.job_waited += seconds
        until = self.clock.now + seconds
        while self.views and self.views[0].at <= until:
            self.serve(heapq.heappop(self.views))
        self.clock.now = max(self.clock.now, until)

    def page_sleep(self, seconds: float) -> None:
        self.clock.now += seconds

    # People

    def people(self) -> None:
        """Each person signs in once and views a page every ``page_every`` seconds, starting staggered."""
        self.clients, self.pages = [], []
        self.seen = [0] * self.scale.people
        browsed = self.slugs[:: max(1, len(self.slugs) // self.scale.browsed)][: self.scale.browsed]
        for person in range(self.scale.people):
            slug = browsed[person % len(browsed)]
            client = self.app.test_client()
            raiser = person % 3 != 0
            email = f"raiser{person}@agency.example" if raiser else SUPPORT
            with client.session_transaction() as s:
                s["user"] = {"email": email, "partnership": slug, "reference": None,
                             "role": "practitioner" if raiser else "business_support"}
                s["seen"] = int(time.time())
            mine = [f"BENCH-{i:06d}" for i in range(person, self.scale.rows, 500)][:5] or ["BENCH-000000"]
            if raiser:
                urls = [f"/{slug}/challenges"] + [f"/{slug}/challenges/{r}" for r in mine]
            else:
                urls = [f"/{slug}/dashboard", f"/{slug}/challenges/{mine[0]}", f"/{slug}/compliance"]
            self.clients.append(client)
            self.pages.append(urls)
            heapq.heappush(self.views, View(self.clock.now + person * self.scale.page_every / self.scale.people,
                                            person))

    def serve(self, view: View) -> None:
        self.clock.now = max(self.clock.now, view.at)
        person = view.person
        urls = self.pages[person]
        url = urls[self.seen[person] % len(urls)]
        self.seen[person] += 1
        started, simulated = time.perf_counter(), self.clock.now
        response = self.clients[person].get(url)
        elapsed_ms, waited = (time.perf_counter() - started) * 1000, self.clock.now - simulated
        self.figures.pages += 1
        if response.status_code != 200:
            self.figures.pages_failed[f"{response.status_code} {url.split('/', 2)[2].split('/')[0]}"] += 1
        older = OLDER_COPY.search(response.get_data(as_text=True))
        if older:
            self.figures.pages_older += 1
            self.figures.oldest_minutes = max(self.figures.oldest_minutes, int(older.group(1)))
        if elapsed_ms > self.figures.slowest_ms:
            self.figures.slowest_ms, self.figures.slowest_page = elapsed_ms, url
        self.figures.slowest_simulated = max(self.figures.slowest_simulated, waited)
        heapq.heappush(self.views, View(view.at + self.scale.page_every, person))

    # The night

    def night(self) -> Figures:
        config = self.app.config
        chosen = [self.partnerships[slug] for slug in self.slugs]
        outcomes: dict[str, str] = {}
        with self.app.app_context(), self.on_the_fake():
            # The tabs' layout is kept in the state store from earlier runs: learn it first, an
            # hour before the night (its calls leave the quota's window long before).
            for partnership in chosen:
                open_workbook(partnership, purpose="cron", config=config)._metadata()
            self.clock.now += 3600
            self.api.reset_counts()
            self.api.quota_refusals = 0
            self.api.enforce_quota(self.scale.google_per_minute, self.scale.google_per_minute, clock=self.clock)
            self.people()
            self.figures.job_waited = 0.0
            started, wall = self.clock.now, time.perf_counter()
            # As `flask jobs run` does: every partnership in turn, each workbook from open_workbook.
            run_partnerships(chosen, TODAY, config=config, echo=lambda *a, **k: None, outcomes=outcomes)
            self.figures.minutes = (self.clock.now - started) / 60
            self.figures.job_wall = time.perf_counter() - wall
            # People keep browsing for one more minute after the job ends.
            end = self.clock.now + 60
            while self.views and self.views[0].at <= end:
                self.serve(heapq.heappop(self.views))
        self.figures.done = sum(outcome == "done" for outcome in outcomes.values())
        self.figures.failed = [slug for slug, outcome in outcomes.items() if outcome != "done"]
        self.figures.calls = Counter(self.api.calls)
        self.figures.refusals = self.api.quota_refusals
        return self.figures

    @contextmanager
    def on_the_fake(self) -> Iterator[None]:
        """The app's Google workbooks (``open_workbook`` -> ``GoogleWorkbook.connect``) reach the
        fake as the one service account, their limiter and retries on the simulated clock: the
        job's waits serve the page views due meanwhile, a page's wait moves the clock on."""
        national = self

        class Credentials:
            service_account_email = SERVICE_ACCOUNT

        class OnTheFake(RetryingHTTPClient):
            def __init__(self, auth: Any, session: Any = None, **settings: Any):
                sleep = national.job_sleep if settings.get("who") == "job" else national.page_sleep
                limiter = settings.get("limiter")
                if limiter is not None:
                    settings["limiter"] = dataclasses.replace(limiter, clock=national.clock, sleep=sleep)
                settings.update(sleep=sleep, clock=national.clock)
                super().__init__(None, national.api.session(), **settings)

        saved = google._credentials, google.RetryingHTTPClient
        google._credentials = lambda partnership: Credentials()
        google.RetryingHTTPClient = OnTheFake
        try:
            yield
        finally:
            google._credentials, google.RetryingHTTPClient = saved


def run(scale: Scale) -> Figures:
    """One night at ``scale``; the figures."""
    logging.disable(logging.WARNING)  # a page told the quota is in use logs it; the figures count it
    with tempfile.TemporaryDirectory() as folder:
        national = National(scale, Path(folder))
        national.fill()
        try:
            return national.night()
        finally:
            forget_stores()
            logging.disable(logging.NOTSET)


def report(scale: Scale, figures: Figures) -> None:
    reads = sum(n for name, n in figures.calls.items() if name in READS)
    writes = sum(figures.calls.values()) - reads
    floor = scale.partnerships / scale.google_per_minute
    print(f"{scale.partnerships} partnerships x {scale.rows:,} challenges, one service account; the fake enforces "
          f"{scale.google_per_minute} reads + {scale.google_per_minute} writes a minute; the app paces at "
          f"{scale.app_per_minute} a minute, {scale.page_reserve} kept for pages")
    print(f"  nightly run          {figures.minutes:6.2f} simulated minutes   (goal < {GOAL_MINUTES:g}; one read each is "
          f"{floor:.2f} minutes of calls, less those the first window lets go at once)   {figures.job_wall:.0f} s real")
    print(f"  partnerships done    {figures.done} of {scale.partnerships}" +
          (f"   failed: {'; '.join(figures.failed[:3])}" if figures.failed else ""))
    print(f"  Google calls         {reads} reads, {writes} writes "
          f"({', '.join(f'{name} {n}' for name, n in sorted(figures.calls.items()))})")
    print(f"  429s reaching the app {figures.refusals}   (goal 0)")
    failed = sum(figures.pages_failed.values())
    print(f"  pages                {figures.pages} served to {scale.people} people over {scale.browsed} partnerships, "
          f"{failed} not 200 (goal 0)" + (f": {dict(figures.pages_failed)}" if failed else ""))
    print(f"  older copies shown   {figures.pages_older} pages showed the sheet as read up to "
          f"{figures.oldest_minutes} minute(s) before, saying so (the quota was in use; goal: none older than 10)")
    print(f"  slowest page         {figures.slowest_ms:.0f} ms real ({figures.slowest_page}); longest wait for the "
          f"quota {figures.slowest_simulated:.1f} s simulated (a page waits at most 2 s)")
    print(f"  the job waited       {figures.job_waited / 60:.2f} simulated minutes for quota slots")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 partnerships x 200 challenges, the quota scaled down")
    args = parser.parse_args()
    scale = QUICK if args.quick else FULL
    report(scale, run(scale))


if __name__ == "__main__":
    main()
