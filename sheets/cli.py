"""`flask sheet ...` and `flask demo ...`: thin click wrappers over the spreadsheet layer."""
from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import AppGroup

from partnership import partnerships_of
from partnership.config import Partnership
from sheets.base import SheetError
from state import StateUnavailable, refresh_lists, store_for

sheet_cli = AppGroup("sheet", help="Set up and check a partnership's spreadsheet.")
demo_cli = AppGroup("demo", help="The demo partnership's invented data.")


def _partnership(slug: str) -> Partnership:
    known = partnerships_of(current_app)
    if slug not in known:
        raise click.BadParameter(f"no partnership called {slug!r} (known: {', '.join(sorted(known))})",
                                 param_hint="--partnership")
    return known[slug]


partnership_option = click.option("--partnership", "slug", required=True, metavar="SLUG",
                                  help="The partnership's slug: its file's name in partnerships/ without .toml.")


@sheet_cli.command("init")
@partnership_option
def init_command(slug: str) -> None:
    """Create the tabs and header columns that are missing; existing data is never touched.

    Example: flask --app app sheet init --partnership demo
    """
    from sheets.open import open_workbook

    try:
        done = open_workbook(_partnership(slug), purpose="cron", config=current_app.config).init()
    except SheetError as e:
        raise click.ClickException(str(e)) from None
    for line in done:
        click.echo(line)
    refresh_lists(store_for(current_app.config), slug)
    click.echo("The spreadsheet already had every tab and column." if not done else "Done.")


@sheet_cli.command("refresh-lists")
@partnership_option
def refresh_lists_command(slug: str) -> None:
    """Make every instance re-read the Lists tab now (agencies, themes, business support), not within
    LISTS_CACHE_SECONDS; run it after editing the tab when a change must show at once.

    Example: flask --app app sheet refresh-lists --partnership demo
    """
    _partnership(slug)
    try:
        refresh_lists(store_for(current_app.config), slug)
    except StateUnavailable as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"Every instance will read the Lists tab of {slug} again on its next page.")


@sheet_cli.command("check")
@partnership_option
def check_command(slug: str) -> None:
    """List what business support must correct in the spreadsheet (tab, row, column); changes nothing.

    Exits with status 1 when there are problems, so a script can act on it.

    Example: flask --app app sheet check --partnership demo
    """
    from sheets.check import check
    from sheets.open import open_workbook

    partnership = _partnership(slug)
    try:
        problems = check(open_workbook(partnership, purpose="cron", config=current_app.config), partnership)
    except SheetError as e:
        raise click.ClickException(str(e)) from None
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem{'s' if len(problems) > 1 else ''} found.", err=True)
        raise SystemExit(1)
    click.echo("No problems found.")


@demo_cli.command("init")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Date the invented challenges are placed around (default: today).")
def demo_init_command(today: dt.datetime | None) -> None:
    """Create the demo partnership's workbook with invented challenges, if it does not exist yet.

    Example: LOCAL_DEV=1 flask --app app demo init
    """
    from sheets.demo import create_demo

    partnership = _partnership("demo")
    try:
        created = create_demo(partnership, (today.date() if today else dt.date.today()))
    except SheetError as e:
        raise click.ClickException(str(e)) from None
    where = partnership.sheet.path or partnership.sheet.spreadsheet_id
    click.echo(f"Created the demo workbook at {where}." if created else f"The demo workbook is already there ({where}).")
