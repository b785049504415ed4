"""`jobs run` for every partnership: reminders, then the Summary tab; one failing does not stop the others."""
from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from typing import Any, Callable, Iterable, Iterator, Mapping

import click

from jobs import retention
from notify.journal import SentJournal
from jobs.reminders import AGENCY, RunResult, run_reminders
from reports.summary import last_success, run_summary
from procedures.values import DEFAULT_TIMEZONE, time_zone
from notify import Email, send_email, send_kept_email
from partnership.config import Partnership
from sheets.base import SheetError, Workbook
from sheets.pending import flush_pending
from sheets.tables import collector_paused, collector_resumed
from notify import notices
from reports.summary_figures import COUNTED
from sheets.schema import (
    CHALLENGES,
    COLUMNS,
    COMPLIANCE,
    DATE_COLUMNS,
    LAST_REMINDER,
    LISTS,
    PERSON_COLUMNS,
    REFERENCE,
    REMINDER_KEY,
    REMINDERS,
    STATUS,
    STEP,
    STEP_DUE_BY,
)
from state import StateUnavailable, refresh_lists, store_for

Echo = Callable[..., None]


def run_partnerships(partnerships: Iterable[Partnership], today: dt.date, *, config: Mapping[str, Any],
                     dry_run: bool = False, echo: Echo = click.echo,
                     open_workbook: Callable[[Partnership], Workbook] | None = None,
                     outcomes: dict[str, str] | None = None) -> bool:
    """Run the daily job for each partnership, printing a line for each; True if every one succeeded.

    ``outcomes``, if given, gets each slug's ``"done"``, ``"failed"`` or ``"busy"`` (another run,
    perhaps on another machine, held its lock).
    """
    outcomes = {} if outcomes is None else outcomes
    if open_workbook is None:
        from sheets.open import open_workbook as _open

        def open_workbook(p: Partnership) -> Workbook:
            return _open(p, purpose="cron", config=config)

    ok = True
    for partnership in partnerships:
        outcomes[partnership.slug] = "failed"
        try:
            done = run_partnership(partnership, open_workbook(partnership), today, config=config,
                                   dry_run=dry_run, echo=echo)
            outcomes[partnership.slug] = "done" if done else "failed"
            ok &= done
        except JobBusy as e:
            echo(f"{partnership.slug}: not run: {e}", err=True)
            outcomes[partnership.slug] = "busy"
            ok = False
        except (SheetError, StateUnavailable) as e:
            echo(f"{partnership.slug}: failed: {e}", err=True)
            ok = False
        except Exception as e:  # noqa: BLE001 - cron goes on to the next partnership and says what broke
            echo(f"{partnership.slug}: failed: {type(e).__name__}: {e}", err=True)
            ok = False
    return ok


def run_partnership(partnership: Partnership, workbook: Workbook, today: dt.date, *, config: Mapping[str, Any],
                    dry_run: bool = False, echo: Echo = click.echo) -> bool:
    """Reminders then the Summary tab for one partnership, from one read of its workbook; and on
    the partnership's retention weekday, retention."""

    def send(email: Email) -> None:
        send_email(email, from_address=partnership.email.from_address, config=config)

    with job_lock(partnership, config):
        return _run_locked(partnership, workbook, today, config=config, dry_run=dry_run, echo=echo, send=send)


@contextlib.contextmanager
def job_lock(partnership: Partnership, config: Mapping[str, Any]) -> Iterator[None]:
    """Held while a job works on one partnership: two runs at once (cron on every node, or cron
    overlapping a manual run) could both send an email, or clear cells the other is reading.

    The lock is in the state store, so it holds across machines; it frees itself after
    JOB_LOCK_MINUTES, so a node that died mid-run does not block the next day's run.
    """
    store, name, token = store_for(config), f"job:{partnership.slug}", secrets.token_hex(16)
    if not store.acquire(name, token, int(config.get("JOB_LOCK_MINUTES", 120)) * 60):
        raise JobBusy(f"another run for {partnership.slug} holds the lock (on this or another machine); "
                      f"nothing was done")
    try:
        yield
    finally:
        store.release(name, token)


class JobBusy(Exception):
    """Another run for the same partnership holds its lock."""


def _run_locked(partnership: Partnership, workbook: Workbook, today: dt.date, *, config: Mapping[str, Any],
                dry_run: bool, echo: Echo, send: Callable[[Email], None]) -> bool:
    store = store_for(config)
    if not dry_run:
        # Form answers kept while the sheet was unreachable go in first, so today's run sees them.
        kept = flush_pending(config, partnership, workbook, on_written=lambda data: send_kept_email(
            data, from_address=partnership.email.from_address, config=config))
        if kept:
            echo(f"{partnership.slug}: {kept} kept form submission{'' if kept == 1 else 's'} written to the sheet")
        refresh_lists(store, partnership.slug)  # once a day every worker re-reads the Lists tab
    zone = time_zone(str(config.get("TIMEZONE") or DEFAULT_TIMEZONE))
    journal = None if dry_run else _ForgetOnceWritten(store, partnership.slug)
    result, succeeded = read_remind_write(
        partnership, workbook, today, send=send, dry_run=dry_run, base_url=config.get("BASE_URL", ""),
        journal=journal, zone=zone,
        succeeded=lambda result: dt.datetime.now().replace(microsecond=0) if result.ok
        else last_success(config, partnership.slug))
    if journal is not None:
        journal.written()  # the Reminders rows are in the sheet now
    report(result, echo)
    ok = _weekly_retention(partnership, workbook, today, dry_run=dry_run, echo=echo, now=dt.datetime.now(zone))
    if dry_run:
        return ok
    if result.ok and succeeded is not None:
        store.put(f"last-success:{partnership.slug}", succeeded.isoformat(sep=" "))
    return result.ok and ok


def read_remind_write(partnership: Partnership, workbook: Workbook, today: dt.date, *, send: Callable[[Email], None],
                      base_url: str, dry_run: bool = False, journal: SentJournal | None = None,
                      zone: dt.tzinfo | None = None,
                      succeeded: Callable[[RunResult], dt.datetime | None] = lambda result: None,
                      ) -> tuple[RunResult, dt.datetime | None]:
    """One read: the columns the job uses; the reminders sent; one write: the Reminders rows, the job
    columns and the Summary tab together (on Google, one values:batchGet and one
    spreadsheets:batchUpdate). ``succeeded`` gives the Summary's "last successful run" from the
    reminders' result. Returns that result and that time.

    Python's cyclic garbage collector is held off from the read until the tables are let go: what
    is read and worked out from it holds no reference cycles, so it is all freed as soon as it is
    let go, and the collector never walks the hundreds of thousands of objects a big tab makes. It
    runs while each email is sent (``collector_resumed``): sending leaves garbage in cycles. What is
    still alive after the run (the workbook's columns as read) is settled in the oldest generation.
    """

    def sending(email: Email) -> None:
        with collector_resumed():
            send(email)

    with collector_paused(settle=True):
        tables = workbook.read_columns(job_reads(partnership))
        with workbook.batch():
            # The Reminders tab's "Sent at" is the partnership's local time, as the app's own notices write it.
            result = run_reminders(workbook, partnership, today, send=sending, dry_run=dry_run, base_url=base_url,
                                   tables=tables, journal=journal,
                                   now=lambda: dt.datetime.now(zone).replace(tzinfo=None))
            success = succeeded(result)
            if not dry_run:
                run_summary(workbook, partnership, today, tables=tables, last_success=success, zone=zone)
        del tables
    return result, success


class _ForgetOnceWritten(SentJournal):
    """The sent journal, whose entries are forgotten only once the run's one write has been made
    (``written``): if that write fails, the next run still knows what was sent."""

    def __init__(self, store: Any, slug: str):
        super().__init__(store, slug)
        self._later: list[str] = []

    def forget(self, keys: list[str]) -> None:
        self._later.extend(keys)

    def written(self) -> None:
        if self._later:
            super().forget(self._later)
        self._later = []


def job_reads(partnership: Partnership) -> dict[str, tuple[str, ...] | None]:
    """What the daily job reads: of each challenge tab only the columns it works from (``JOB_COLUMNS``),
    the Reminders tab's keys (what was sent) and the Lists tab (None: the whole tab)."""
    reads: dict[str, tuple[str, ...] | None] = {CHALLENGES: JOB_COLUMNS[CHALLENGES], REMINDERS: (REMINDER_KEY,),
                                                LISTS: None}
    if partnership.compliance_procedure is not None:
        reads[COMPLIANCE] = JOB_COLUMNS[COMPLIANCE]
    return reads


def _job_columns(tab: str) -> tuple[str, ...]:
    used = {REFERENCE, STEP, STATUS, STEP_DUE_BY, LAST_REMINDER, *DATE_COLUMNS[tab], *PERSON_COLUMNS[tab].values(),
            *notices.QUOTED[tab], AGENCY, *COUNTED[tab]}
    return tuple(c for c in COLUMNS[tab] if c in used)


# The columns of each challenge tab the job works from, in the tab's order: Reference, the dates and step
# a challenge is placed by, the people's addresses, the columns the job writes (Status, Step due by, Last
# reminder: a write finds its columns in what was read), the names and agencies an email quotes and the
# columns the Summary counts. Case details, names no email quotes and what people write at length are not read.
JOB_COLUMNS = {tab: _job_columns(tab) for tab in (CHALLENGES, COMPLIANCE)}


def _weekly_retention(partnership: Partnership, workbook: Workbook, today: dt.date, *, dry_run: bool,
                      echo: Echo, now: dt.datetime) -> bool:
    """Retention, on the partnership's retention weekday only; False if it failed."""
    if today.weekday() != partnership.retention.weekday:
        return True
    if partnership.retention.anonymise_after_months is None:
        echo(f"{partnership.slug}: retention not run: [retention] anonymise_after_months is not set")
        return True
    try:
        retention.report(retention.run_retention(workbook, partnership, today, dry_run=dry_run, now=now), echo)
    except SheetError as e:
        echo(f"{partnership.slug}: retention failed: {e}", err=True)
        return False
    return True


def report(result: RunResult, echo: Echo) -> None:
    """The partnership's line, then the problems, then (dry run) every email it would send."""
    plural = lambda n, word: f"{n} {word}{'' if n == 1 else 's'}"  # noqa: E731
    problems = plural(len(result.problems), "problem")
    if result.dry_run:
        echo(f"{result.partnership} (dry run): {plural(result.scanned, 'challenge')} scanned, "
             f"{plural(len(result.would_send), 'reminder')} would be sent, {problems} found")
    else:
        line = (f"{result.partnership}: {plural(result.scanned, 'challenge')} scanned, "
                f"{plural(len(result.sent), 'reminder')} sent, {problems} found")
        unsent = len(result.failed) + len(result.not_attempted)
        if unsent:
            line += f"; {plural(unsent, 'email')} NOT sent, to be retried on the next run"
        if result.resent:
            line += f"; {plural(result.resent, 'email')} cut off by a crash sent again (same Message-ID)"
        echo(line, err=bool(unsent))
        for reminder, error in result.failed[:3]:
            echo(f"  not sent to {reminder.recipient}: {error}", err=True)
    for problem in result.problems:
        echo(f"  problem: {problem}")
    for reminder in result.would_send:
        email = reminder.email
        echo(f"  would email {email.to}: {email.subject}")
        for line in email.text.rstrip().splitlines():
            if line.strip():
                echo(f"    {line}")
