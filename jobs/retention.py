"""Retention: clearing the personal details of challenges closed longer ago than the partnership keeps them.

A challenge resolved or withdrawn more than ``[retention] anonymise_after_months`` months ago has
every personal cell cleared on every tab: its own row, its History rows and its Reminders rows.
Which columns are personal comes from ``sheets.schema`` (``personal`` / ``kept``); the kept ones
(dates, agencies, themes, child or adult, steps, answers chosen from a list) stay, so every figure
in the Summary is the same afterwards. Open challenges are never touched. A History row records
each challenge anonymised; a second run finds nothing left to clear and changes nothing.

``plan_retention`` is pure (tables in, a plan out); ``run_retention`` reads once and writes twice
(one clear, one append of History rows), or nothing on a dry run.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Mapping

from partnership.config import Partnership
from procedures.values import display_date, format_date
from sheets.base import Clear, Problem, Record, Table, Workbook
from sheets.rows import read_challenges
from sheets.schema import (
    CHALLENGES, COLUMNS, COMPLIANCE, HISTORY, REFERENCE, REMINDERS, STEP, HistoryTab, personal_columns,
)

ANONYMISED = "Anonymised"
BY = "retention (automatic)"
TABS_READ = (CHALLENGES, COMPLIANCE, HISTORY, REMINDERS)

Echo = Callable[..., None]


class RetentionNotSet(Exception):
    """The partnership has not said how long to keep personal details: retention will not guess."""


def not_set_message(partnership: Partnership) -> str:
    where = partnership.source or f"partnerships/{partnership.slug}.toml"
    return (f"{partnership.slug}: retention is not set: add [retention] anonymise_after_months = N to {where} "
            "(the months your data protection officer agreed); nothing was changed")


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (the month's last day if it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Anonymisation:
    """One closed challenge whose personal cells are to be cleared, on every tab."""

    tab: str
    reference: str
    closed: str  # "resolved" or "withdrawn"
    closed_on: dt.date
    step: str
    clears: tuple[Clear, ...]

    def columns(self, tab: str) -> list[str]:
        """The columns cleared on ``tab``, each once, in the schema's order."""
        found = {c.column for c in self.clears if c.tab == tab}
        return [c for c in COLUMNS[tab] if c in found]

    def rows(self, tab: str) -> int:
        return len({c.row for c in self.clears if c.tab == tab})

    def history_row(self, now: dt.datetime, months: int) -> dict[str, str]:
        """Its History row; ``now`` is in the app's time zone, written as the app writes History times."""
        tabs = ", ".join(t for t in TABS_READ if self.rows(t))
        return {HistoryTab.WHEN: now.strftime("%Y-%m-%d %H:%M"), REFERENCE: self.reference,
                HistoryTab.TAB: self.tab, HistoryTab.ACTION: ANONYMISED, STEP: self.step, HistoryTab.BY: BY,
                HistoryTab.DETAILS: (f"Personal details cleared ({len(self.clears)} cells on {tabs}): "
                            f"{self.closed} on {format_date(self.closed_on)}, kept {months} months")}


@dataclass
class RetentionPlan:
    """What retention would do today."""

    cutoff: dt.date
    anonymise: list[Anonymisation] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # People's own columns (not the app's) holding something on rows being anonymised: not cleared.
    own_columns: dict[str, list[str]] = field(default_factory=dict)

    @property
    def cells(self) -> list[Clear]:
        return [c for a in self.anonymise for c in a.clears]


def _personal_cells(record: Record, reference: str) -> list[Clear]:
    return [Clear(record.tab, record.row, column, reference)
            for column in personal_columns(record.tab) if record.get(column, "") != ""]


def _closed(dates) -> tuple[str, dt.date] | None:
    """("resolved" | "withdrawn", the day) for a closed challenge; None while it is open."""
    ends = [(day, what) for day, what in ((dates.resolved_on, "resolved"), (dates.withdrawn_on, "withdrawn")) if day]
    if not ends:
        return None
    day, what = max(ends)
    return what, day


def plan_retention(tables: Mapping[str, Table], partnership: Partnership, today: dt.date) -> RetentionPlan:
    """The challenges closed before the cutoff that still hold personal details, and every cell to clear."""
    months = partnership.retention.anonymise_after_months
    if months is None:
        raise RetentionNotSet(not_set_message(partnership))
    plan = RetentionPlan(cutoff=months_before(today, months))
    procedures = {CHALLENGES: partnership.procedure, COMPLIANCE: partnership.compliance_procedure}
    empty = {tab: Table(tab, ()) for tab in TABS_READ}
    tables = {**empty, **{t: v for t, v in tables.items() if v is not None}}
    on_tab: dict[str, set[str]] = {tab: {r.reference for r in tables[tab].records if r.reference}
                                   for tab in (CHALLENGES, COMPLIANCE)}
    both = on_tab[CHALLENGES] & on_tab[COMPLIANCE]
    related: dict[str, list[Record]] = {}
    for tab in (HISTORY, REMINDERS):
        for record in tables[tab].records:
            if record.reference and not (tab == HISTORY and record[HistoryTab.ACTION].strip() == ANONYMISED):
                related.setdefault(record.reference, []).append(record)

    for tab in (CHALLENGES, COMPLIANCE):
        procedure = procedures[tab]
        if procedure is None or not tables[tab].records:
            continue
        rows, problems = read_challenges(tables[tab], procedure)
        plan.problems.extend(problems)
        for row in rows:
            closed = _closed(row.dates)
            if closed is None or closed[1] >= plan.cutoff:
                continue  # open, or not closed long enough: never touched
            if row.reference in both:
                plan.problems.append(Problem(tab, row.record.row, REFERENCE, f"{row.reference} is on both the "
                                             "Challenges and Compliance tabs: not anonymised until one is corrected"))
                continue
            clears = _personal_cells(row.record, row.reference)
            for record in related.get(row.reference, ()):
                clears += _personal_cells(record, row.reference)
            if not clears:
                continue  # already anonymised
            plan.anonymise.append(Anonymisation(tab, row.reference, closed[0], closed[1],
                                                row.record[STEP].strip(), tuple(clears)))
            for record in (row.record, *related.get(row.reference, ())):
                own = [c for c, v in record.values.items() if c not in COLUMNS[record.tab] and v.strip()]
                for column in own:
                    if column not in plan.own_columns.setdefault(record.tab, []):
                        plan.own_columns[record.tab].append(column)
    return plan


@dataclass
class RetentionResult:
    partnership: str
    plan: RetentionPlan
    dry_run: bool


def run_retention(workbook: Workbook, partnership: Partnership, today: dt.date, *, dry_run: bool = False,
                  now: dt.datetime | None = None) -> RetentionResult:
    """Anonymise what ``plan_retention`` finds: one clear across tabs, then one append of History rows.

    ``now`` (for the History rows' time) should be in the app's time zone (``TIMEZONE``)."""
    months = partnership.retention.anonymise_after_months
    if months is None:
        raise RetentionNotSet(not_set_message(partnership))
    plan = plan_retention(workbook.read_all(TABS_READ), partnership, today)
    if not dry_run and plan.anonymise:
        workbook.clear(plan.cells)
        now = now or dt.datetime.now()
        workbook.append(HISTORY, [a.history_row(now, months) for a in plan.anonymise])
    return RetentionResult(partnership.slug, plan, dry_run)


def report(result: RetentionResult, echo: Echo) -> None:
    """A line for the partnership, then a line per challenge (reference and columns only, never values)."""
    plan = result.plan
    n = len(plan.anonymise)
    challenges = f"{n} challenge{'' if n == 1 else 's'}"
    before = f"closed before {display_date(plan.cutoff)}"
    if result.dry_run:
        echo(f"{result.partnership} (dry run): {challenges} {before} would be anonymised "
             f"({len(plan.cells)} cells); nothing was changed")
    else:
        echo(f"{result.partnership}: {challenges} {before} anonymised ({len(plan.cells)} cells cleared)")
    for a in plan.anonymise:
        where = "; ".join(
            f"{tab}: " + (", ".join(a.columns(tab)) if tab in (CHALLENGES, COMPLIANCE)
                          else f"{a.rows(tab)} row{'' if a.rows(tab) == 1 else 's'} ({', '.join(a.columns(tab))})")
            for tab in TABS_READ if a.rows(tab))
        echo(f"  {a.reference} ({a.closed} {display_date(a.closed_on)}): {where}")
    for tab, columns in plan.own_columns.items():
        echo(f"  not cleared: your own column{'' if len(columns) == 1 else 's'} on {tab} "
             f"({', '.join(columns)}): clear {'it' if len(columns) == 1 else 'them'} by hand if personal")
    for problem in plan.problems:
        echo(f"  not checked: {problem}")
