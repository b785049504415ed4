"""Fault figures: nothing lost, nothing doubled, under a flaky Google, killed jobs, failing relays, odd input.

Run: .venv/bin/python benchmarks/faults.py            (the full figures; a few minutes)
     .venv/bin/python benchmarks/faults.py --quick    (small sizes)

1. Submissions through the app (Flask test client, the raise form) to the fake Sheets API, which
   answers a share of all calls with a 429, a 500, a timeout, a dropped connection, or applies the
   call and loses the reply. Kept submissions are then written (the spreadsheet answering again
   with the same faults) until none is left. Rows are counted by Submission ID: lost = a
   submission with no row, doubled = a submission with more than one (History rows likewise).
2. The daily job (a separate process, the outbox backend) on a workbook owing 500 or more
   emails, killed with SIGKILL at random points, then run again to the end. Emails are counted
   by Message-ID, which is derived from the reminder key: lost = owed and never delivered,
   doubled = delivered more than once.
3. The daily job sending through an SMTP relay (aiosmtpd) that fails at each stage of the
   conversation (connect, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, after DATA, QUIT) by answering
   an error, resetting the connection or going silent; the job is run again until it succeeds.
   Deliveries per email.
4. Every form fuzzed with hypothesis (any Unicode, huge and empty values, missing and repeated
   fields): responses with a 5xx status, and accepted challenges whose row differs from what was
   typed (after the documented trimming of surrounding whitespace).
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import email
import email.policy
import json
import logging
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from partnership import partnerships_of  # noqa: E402
from sheets.schema import AGENCIES, CHALLENGES, HISTORY, LISTS, REFERENCE, SUBMISSION_ID, THEMES  # noqa: E402

FAULTS = ("429", "500", "timeout", "connection", "lost")
RAISER = "sam.jones@example.nhs.uk"


def app_in(folder: Path, **config: Any):
    """The app on a copy of the demo partnership under ``folder`` (local workbook, outbox mail)."""
    (folder / "partnerships").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "partnerships" / "demo.toml", folder / "partnerships" / "demo.toml")
    return create_app({"TESTING": True, "SECRET_KEY": "bench", "PARTNERSHIPS_DIR": str(folder / "partnerships"),
                       "BASE_DIR": str(folder), "MAIL_BACKEND": "outbox", "MAIL_OUTBOX_DIR": str(folder / "outbox"),
                       "PENDING_DIR": str(folder / "pending"), "JOBS_DIR": str(folder / "jobs"),
                       "STATE_URL": f"sqlite:///{folder.resolve()}/state.sqlite3",
                       "BASE_URL": "http://localhost", "SESSION_COOKIE_SECURE": False, "SIGN_IN_MIN_SECONDS": 0,
                       **config})


def sign_in(client, address: str, role: str = "practitioner") -> None:
    with client.session_transaction() as s:
        s["user"] = {"email": address, "partnership": "demo", "role": role, "reference": None}
        s["seen"] = int(time.time())


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of the page's form (CSRF token, submission id, ...)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


def raise_answers(today: dt.date, **changes: Any) -> dict[str, Any]:
    answers = {"immediate_risk": "no", "raiser_name": "Sam Jones", "raiser_role": "Health visitor",
               "raiser_agency": "Health", "raiser_email": RAISER, "line_manager_email": "lead@example.nhs.uk",
               "other_agency": "Police", "other_professional": "Duty sergeant",
               "other_professional_email": "duty@example.police.uk", "child_or_adult": "Child",
               "case_reference": "CS-12345", "theme": "Timeliness", "decision": "A decision",
               "outcome_sought": "An outcome", "concern_arose": [str(today.day), str(today.month), str(today.year)]}
    answers.update(changes)
    return answers


# ---------------------------------------------------------------------------------------------
# 1. Submissions to a flaky Google

def submissions_to_flaky_google(count: int, rate: float = 0.1, seed: int = 1) -> dict[str, Any]:
    """``count`` raise-form submissions through the app to the fake API failing ``rate`` of calls with
    each fault of FAULTS; then kept submissions written until none is left. Counts by Submission ID."""
    from tests.fakesheets import FakeSheetsAPI, google_workbook
    from views import records
    from sheets import pending

    with tempfile.TemporaryDirectory() as tmp:
        app = app_in(Path(tmp))
        partnership = partnerships_of(app)["demo"]
        api = FakeSheetsAPI()
        setup = google_workbook(api, partnership)
        setup.init()
        setup.append(LISTS, [{AGENCIES: a, THEMES: t} for a, t in (("Health", "Timeliness"), ("Police", ""))])
        original = records.workbook
        records.workbook = lambda p: google_workbook(api, p)
        statuses: collections.Counter[int] = collections.Counter()
        sent: list[str] = []
        try:
            client = app.test_client()
            sign_in(client, RAISER)
            opened = client.get("/demo/challenges/new", follow_redirects=True).get_data(as_text=True)
            hidden = hidden_fields(opened)
            today = dt.date.today()
            api.inject({fault: rate for fault in FAULTS}, seed=seed)
            started = time.perf_counter()
            for i in range(count):
                submission_id = f"bench-{seed}-{i}-{uuid.uuid4().hex[:8]}"
                response = client.post("/demo/challenges/new", data={
                    **hidden, "submission_id": submission_id, **raise_answers(today, case_reference=f"CS-{i}")})
                statuses[response.status_code] += 1
                sent.append(submission_id)
            rounds = 0
            while pending.waiting(app.config, "demo") and rounds < 1000:
                rounds += 1
                with app.app_context():
                    pending.flush_pending(app.config, partnership, google_workbook(api, partnership))
            elapsed = time.perf_counter() - started
            injected = dict(api.injected)
            calls = sum(api.calls.values())
            api.inject({})
            tables = google_workbook(api, partnership).read_all([CHALLENGES, HISTORY])
        finally:
            records.workbook = original
        rows = collections.Counter(r[SUBMISSION_ID] for r in tables[CHALLENGES].records)
        references = {r[SUBMISSION_ID]: r.reference for r in tables[CHALLENGES].records}
        history = collections.Counter(r.reference for r in tables[HISTORY].records)
        failed = list((Path(tmp) / "pending" / "demo" / "failed").glob("*.json"))
        return {
            "submissions": count, "calls": calls, "injected": injected, "statuses": dict(statuses),
            "lost": sum(1 for s in sent if rows[s] == 0), "doubled": sum(1 for s in sent if rows[s] > 1),
            "history_lost": sum(1 for s in sent if rows[s] and history[references[s]] == 0),
            "history_doubled": sum(1 for s in sent if rows[s] and history[references[s]] > 1),
            "kept_then_written_rounds": rounds, "set_aside": len(failed),
            "still_kept": len(pending.waiting(app.config, "demo")), "seconds": elapsed,
        }


# ---------------------------------------------------------------------------------------------
# 2. The daily job killed with SIGKILL

JOB_SCRIPT = """
import datetime as dt, sys
sys.path.insert(0, {root!r})
from benchmarks.faults import app_in
from pathlib import Path
from jobs.run import run_partnerships
from partnership import partnerships_of
# The run before was killed: its lock in the state store would free itself after JOB_LOCK_MINUTES;
# here the next run comes at once, as if that time had passed.
app = app_in(Path({folder!r}), JOB_LOCK_MINUTES=0)
with app.app_context():
    ok = run_partnerships([partnerships_of(app)["demo"]], dt.date.fromisoformat({today!r}),
                          config=app.config, echo=lambda *a, **k: None)
sys.exit(0 if ok else 1)
"""


def owing_workbook(folder: Path, owed: int, today: dt.date) -> None:
    """The demo workbook with challenges that each owe emails on ``today`` (overdue at step 1: an
    escalate email to the raiser and to the line manager, and an overdue one to the professional)."""
    from sheets.open import open_workbook

    app = app_in(folder)
    book = open_workbook(partnerships_of(app)["demo"], purpose="cron")
    book.init()
    raised = today - dt.timedelta(days=10)
    rows = [{REFERENCE: f"DEMO-K{i:05d}", "Raised on": raised.isoformat(), "Step": "1",
             "Raiser email": f"raiser{i}@example.nhs.uk", "Line manager email": f"manager{i}@example.nhs.uk",
             "Other professional email": f"pro{i}@example.police.uk"} for i in range(owed)]
    book.append(CHALLENGES, rows)


def owed_keys(folder: Path, today: dt.date) -> list[str]:
    """The reminder keys the job owes on ``today`` (a dry run)."""
    from jobs.reminders import run_reminders
    from sheets.open import open_workbook

    app = app_in(folder)
    partnership = partnerships_of(app)["demo"]
    result = run_reminders(open_workbook(partnership, purpose="cron"), partnership, today, send=lambda e: None,
                           dry_run=True, base_url="http://localhost")
    return [r.key for r in result.would_send]


def delivered(outbox: Path) -> collections.Counter[str]:
    """Message-IDs of the emails in the outbox folder, counted."""
    counts: collections.Counter[str] = collections.Counter()
    for path in outbox.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        counts[str(message["Message-ID"]).strip()] += 1
    return counts


def run_job(folder: Path, today: dt.date, kill_after: float | None = None) -> tuple[bool, float]:
    """The job in its own process; killed with SIGKILL after ``kill_after`` seconds if given.
    Returns (finished by itself and succeeded, seconds)."""
    script = JOB_SCRIPT.format(root=str(ROOT), folder=str(folder), today=today.isoformat())
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", script], cwd=str(ROOT), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=kill_after)
        return process.returncode == 0, time.perf_counter() - started
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return False, time.perf_counter() - started


def job_killed(owed_challenges: int, kills: int, seed: int = 2, per_workbook: int = 10,
               longest: float = 8.0) -> dict[str, Any]:
    """On fresh workbooks owing emails: start the job, SIGKILL it after a random 0.3 to ``longest``
    seconds (start-up, reading, sending, writing: anywhere), ``per_workbook`` times in a row, then run
    it to the end; count deliveries per Message-ID against what was owed."""
    from notify import Email, message_id

    rng = random.Random(seed)
    today = dt.date.today()
    while today.weekday() >= 5:
        today += dt.timedelta(days=1)
    results: collections.Counter[str] = collections.Counter()
    total_owed = 0
    # In memory where there is one: a SIGKILL ends the process the same, and fsync costs nothing.
    with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as tmp:
        template = Path(tmp) / "template"
        owing_workbook(template, owed_challenges, today)
        keys = owed_keys(template, today)
        from_address = partnerships_of(app_in(template))["demo"].email.from_address
        expected = {message_id(Email(to="", subject="", text="", key=k), from_address) for k in keys}
        done = trial = 0
        killed_while_sending = 0
        while done < kills:
            trial += 1
            folder = Path(tmp) / f"trial-{trial}"
            shutil.copytree(template, folder)
            for _ in range(min(per_workbook, kills - done)):
                before = len(list((folder / "outbox").glob("*.eml"))) if (folder / "outbox").exists() else 0
                run_job(folder, today, kill_after=rng.uniform(0.3, longest))
                after = len(list((folder / "outbox").glob("*.eml"))) if (folder / "outbox").exists() else 0
                killed_while_sending += 1 if before < after < len(expected) else 0
                done += 1
            finished = False
            for _ in range(5):
                finished, _ = run_job(folder, today)
                if finished:
                    break
            counts = delivered(folder / "outbox")
            total_owed += len(expected)
            results["lost"] += sum(1 for m in expected if counts[m] == 0)
            results["doubled"] += sum(1 for m in expected if counts[m] > 1)
            results["extra copies"] += sum(max(0, counts[m] - 1) for m in expected)
            results["unexpected"] += sum(n for m, n in counts.items() if m not in expected)
            results["unfinished workbooks"] += 0 if finished else 1
            shutil.rmtree(folder)
    return {"owed per workbook": len(keys), "kills": kills, "workbooks": trial, "emails owed in all": total_owed,
            "kills while sending": killed_while_sending, **results}


# ---------------------------------------------------------------------------------------------
# 3. A relay failing at every stage

def relay_failing(emails_owed: int = 6, times: int = 2) -> list[tuple[str, str, int, int, int, int]]:
    """For each stage and way of failing: the job sends ``emails_owed`` emails through a relay that fails
    the next ``times`` conversations there; rerun until it succeeds. Returns (stage, how, runs, owed,
    delivered once, delivered more than once) per case."""
    from tests.notify.mailserver import HOW, STAGES, MailServer

    today = dt.date.today()
    while today.weekday() >= 5:
        today += dt.timedelta(days=1)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        with MailServer(Path(tmp), tls=True) as relay:
            relay.handler.faults.stall_seconds = 2.0
            template = Path(tmp) / "template"
            owing_workbook(template, max(1, emails_owed // 3), today)
            from jobs.run import run_partnerships

            for stage in (*STAGES, "DATA reply"):
                for how in (HOW if stage != "DATA reply" else ("stall",)):
                    folder = Path(tmp) / f"{stage}-{how}".replace(" ", "-")
                    shutil.copytree(template, folder)
                    app = app_in(folder, **relay.config(MAIL_SMTP_TIMEOUT=1.0))
                    partnership = partnerships_of(app)["demo"]
                    relay.take()
                    relay.fail(stage, how, times=times)
                    runs = 0
                    ok = False
                    while not ok and runs < 10:
                        runs += 1
                        with app.app_context():
                            ok = run_partnerships([partnership], today, config=app.config,
                                                  echo=lambda *a, **k: None)
                    relay.handler.faults.waiting.clear()
                    relay.handler.faults.wait_for_stalls()
                    counts = collections.Counter(str(m.message["Message-ID"]).strip() for m in relay.take())
                    rows.append((stage, how, runs, len(counts), sum(1 for n in counts.values() if n == 1),
                                 sum(1 for n in counts.values() if n > 1)))
    return rows


# ---------------------------------------------------------------------------------------------
# 4. Every form fuzzed

def fuzz_forms(examples: int, seed: int = 4) -> dict[str, Any]:
    """Post ``examples`` fuzzed forms in all (spread over every form); count 5xx and accepted
    challenges whose row differs from what was typed."""
    from tests.fuzzforms import fuzz_every_form

    with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as tmp:
        return fuzz_every_form(lambda: app_in(Path(tmp) / uuid.uuid4().hex), examples, seed_number=seed)


# ---------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a quick look")
    parser.add_argument("--only", default="1234", help="which figures to print, e.g. --only 24 (default: all)")
    parser.add_argument("--examples", type=int, default=None, help="fuzzed examples for figure 4 (default 10,000)")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    quick = args.quick

    if "1" in args.only:
        submissions_figure(100 if quick else 1000)
    if "2" in args.only:
        killed_figure(10 if quick else 100)
    if "3" in args.only:
        relay_figure()
    if "4" in args.only:
        fuzz_figure(args.examples or (1000 if quick else 10_000))


def submissions_figure(count: int) -> None:
    print(f"1. {count:,} submissions through the app to the fake Sheets API; each call meets a 429, a 500, "
          "a timeout, a dropped connection or an applied-but-reply-lost fault with 10% chance each")
    s = submissions_to_flaky_google(count)
    calls = s["calls"]
    print(f"   calls {calls:,}; faults injected: " + ", ".join(
        f"{k} {v:,} ({v / calls:.0%})" for k, v in sorted(s["injected"].items())))
    print(f"   responses: {s['statuses']}; kept submissions written in {s['kept_then_written_rounds']} rounds; "
          f"still kept {s['still_kept']}, set aside {s['set_aside']}; {s['seconds']:.1f} s")
    print(f"   LOST {s['lost']}, DOUBLED {s['doubled']} (challenge rows by Submission ID); "
          f"History rows lost {s['history_lost']}, doubled {s['history_doubled']}")


def killed_figure(kills: int) -> None:
    owed = 72
    print(f"\n2. the daily job killed with SIGKILL at {kills} random points (10 kills in a row per workbook, then "
          "run to the end, the next run at once), with the write-ahead sent journal in the state store (SQLite)")
    k = job_killed(owed, kills)
    print(f"   {k['owed per workbook']} emails owed per workbook; {k['workbooks']} workbooks, "
          f"{k['emails owed in all']:,} emails owed in all; {k['kills while sending']} kills came while emails "
          "were being sent")
    print(f"   LOST {k.get('lost', 0)}, DOUBLED {k.get('doubled', 0)} emails ({k.get('extra copies', 0)} extra "
          f"copies, each with the Message-ID of the first); {k.get('unfinished workbooks', 0)} workbooks unfinished")


def relay_figure() -> None:
    print("\n3. the daily job through an SMTP relay failing at each stage (2 conversations each), run again "
          "until it succeeds")
    print(f"   {'stage':<11} {'how':<6} {'runs':>4} {'emails':>6} {'once':>5} {'twice+':>6}")
    for stage, how, runs, emails, once, more in relay_failing():
        print(f"   {stage:<11} {how:<6} {runs:>4} {emails:>6} {once:>5} {more:>6}")


def fuzz_figure(examples: int) -> None:
    print(f"\n4. every form fuzzed with hypothesis, {examples:,} examples in all")
    f = fuzz_forms(examples)
    print(f"   per form: {f['per_form']}")
    print(f"   responses: {f['statuses']}")
    print(f"   5xx: {f['server_errors']}; accepted challenges {f['accepted']}, rows differing from what was "
          f"typed: {f['differing']}")


if __name__ == "__main__":
    main()
