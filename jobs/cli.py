"""`flask jobs ...`: the commands cron runs, thin wrappers over the job functions."""
from __future__ import annotations

import click
from flask.cli import AppGroup

BUSY_EXIT = 75  # every partnership was done here or is being done by another run (cron on every node)

jobs_cli = AppGroup("jobs", help="The daily job: reminders, the Summary tab and retention.")


class _Day(click.ParamType):
    """A date typed as YYYY-MM-DD, with a message a person can act on."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        import datetime as dt

        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not a date: type it as YYYY-MM-DD, e.g. 2026-12-29", param, ctx)


def _chosen(slug: str | None) -> list:
    """The partnership ``--partnership`` names, else every one (by slug); a clear error for one unknown."""
    from flask import current_app

    from partnership import partnerships_of

    known = partnerships_of(current_app)
    if slug is not None and slug not in known:
        raise click.BadParameter(f"no partnership called {slug!r} (configured: {', '.join(sorted(known))})",
                                 param_hint="--partnership")
    return [known[slug]] if slug else [known[s] for s in sorted(known)]


@jobs_cli.command("run")
@click.option("--partnership", "slug", metavar="SLUG", help="Only this partnership (default: every one).")
@click.option("--today", type=_Day(), help="Run as if it were this day (default: today); for testing and catching up.")
@click.option("--dry-run", is_flag=True, help="Print every email it would send; send nothing, write nothing.")
def run_command(slug: str | None, today, dry_run: bool) -> None:
    """The daily job: reminder and escalation emails, the sheet's Status columns, then the Summary tab.

    For every configured partnership (or one): reads its spreadsheet once, emails what is due
    (due soon, overdue, escalate, reporting threshold, resolved, Durham's business manager
    copies), logs each email in the Reminders tab so that a second run sends nothing twice,
    and writes Status, Step due by and Last reminder. Prints a line per partnership and exits 1
    if any partnership failed (or an email could not be sent), after doing the others; exits 75
    if nothing failed but another run (cron on another node) held some partnership's lock.

    \b
    Examples:
      flask --app app jobs run
      flask --app app jobs run --partnership demo --today 2026-12-29 --dry-run
    """
    import datetime as dt

    from flask import current_app

    from jobs.run import run_partnerships

    chosen = _chosen(slug)
    zone = current_app.extensions["timezone"]
    outcomes: dict[str, str] = {}
    ok = run_partnerships(chosen, today or dt.datetime.now(zone).date(), config=current_app.config, dry_run=dry_run,
                          echo=click.echo, outcomes=outcomes)
    if not ok:
        # 75 (EX_TEMPFAIL): nothing failed, another node is running some of them; see docs/deployment.md.
        raise SystemExit(BUSY_EXIT if set(outcomes.values()) <= {"done", "busy"} else 1)


@jobs_cli.command("summary")
@click.option("--partnership", "slug", metavar="SLUG", help="Only this partnership (default: every one).")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="The day to count up to (default: today); for testing and catching up.")
def summary_command(slug: str | None, today) -> None:
    """Rewrite the Summary tab of every partnership's spreadsheet (or one).

    Prints a line per partnership and exits 1 if any failed, after doing the others.

    \b
    Example:
      flask --app app jobs summary --partnership demo --today 2026-11-20
    """
    import datetime as dt

    from flask import current_app

    from reports.summary import last_success, run_summaries
    from sheets.open import open_workbook

    chosen = _chosen(slug)
    zone = current_app.extensions["timezone"]
    runs = run_summaries(chosen, today.date() if today else dt.datetime.now(zone).date(),
                         lambda p: open_workbook(p, purpose="cron", config=current_app.config),
                         lambda slug: last_success(current_app.config, slug), zone)
    for run in runs:
        click.echo(run.line, err=run.summary is None)
    if any(run.summary is None for run in runs):
        raise SystemExit(1)


@jobs_cli.command("write-kept")
@click.option("--partnership", "slug", metavar="SLUG", help="Only this partnership (default: every one).")
def write_kept_command(slug: str | None) -> None:
    """Write the form answers kept while a spreadsheet could not be reached, and send the emails
    they were kept with (the line manager's response link, for a compliance challenge).

    The daily job does this first too; run it every few minutes from cron so kept answers land
    shortly, as the page that kept them promised. Prints a line per partnership that had any;
    exits 1 if some are still kept (the sheet still cannot be reached), to be written next time.

    \b
    Example:
      flask --app app jobs write-kept --partnership demo
    """
    from flask import current_app

    from jobs.kept import write_kept
    from sheets.open import open_workbook

    if not write_kept(_chosen(slug), lambda p: open_workbook(p, purpose="cron", config=current_app.config),
                      config=current_app.config, echo=click.echo):
        raise SystemExit(1)


@jobs_cli.command("retention")
@click.option("--partnership", "slug", metavar="SLUG", help="Only this partnership (default: every one).")
@click.option("--today", type=_Day(), help="Count the months back from this day (default: today).")
@click.option("--dry-run", is_flag=True, help="List what would be cleared; change nothing.")
def retention_command(slug: str | None, today, dry_run: bool) -> None:
    """Clear the personal details of challenges resolved or withdrawn longer ago than the
    partnership keeps them ([retention] anonymise_after_months in its file).

    Names, email addresses, case and family references and every written answer are cleared on
    every tab (the challenge's row, its History and Reminders rows); dates, agencies, themes,
    steps and answers chosen from a list stay, so the Summary's figures do not change. Open
    challenges are never touched, and a History row records each challenge anonymised. Refuses
    to run for a partnership whose file does not set the months. The daily job (`jobs run`) also
    runs it once a week, on the partnership's [retention] weekday. Prints what it cleared (references and
    column names, never values) and exits 1 if any partnership was refused or failed.

    \b
    Examples:
      flask --app app jobs retention --dry-run
      flask --app app jobs retention --partnership demo --today 2026-12-07
    """
    import datetime as dt

    from flask import current_app

    from jobs import retention
    from jobs.run import JobBusy, job_lock
    from sheets.base import SheetError
    from sheets.open import open_workbook
    from state import StateUnavailable

    ok = True
    for partnership in _chosen(slug):
        if partnership.retention.anonymise_after_months is None:
            click.echo(retention.not_set_message(partnership), err=True)
            ok = False
            continue
        try:
            with job_lock(partnership, current_app.config):
                now = dt.datetime.now(current_app.extensions["timezone"])
                book = open_workbook(partnership, purpose="cron", config=current_app.config)
                result = retention.run_retention(book, partnership, today or now.date(), dry_run=dry_run, now=now)
            retention.report(result, click.echo)
        except (SheetError, JobBusy, StateUnavailable) as e:
            click.echo(f"{partnership.slug}: failed: {e}", err=True)
            ok = False
    if not ok:
        raise SystemExit(1)
