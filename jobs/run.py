"""`jobs run` for every partnership: reminders, then the Summary tab; one failing does not stop the others."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

import click
import filelock

from jobs import retention
from jobs.reminders import RunResult, run_reminders
from jobs.summary import run_summary
from procedures.values import DEFAULT_TIMEZONE, time_zone
from notify import Email, send_email
from procedures.config import Partnership
from sheets.base import SheetError, Workbook
from sheets.pending import flush_pending

Echo = Callable[..., None]


def jobs_dir(config: Mapping[str, Any]) -> Path:
    """Where the job keeps its small local files (a sent-email journal and the last success per partnership)."""
    configured = config.get("JOBS_DIR") or os.environ.get("JOBS_DIR")
    if configured:
        return Path(configured)
    return Path(config.get("PENDING_DIR") or "instance/pending").parent / "jobs"


def run_partnerships(partnerships: Iterable[Partnership], today: dt.date, *, config: Mapping[str, Any],
                     dry_run: bool = False, echo: Echo = click.echo,
                     open_workbook: Callable[[Partnership], Workbook] | None = None) -> bool:
    """Run the daily job for each partnership, printing a line for each; True if every one succeeded."""
    if open_workbook is None:
        from sheets.open import open_workbook as _open

        def open_workbook(p: Partnership) -> Workbook:
            return _open(p, purpose="cron")

    ok = True
    for partnership in partnerships:
        try:
            ok &= run_partnership(partnership, open_workbook(partnership), today, config=config,
                                  dry_run=dry_run, echo=echo)
        except (SheetError, JobBusy) as e:
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
    """Held while a job works on one partnership: two runs at once (cron overlapping a manual
    run) could both send an email, or clear cells the other is reading."""
    folder = jobs_dir(config)
    folder.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(folder / f"{partnership.slug}.lock", timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise JobBusy(f"another run for {partnership.slug} is still going; nothing was done") from None
    try:
        yield
    finally:
        lock.release()


class JobBusy(Exception):
    """Another run for the same partnership holds its lock."""


def _run_locked(partnership: Partnership, workbook: Workbook, today: dt.date, *, config: Mapping[str, Any],
                dry_run: bool, echo: Echo, send: Callable[[Email], None]) -> bool:
    folder = jobs_dir(config)
    if not dry_run:
        # Form answers kept on disk while the sheet was unreachable go in first, so today's run sees them.
        kept = flush_pending(config, partnership, workbook)
        if kept:
            echo(f"{partnership.slug}: {kept} kept form submission{'' if kept == 1 else 's'} written to the sheet")
    tables = workbook.read_all()
    result = run_reminders(workbook, partnership, today, send=send, dry_run=dry_run,
                           base_url=config.get("BASE_URL", ""), tables=tables,
                           journal=folder / f"{partnership.slug}.sent.jsonl")
    report(result, echo)
    ok = _weekly_retention(partnership, workbook, today, dry_run=dry_run, echo=echo)
    if dry_run:
        return ok
    stamp = folder / f"{partnership.slug}.last-success"
    last_success = dt.datetime.now().replace(microsecond=0) if result.ok else _read_stamp(stamp)
    run_summary(workbook, partnership, today, tables=tables, last_success=last_success,
                zone=time_zone(str(config.get("TIMEZONE") or DEFAULT_TIMEZONE)))
    if result.ok:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(last_success.isoformat(sep=" "))
    return result.ok and ok


def _weekly_retention(partnership: Partnership, workbook: Workbook, today: dt.date, *, dry_run: bool,
                      echo: Echo) -> bool:
    """Retention, on the partnership's retention weekday only; False if it failed."""
    if today.weekday() != partnership.retention.weekday:
        return True
    if partnership.retention.anonymise_after_months is None:
        echo(f"{partnership.slug}: retention not run: [retention] anonymise_after_months is not set")
        return True
    try:
        retention.report(retention.run_retention(workbook, partnership, today, dry_run=dry_run), echo)
    except SheetError as e:
        echo(f"{partnership.slug}: retention failed: {e}", err=True)
        return False
    return True


def _read_stamp(path: Path) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(path.read_text().strip())
    except (OSError, ValueError):
        return None


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
