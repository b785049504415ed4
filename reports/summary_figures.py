"""The board's figures, worked out from a partnership's rows: pure, no I/O.

Every figure in a period's column counts the challenges *raised* in that period (by their
``Raised on`` date); "open now" and "overdue now" say where those same challenges stand today.
"The year" is the previous and the current period together: twelve months. Where a challenge
stands always comes from ``procedures.position``, never from counters stored in the sheet.
"""
from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping

from procedures import Position, Positions, Procedure
from partnership.config import Partnership
from sheets.base import Problem, Table
from sheets.rows import read_challenges
from sheets.schema import (
    AGENCIES,
    CHALLENGES,
    COMPLIANCE,
    COMPLIANCE_ISSUES,
    DEFAULT_THEMES,
    LISTS,
    THEMES,
)

# Columns the summary reads (names from sheets.schema's column lists).
RAISER_AGENCY = "Raiser agency"
OTHER_AGENCY = "Other agency"
THEME = "Theme"
CHILD_OR_ADULT = "Child or adult"
RAISER_SATISFIED = "Raiser satisfied"
REFERRED = "Referred to partnership"
PROFESSIONAL_AGENCY = "Professional agency"
IDENTIFIED_ISSUE = "Identified issue"

NOT_RECORDED = "Not recorded"
CHILDREN = "Children"
ADULTS = "Adults at risk"
NONE = "none"


@dataclass(frozen=True)
class Period:
    """A reporting period, both ends inclusive."""

    label: str
    start: dt.date
    end: dt.date

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    @property
    def heading(self) -> str:
        """A column heading that still makes sense when a table is pasted on its own."""
        return f"{self.label} ({self.start:%b %Y} to {self.end:%b %Y})"

    @property
    def in_sentence(self) -> str:
        """The heading inside a sentence: ``Show current period (Oct 2026 to Mar 2027)``."""
        return self.heading[:1].lower() + self.heading[1:]

    @property
    def dates(self) -> str:
        return f"{self.start.day} {self.start:%B %Y} to {self.end.day} {self.end:%B %Y}"


@dataclass(frozen=True)
class Counted:
    """A row that counts: when it was raised, where it stands today, and its names as the lists spell them."""

    raised_on: dt.date
    position: Position
    raising: str
    receiving: str
    themes: tuple[str, ...]
    person: str
    satisfied: bool
    referred: bool


@dataclass(frozen=True)
class Figures:
    """One tab's figures for one period: counts of the challenges raised in it."""

    period: Period
    raised: int
    by_raising_agency: dict[str, int]
    by_receiving_agency: dict[str, int]
    by_theme: dict[str, int]
    by_person: dict[str, int]
    highest_step: dict[int, int]
    resolved_at_step: dict[int, int]
    resolved: int
    resolved_in_time: int
    median_days_to_resolve: float | None
    withdrawn: int
    open_now: int
    overdue_now: int
    raiser_satisfied: int
    referred: int
    reached_threshold: int


@dataclass(frozen=True)
class Patterns:
    """Warning signs in one period."""

    period: Period
    repeated: dict[str, int]
    raised_none: tuple[str, ...]


@dataclass(frozen=True)
class Month:
    start: dt.date
    challenges: int
    compliance: int

    @property
    def label(self) -> str:
        return f"{self.start:%b %Y}"


@dataclass(frozen=True)
class Summary:
    """Everything on the Summary tab, as numbers."""

    partnership_name: str
    today: dt.date
    procedure: Procedure
    compliance_procedure: Procedure | None
    periods: tuple[Period, Period, Period]
    challenges: tuple[Figures, Figures, Figures]
    compliance: tuple[Figures, Figures, Figures] | None
    patterns: tuple[Patterns, Patterns, Patterns]
    months: tuple[Month, ...]
    agencies_listed: tuple[str, ...]
    repeated_threshold: int
    open_now: int
    overdue_now: int
    not_counted: tuple[Problem, ...]


# --- periods ---------------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def reporting_periods(today: dt.date, start_months: tuple[int, int] = (4, 10)) -> tuple[Period, Period, Period]:
    """The current and previous six-month periods and the year (the two together)."""
    starts = [dt.date(year, month, 1) for year in (today.year - 1, today.year) for month in start_months]
    start = max(s for s in starts if s <= today)
    previous_start = _add_months(start, -6)
    end = _add_months(start, 6) - dt.timedelta(days=1)
    current = Period("Current period", start, end)
    previous = Period("Previous period", previous_start, start - dt.timedelta(days=1))
    return current, previous, Period("Year", previous_start, end)


# --- reading ---------------------------------------------------------------


def _list(table: Table | None, column: str) -> tuple[str, ...]:
    """A Lists column read top to bottom, blanks and repeats left out."""
    seen: dict[str, str] = {}
    for record in table.records if table else ():
        value = record[column].strip()
        if value and value.casefold() not in seen:
            seen[value.casefold()] = value
    return tuple(seen.values())


class _Names:
    """Typed names as a list spells them (ignoring case and spacing), else as typed; blank is "Not recorded"."""

    def __init__(self, known: Iterable[str]):
        self.known = {k.casefold(): k for k in known}

    def __call__(self, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            return NOT_RECORDED
        return self.known.get(value.casefold(), value)


def _issues(value: str, names: _Names) -> tuple[str, ...]:
    """A compliance row's identified issues: a cell may hold several, split by ';' or new lines."""
    return tuple(names(p) for p in re.split(r"[;\n]", value) if p.strip()) or (NOT_RECORDED,)


def _person(value: str) -> str:
    text = value.strip().casefold()
    if not text:
        return NOT_RECORDED
    if "adult" in text:
        return ADULTS
    if "child" in text or "young" in text:
        return CHILDREN
    return " ".join(value.split())


def _yes(value: str) -> bool:
    return value.strip().casefold() in ("yes", "y", "true")


def _counted(table: Table | None, procedure: Procedure, partnership: Partnership, today: dt.date,
             agencies: _Names, themes: _Names) -> tuple[list[Counted], list[Problem]]:
    """Every readable row with its position today, and the rows that could not be read.

    On the Compliance tab the agency is the professional's, and the "themes" are the identified issues.
    """
    if table is None:
        return [], []
    compliance = table.tab == COMPLIANCE
    rows, problems = read_challenges(table, procedure)
    where = Positions(procedure, partnership.calendar, today, due_soon_days=partnership.reminders.due_soon_days)
    counted = []
    for row in rows:
        record = row.record
        counted.append(Counted(
            raised_on=row.dates.raised_on,
            position=where(row.dates),
            raising="" if compliance else agencies(record[RAISER_AGENCY]),
            receiving=agencies(record[PROFESSIONAL_AGENCY if compliance else OTHER_AGENCY]),
            themes=_issues(record[IDENTIFIED_ISSUE], themes) if compliance else (themes(record[THEME]),),
            person=_person(record[CHILD_OR_ADULT]),
            satisfied=_yes(record[RAISER_SATISFIED]),
            referred=_yes(record[REFERRED]),
        ))
    return counted, problems


# --- figures ---------------------------------------------------------------


def _figures(rows: list[Counted], period: Period, *, by_raiser: bool) -> Figures:
    """The figures for the rows raised in ``period``."""
    here = [r for r in rows if r.raised_on in period]
    resolved = [r for r in here if r.position.status == "resolved"]
    days = [r.position.working_days_elapsed for r in resolved]
    threshold = here[0].position.procedure.reporting_step if here else None
    return Figures(
        period=period,
        raised=len(here),
        by_raising_agency=dict(Counter(r.raising for r in here)) if by_raiser else {},
        by_receiving_agency=dict(Counter(r.receiving for r in here)),
        by_theme=dict(Counter(theme for r in here for theme in r.themes)),
        by_person=dict(Counter(r.person for r in here)),
        highest_step=dict(Counter(r.position.step.number for r in here)),
        resolved_at_step=dict(Counter(r.position.step.number for r in resolved)),
        resolved=len(resolved),
        resolved_in_time=sum(1 for r in resolved if r.position.resolved_in_time),
        median_days_to_resolve=statistics.median(days) if days else None,
        withdrawn=sum(1 for r in here if r.position.status == "withdrawn"),
        open_now=sum(1 for r in here if r.position.is_open),
        overdue_now=sum(1 for r in here if r.position.status == "overdue"),
        raiser_satisfied=sum(1 for r in resolved if r.satisfied),
        referred=sum(1 for r in here if r.referred),
        reached_threshold=sum(1 for r in here if threshold and r.position.step.number >= threshold.number),
    )


def _patterns(challenges: list[Counted], compliance: list[Counted], period: Period,
              agencies: tuple[str, ...], threshold: int) -> Patterns:
    received = Counter(r.receiving for r in challenges + compliance if r.raised_on in period)
    received.pop(NOT_RECORDED, None)
    raised = {r.raising for r in challenges if r.raised_on in period}
    repeated = {a: n for a, n in sorted(received.items(), key=lambda kv: (-kv[1], kv[0].casefold())) if n >= threshold}
    return Patterns(period, repeated, tuple(a for a in agencies if a not in raised))


def _months(challenges: list[Counted], compliance: list[Counted], year: Period) -> tuple[Month, ...]:
    """Challenges and compliance challenges raised in each month of the year."""
    raised = Counter((r.raised_on.year, r.raised_on.month) for r in challenges)
    compliance_raised = Counter((r.raised_on.year, r.raised_on.month) for r in compliance)
    starts = [_add_months(year.start, i) for i in range(12)]
    return tuple(Month(m, raised[m.year, m.month], compliance_raised[m.year, m.month]) for m in starts)


def compute_summary(partnership: Partnership, tables: Mapping[str, Table], today: dt.date) -> Summary:
    """The board's figures from every tab's rows, as they stand on ``today``."""
    periods = reporting_periods(today, partnership.period_start_months)
    agencies = _list(tables.get(LISTS), AGENCIES)
    names = _Names(agencies)
    themes = _Names(_list(tables.get(LISTS), THEMES) or DEFAULT_THEMES)
    challenges, problems = _counted(tables.get(CHALLENGES), partnership.procedure, partnership, today,
                                    names, themes)
    compliance: list[Counted] = []
    if partnership.compliance_procedure is not None:
        compliance, compliance_problems = _counted(tables.get(COMPLIANCE), partnership.compliance_procedure,
                                                   partnership, today, names, _Names(COMPLIANCE_ISSUES))
        problems += compliance_problems
    challenge_figures = tuple(_figures(challenges, p, by_raiser=True) for p in periods)
    compliance_figures = tuple(_figures(compliance, p, by_raiser=False) for p in periods)
    threshold = partnership.reminders.repeated_challenges
    return Summary(
        partnership_name=partnership.name,
        today=today,
        procedure=partnership.procedure,
        compliance_procedure=partnership.compliance_procedure,
        periods=periods,
        challenges=challenge_figures,  # type: ignore[arg-type]
        compliance=compliance_figures if partnership.compliance_procedure else None,  # type: ignore[arg-type]
        patterns=tuple(_patterns(challenges, compliance, p, agencies, threshold) for p in periods),  # type: ignore[arg-type]
        months=_months(challenges, compliance, periods[2]),
        agencies_listed=agencies,
        repeated_threshold=threshold,
        open_now=sum(1 for r in challenges + compliance if r.position.is_open),
        overdue_now=sum(1 for r in challenges + compliance if r.position.status == "overdue"),
        not_counted=tuple(problems),
    )
