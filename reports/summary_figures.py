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
from functools import cached_property
from itertools import chain, repeat
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from partnership.config import Partnership
from procedures import Position, Procedure
from sheets.base import Problem, Table
from sheets.rows import read_positions
from sheets.schema import (
    AGENCIES,
    CHALLENGES,
    COMPLIANCE,
    COMPLIANCE_ISSUES,
    ChallengesTab,
    ComplianceTab,
    DEFAULT_THEMES,
    LISTS,
    THEMES,
)
from sheets.tables import collector_paused

# Columns the summary reads.
RAISER_AGENCY = ChallengesTab.RAISER_AGENCY
OTHER_AGENCY = ChallengesTab.OTHER_AGENCY
THEME = ChallengesTab.THEME
CHILD_OR_ADULT = ChallengesTab.CHILD_OR_ADULT
RAISER_SATISFIED = ChallengesTab.RAISER_SATISFIED
REFERRED = ChallengesTab.REFERRED_TO_PARTNERSHIP
PROFESSIONAL_AGENCY = ComplianceTab.PROFESSIONAL_AGENCY
IDENTIFIED_ISSUE = ComplianceTab.IDENTIFIED_ISSUE

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


# --- counting ----------------------------------------------------------------
#
# A tab of 100,000 rows is counted without a Python loop over its rows: each column the figures
# use is counted in C (``Counter`` over ``zip``) together with the row's *bucket*, which says
# which periods the day it was raised falls in; names are spelled, and positions looked at, once
# for each distinct value. Counters keep the order values were first met in, so every figure's
# entries come in the order of the rows, as counting row by row gives them.


@dataclass(frozen=True)
class _Counts:
    """One tab's rows, counted by bucket and value."""

    procedure: Procedure
    buckets: tuple[tuple[bool, ...], ...]  # for each bucket, whether it is in each period
    raised_on: Counter  # date -> rows
    raising: Counter  # (bucket, text) -> rows
    receiving: Counter
    themes: Counter
    person: Counter
    referred: Counter
    placed: Counter  # (bucket, id of the row's ChallengeDates, "Raiser satisfied" text) -> rows
    positions: Mapping[int, Position]  # by id of a ChallengeDates

    @cached_property
    def standing(self) -> list[tuple[int, int, int, str, bool, int, bool, str]]:
        """What the figures take from ``placed``'s entries, in order: (bucket, rows, step number, status,
        resolved in time, working days elapsed, open, "Raiser satisfied"), each position looked at once."""
        # Entries alike in all of that are counted together, in the order the first of them was met.
        rows: dict[tuple[int, int, str, bool, int, bool, str], int] = {}
        seen: dict[int, tuple[int, str, bool, int, bool]] = {}
        for (bucket, placed, answer), n in self.placed.items():
            got = seen.get(placed)
            if got is None:
                p = self.positions[placed]
                got = seen[placed] = (p.step.number, p.status, bool(p.resolved_in_time), p.working_days_elapsed,
                                      p.is_open)
            key = (bucket, *got, answer)
            rows[key] = rows.get(key, 0) + n
        return [(bucket, n, *rest) for (bucket, *rest), n in rows.items()]

    def entries(self, counter: Counter, period: int) -> Iterator[tuple[Any, int]]:
        """The counter's (value, rows) in ``period``, in the order first met."""
        buckets = self.buckets
        for (bucket, *value), n in counter.items():
            if buckets[bucket][period]:
                yield (value[0] if len(value) == 1 else tuple(value)), n


def _counts(table: Table | None, procedure: Procedure, partnership: Partnership, today: dt.date,
            periods: Sequence[Period], *, compliance: bool) -> tuple[_Counts, list[Problem]]:
    """Every readable row counted, and the rows that could not be read."""
    if table is None:
        return _Counts(procedure, (), Counter(), Counter(), Counter(), Counter(), Counter(), Counter(),
                       Counter(), {}), []
    standing = read_positions(table, procedure, partnership.calendar, today,
                              due_soon_days=partnership.reminders.due_soon_days)
    # Rows read with the same dates share one ChallengeDates, and so one position and one bucket.
    positions = standing.placed()
    placed_at = standing.ids()
    patterns: dict[tuple[bool, ...], int] = {}
    by_day: dict[dt.date, int] = {}
    bucket_of: dict[int, int] = {}
    raised_of: dict[int, dt.date] = {}
    for dates in standing.distinct:
        day = raised_of[id(dates)] = dates.raised_on
        bucket = by_day.get(day)
        if bucket is None:
            bucket = by_day[day] = patterns.setdefault(tuple(day in p for p in periods), len(patterns))
        bucket_of[id(dates)] = bucket
    buckets = list(map(bucket_of.__getitem__, placed_at))
    satisfied = standing.column(RAISER_SATISFIED)
    placed = Counter(zip(buckets, placed_at, satisfied if any(satisfied) else repeat("")))
    raised_on: Counter = Counter()
    for (_, key, _), n in placed.items():
        raised_on[raised_of[key]] += n

    in_bucket: Counter | None = None

    def column(name: str) -> Counter:
        nonlocal in_bucket
        cells = standing.column(name)
        if any(cells):
            return Counter(zip(buckets, cells))
        # Blank on every row (a column the partnership does not use): each bucket's rows, as blank.
        if in_bucket is None:
            in_bucket = Counter(buckets)
        return Counter({(bucket, ""): n for bucket, n in in_bucket.items()})

    return _Counts(
        procedure=procedure,
        buckets=tuple(patterns),
        raised_on=raised_on,
        raising=Counter() if compliance else column(RAISER_AGENCY),
        receiving=column(PROFESSIONAL_AGENCY if compliance else OTHER_AGENCY),
        themes=column(IDENTIFIED_ISSUE if compliance else THEME),
        person=column(CHILD_OR_ADULT),
        referred=column(REFERRED),
        placed=placed,
        positions=positions,
    ), list(standing.problems)


# The columns ``_counts`` counts, besides those the rows are read and placed by (``sheets.rows``).
COUNTED = {CHALLENGES: (RAISER_AGENCY, OTHER_AGENCY, THEME, CHILD_OR_ADULT, REFERRED, RAISER_SATISFIED),
           COMPLIANCE: (PROFESSIONAL_AGENCY, IDENTIFIED_ISSUE, CHILD_OR_ADULT, REFERRED, RAISER_SATISFIED)}


def _named(entries: Iterable[tuple[str, int]], spell: Callable[[str], Any]) -> dict[str, int]:
    """Counts of texts as ``spell`` gives them (each text spelled once), in the order first met."""
    counts: dict[str, int] = {}
    spelled: dict[str, Any] = {}
    for text, n in entries:
        name = spelled.get(text)
        if name is None:
            name = spelled[text] = spell(text)
        for one in (name if isinstance(name, tuple) else (name,)):
            counts[one] = counts.get(one, 0) + n
    return counts


# --- figures ---------------------------------------------------------------


def _figures(counts: _Counts, index: int, period: Period, *, by_raiser: bool, agencies: _Names,
             themes: Callable[[str], Any]) -> Figures:
    """The figures for the rows raised in ``period`` (the ``index``-th period)."""
    raised = 0
    highest: dict[int, int] = {}
    resolved_at: dict[int, int] = {}
    days: list[int] = []
    resolved = resolved_in_time = withdrawn = open_now = overdue_now = satisfied = 0
    yes: dict[str, bool] = {}
    in_period = [pattern[index] for pattern in counts.buckets]
    for bucket, n, number, status, in_time, elapsed, is_open, answer in counts.standing:
        if not in_period[bucket]:
            continue
        raised += n
        highest[number] = highest.get(number, 0) + n
        if status == "resolved":
            resolved += n
            resolved_at[number] = resolved_at.get(number, 0) + n
            if in_time:
                resolved_in_time += n
            days += [elapsed] * n
            said = yes.get(answer)
            if said is None:
                said = yes[answer] = _yes(answer)
            satisfied += n if said else 0
        elif status == "withdrawn":
            withdrawn += n
        if is_open:
            open_now += n
            overdue_now += n if status == "overdue" else 0
    threshold = counts.procedure.reporting_step if raised else None
    return Figures(
        period=period,
        raised=raised,
        by_raising_agency=_named(counts.entries(counts.raising, index), agencies) if by_raiser else {},
        by_receiving_agency=_named(counts.entries(counts.receiving, index), agencies),
        by_theme=_named(counts.entries(counts.themes, index), themes),
        by_person=_named(counts.entries(counts.person, index), _person),
        highest_step=highest,
        resolved_at_step=resolved_at,
        resolved=resolved,
        resolved_in_time=resolved_in_time,
        median_days_to_resolve=statistics.median(days) if days else None,
        withdrawn=withdrawn,
        open_now=open_now,
        overdue_now=overdue_now,
        raiser_satisfied=satisfied,
        referred=sum(n for text, n in counts.entries(counts.referred, index) if _yes(text)),
        reached_threshold=sum(n for number, n in highest.items() if number >= threshold.number) if threshold else 0,
    )


def _patterns(challenges: _Counts, compliance: _Counts, index: int, period: Period, agencies: tuple[str, ...],
              names: _Names, threshold: int) -> Patterns:
    received = _named(chain(challenges.entries(challenges.receiving, index),
                            compliance.entries(compliance.receiving, index)), names)
    received.pop(NOT_RECORDED, None)
    raised = set(_named(challenges.entries(challenges.raising, index), names))
    repeated = {a: n for a, n in sorted(received.items(), key=lambda kv: (-kv[1], kv[0].casefold())) if n >= threshold}
    return Patterns(period, repeated, tuple(a for a in agencies if a not in raised))


def _months(challenges: _Counts, compliance: _Counts, year: Period) -> tuple[Month, ...]:
    """Challenges and compliance challenges raised in each month of the year."""
    def by_month(raised_on: Counter) -> Counter:
        months: Counter = Counter()
        for day, n in raised_on.items():
            months[day.year, day.month] += n
        return months
    raised, compliance_raised = by_month(challenges.raised_on), by_month(compliance.raised_on)
    starts = [_add_months(year.start, i) for i in range(12)]
    return tuple(Month(m, raised[m.year, m.month], compliance_raised[m.year, m.month]) for m in starts)


def _open_now(counts: _Counts) -> tuple[int, int]:
    """Rows open today, and of them overdue, whenever raised."""
    open_now = overdue_now = 0
    for _, n, _, status, _, _, is_open, _ in counts.standing:
        if is_open:
            open_now += n
            overdue_now += n if status == "overdue" else 0
    return open_now, overdue_now


def compute_summary(partnership: Partnership, tables: Mapping[str, Table], today: dt.date) -> Summary:
    """The board's figures from every tab's rows, as they stand on ``today``."""
    with collector_paused():
        return _compute_summary(partnership, tables, today)


def _compute_summary(partnership: Partnership, tables: Mapping[str, Table], today: dt.date) -> Summary:
    periods = reporting_periods(today, partnership.period_start_months)
    agencies = _list(tables.get(LISTS), AGENCIES)
    names = _Names(agencies)
    themes = _Names(_list(tables.get(LISTS), THEMES) or DEFAULT_THEMES)
    challenges, problems = _counts(tables.get(CHALLENGES), partnership.procedure, partnership, today, periods,
                                   compliance=False)
    compliance = _counts(None, partnership.procedure, partnership, today, periods, compliance=True)[0]
    issues = _Names(COMPLIANCE_ISSUES)
    if partnership.compliance_procedure is not None:
        compliance, compliance_problems = _counts(tables.get(COMPLIANCE), partnership.compliance_procedure,
                                                  partnership, today, periods, compliance=True)
        problems += compliance_problems
    challenge_figures = tuple(_figures(challenges, i, p, by_raiser=True, agencies=names, themes=themes)
                              for i, p in enumerate(periods))
    compliance_figures = tuple(_figures(compliance, i, p, by_raiser=False, agencies=names,
                                        themes=lambda text: _issues(text, issues))
                               for i, p in enumerate(periods))
    threshold = partnership.reminders.repeated_challenges
    (open_challenges, overdue_challenges), (open_compliance, overdue_compliance) = (
        _open_now(challenges), _open_now(compliance))
    return Summary(
        partnership_name=partnership.name,
        today=today,
        procedure=partnership.procedure,
        compliance_procedure=partnership.compliance_procedure,
        periods=periods,
        challenges=challenge_figures,  # type: ignore[arg-type]
        compliance=compliance_figures if partnership.compliance_procedure else None,  # type: ignore[arg-type]
        patterns=tuple(_patterns(challenges, compliance, i, p, agencies, names, threshold)  # type: ignore[arg-type]
                       for i, p in enumerate(periods)),
        months=_months(challenges, compliance, periods[2]),
        agencies_listed=agencies,
        repeated_threshold=threshold,
        open_now=open_challenges + open_compliance,
        overdue_now=overdue_challenges + overdue_compliance,
        not_counted=tuple(problems),
    )
