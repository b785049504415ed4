"""The Summary tab: the figures a partnership board reads, six-monthly and for the year.

``compute_summary`` is pure: rows in, figures out. ``summary_table`` turns the figures
into rows of text that paste cleanly into a Word board paper. ``run_summary`` reads the
workbook once and writes the Summary tab. Status and steps always come from
``procedures.position``, never from counters stored in the sheet.

Every figure in a period's column counts the challenges *raised* in that period (by their
``Raised on`` date); "open now" and "overdue now" say where those same challenges stand today.
"The year" is the previous and the current period together: twelve months.
"""
from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from procedures import Position, Procedure, position
from procedures.config import Partnership
from procedures.values import display_date
from sheets.base import Problem, SheetError, SummaryTable, Table, Workbook
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
    counted = []
    for row in rows:
        record = row.record
        counted.append(Counted(
            raised_on=row.dates.raised_on,
            position=position(procedure, partnership.calendar, row.dates, today,
                              due_soon_days=partnership.reminders.due_soon_days),
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


# --- the tables ------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One table of the Summary tab: on the tab its header row is ``(title, *columns)``;
    on the dashboard ``title`` is the caption and ``label`` heads the first column."""

    title: str
    label: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


def _count(figures: Figures, n: int) -> str:
    return NONE if figures.raised == 0 else str(n)


def _share(n: int, of: int, empty: str) -> str:
    """``7 of 8 (88%)``: a count and the percentage it is of, rounded half up."""
    if of == 0:
        return empty
    return f"{n} of {of} ({(n * 200 + of) // (2 * of)}%)"


def _days(value: float | None) -> str:
    if value is None:
        return "none resolved"
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def _step_name(procedure: Procedure, number: int) -> str:
    return f"{procedure.step_label} {number}: {procedure.step(number).name}"


def _breakdown(figures: tuple[Figures, ...], counts: list[dict], order: Iterable[str] | None = None
               ) -> tuple[tuple[str, ...], ...]:
    """Rows of ``label, count per period``; a period with nothing raised says "none"."""
    keys = list(order) if order is not None else sorted(
        {k for c in counts for k in c},
        key=lambda k: (k == NOT_RECORDED, -counts[-1].get(k, 0), str(k).casefold()))
    if not keys:
        return (("No challenges", *(NONE for _ in figures)),)
    return tuple((str(k), *(_count(f, c.get(k, 0)) for f, c in zip(figures, counts))) for k in keys)


def _steps(figures: tuple[Figures, ...], procedure: Procedure, attribute: str) -> tuple[tuple[str, ...], ...]:
    return tuple(
        (_step_name(procedure, s.number), *(_count(f, getattr(f, attribute).get(s.number, 0)) for f in figures))
        for s in procedure.steps)


def _has_timescales(procedure: Procedure) -> bool:
    return any(s.conclude_by for s in procedure.steps)


def _overview(figures: tuple[Figures, ...], procedure: Procedure, *, challenges: bool) -> tuple[tuple[str, ...], ...]:
    rows: list[tuple[str, ...]] = [
        ("Raised", *(str(f.raised) if f.raised else NONE for f in figures)),
        ("Resolved", *(_count(f, f.resolved) for f in figures)),
        ("Resolved within the procedure's timescale (count of those resolved, and %)",
         *((_share(f.resolved_in_time, f.resolved, "none resolved") if _has_timescales(procedure)
            else "the procedure sets no timescales") if f.raised else NONE for f in figures)),
        ("Median working days to resolve (from day 1 to the day resolved)",
         *(_days(f.median_days_to_resolve) if f.raised else NONE for f in figures)),
        ("Withdrawn", *(_count(f, f.withdrawn) for f in figures)),
        ("Open now", *(_count(f, f.open_now) for f in figures)),
        ("Overdue now", *(_count(f, f.overdue_now) for f in figures)),
    ]
    if challenges:
        rows += [
            ("Raiser satisfied with the outcome (count of those resolved, and %)",
             *(_share(f.raiser_satisfied, f.resolved, "none resolved") if f.raised else NONE for f in figures)),
            ("Referred to the partnership (count of those raised, and %)",
             *(_share(f.referred, f.raised, NONE) for f in figures)),
        ]
    step = procedure.reporting_step
    if step is not None:
        rows.append((f"Reached the reporting threshold ({_step_name(procedure, step.number)})",
                     *(_count(f, f.reached_threshold) for f in figures)))
    return tuple(rows)


def _listing(items: Iterable[str]) -> str:
    return "; ".join(items) or NONE


def summary_sections(summary: Summary) -> list[Section]:
    """The Summary tab's tables, in order, for the tab, the dashboard and the downloads."""
    headings = tuple(p.heading for p in summary.periods)
    ch = summary.challenges
    procedure = summary.procedure
    sections = [
        Section("Challenges", "Figure", headings, _overview(ch, procedure, challenges=True)),
        Section("Raised by agency", "Agency", headings,
                _breakdown(ch, [f.by_raising_agency for f in ch])),
        Section("Challenged agency (receiving the challenge)", "Agency", headings,
                _breakdown(ch, [f.by_receiving_agency for f in ch])),
        Section("By theme", "Theme", headings, _breakdown(ch, [f.by_theme for f in ch])),
        Section("Children and adults at risk", "Who was at risk", headings,
                _breakdown(ch, [f.by_person for f in ch])),
        Section(f"Highest {procedure.step_label.lower()} reached", procedure.step_label, headings,
                _steps(ch, procedure, "highest_step")),
        Section(f"Resolved at each {procedure.step_label.lower()}", procedure.step_label, headings,
                _steps(ch, procedure, "resolved_at_step")),
    ]
    if summary.compliance is not None and summary.compliance_procedure is not None:
        co, cp = summary.compliance, summary.compliance_procedure
        sections += [
            Section("Compliance challenges", "Figure", headings, _overview(co, cp, challenges=False)),
            Section("Compliance challenges by identified issue", "Identified issue", headings,
                    _breakdown(co, [f.by_theme for f in co]),
                    note="One compliance challenge may name several issues, so these may add up to more than those raised."),
            Section("Compliance challenges by agency", "Agency", headings,
                    _breakdown(co, [f.by_receiving_agency for f in co])),
            Section(f"Compliance challenges: highest {cp.step_label.lower()} reached", cp.step_label, headings,
                    _steps(co, cp, "highest_step")),
        ]
    pa = summary.patterns
    sections += [
        Section("Patterns", "Warning sign", headings, (
            (f"Agencies that received {summary.repeated_threshold} or more challenges "
             "(challenges and compliance challenges together)",
             *(_listing(f"{a} ({n})" for a, n in p.repeated.items()) for p in pa)),
            ("Agencies on the Lists tab that raised no challenges",
             *((_listing(p.raised_none) if summary.agencies_listed else "no agencies on the Lists tab")
               for p in pa)),
        )),
        Section("Raised each month", "Month", ("Challenges", "Compliance challenges"),
                tuple((m.label, str(m.challenges), str(m.compliance)) for m in summary.months)),
        Section("Not counted", "Tab", ("Row", "Reason"), _not_counted(summary.not_counted),
                note="Rows that could not be read are left out of every figure above: correct them in the sheet."),
    ]
    return sections


def _not_counted(problems: tuple[Problem, ...]) -> tuple[tuple[str, ...], ...]:
    """A line per row that could not be read, with every reason it gave."""
    reasons: dict[tuple[str, int | None], list[str]] = {}
    for p in problems:
        reasons.setdefault((p.tab, p.row), []).append(
            f'column "{p.column}": {p.message}' if p.column else p.message)
    rows = []
    for (tab, row), why in reasons.items():
        text = "; ".join(dict.fromkeys(why))
        rows.append((tab, str(row or ""), text[:1].upper() + text[1:]))
    return tuple(rows) or ((NONE, "", ""),)


def _when(moment: dt.datetime | None) -> str:
    """A moment in UTC; a naive one is this machine's local time."""
    if moment is None:
        return "not recorded"
    moment = moment.astimezone(dt.timezone.utc)
    return f"{display_date(moment.date())}, {moment:%H:%M} UTC"


def summary_heading(summary: Summary, generated_at: dt.datetime,
                    last_success: dt.datetime | None) -> tuple[tuple[str, str], ...]:
    """The lines above the tables: what, which periods, when."""
    current, previous, year = summary.periods
    return (
        ("Procedure", summary.procedure.name),
        ("Current period", current.dates),
        ("Previous period", previous.dates),
        ("Year", f"{year.dates}: the previous and current periods together"),
        ("Figures as they stood on", display_date(summary.today)),
        ("Generated", _when(generated_at)),
        ("Daily job last succeeded", _when(last_success)),
        ("Open today, whenever raised", f"{summary.open_now} challenges and compliance challenges, "
                                        f"{summary.overdue_now} of them overdue"),
        ("How to read this", "Each period counts the challenges raised in it (by the date raised). "
                             "Open now and overdue now say where those challenges stand today. "
                             "Rows that could not be read are left out and listed under Not counted."),
    )


def summary_title(summary: Summary) -> str:
    return f"{summary.partnership_name}: professional challenge summary"


def summary_table(summary: Summary, generated_at: dt.datetime,
                  last_success: dt.datetime | None = None) -> SummaryTable:
    """The Summary tab as rows of text: a title, the periods and times, then one table per
    section separated by blank rows; every table's header row is bold."""
    rows: list[tuple[str, ...]] = [(summary_title(summary),)]
    rows += summary_heading(summary, generated_at, last_success)
    bold = {0}
    for section in summary_sections(summary):
        rows.append(("",))
        bold.add(len(rows))
        rows.append((section.title, *section.columns))
        rows += section.rows
        if section.note:
            rows.append((section.note,))
    return SummaryTable(rows=tuple(rows), bold=frozenset(bold))


@dataclass(frozen=True)
class SummaryRun:
    """What one partnership's run wrote, or why it failed."""

    slug: str
    summary: Summary | None = None
    table: SummaryTable | None = None
    error: str = ""

    @property
    def line(self) -> str:
        """One line for the person (or cron log) running the job."""
        if self.summary is None:
            return f"{self.slug}: failed: {self.error}"
        year = self.summary.challenges[2]
        raised = _plural(year.raised, "challenge")
        if self.summary.compliance:
            raised += f" and {_plural(self.summary.compliance[2].raised, 'compliance challenge')}"
        left_out = len({(p.tab, p.row) for p in self.summary.not_counted})
        return (f"{self.slug}: Summary tab written: {raised} raised in the year, "
                f"{self.summary.open_now} open today, {_plural(left_out, 'row')} not counted")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


SUMMARY_READS = (CHALLENGES, COMPLIANCE, LISTS)


def read_summary(workbook: Workbook, partnership: Partnership, today: dt.date) -> Summary:
    """The figures from the workbook's rows, in one read."""
    return compute_summary(partnership, workbook.read_all(SUMMARY_READS), today)


def _write(workbook: Workbook, partnership: Partnership, today: dt.date, tables: Mapping[str, Table] | None,
           last_success: dt.datetime | None, generated_at: dt.datetime | None) -> SummaryRun:
    if tables is None:
        summary = read_summary(workbook, partnership, today)
    else:
        summary = compute_summary(partnership, tables, today)
    table = summary_table(summary, generated_at or dt.datetime.now(dt.timezone.utc), last_success)
    workbook.write_summary(table)
    return SummaryRun(partnership.slug, summary, table)


def run_summary(workbook: Workbook, partnership: Partnership, today: dt.date, *,
                tables: Mapping[str, Table] | None = None, last_success: dt.datetime | None = None,
                generated_at: dt.datetime | None = None) -> SummaryTable:
    """Rewrite the Summary tab from the workbook's rows (read once, unless ``tables`` is given)."""
    table = _write(workbook, partnership, today, tables, last_success, generated_at).table
    assert table is not None
    return table


def last_success(config: Mapping[str, object], slug: str) -> dt.datetime | None:
    """When the daily job (``jobs run``) last succeeded for this partnership, as it recorded it."""
    from jobs.run import jobs_dir

    try:
        return dt.datetime.fromisoformat((jobs_dir(config) / f"{slug}.last-success").read_text().strip())
    except (OSError, ValueError):
        return None


def run_summaries(partnerships: Iterable[Partnership], today: dt.date,
                  open_workbook: Callable[[Partnership], Workbook],
                  last_success: Callable[[str], dt.datetime | None] = lambda slug: None) -> list[SummaryRun]:
    """Rewrite every partnership's Summary tab; one failing does not stop the others."""
    runs = []
    for partnership in partnerships:
        try:
            runs.append(_write(open_workbook(partnership), partnership, today, None,
                               last_success(partnership.slug), None))
        except SheetError as e:
            runs.append(SummaryRun(partnership.slug, error=str(e)))
        except Exception as e:  # noqa: BLE001 - cron must go on to the next partnership and say what broke
            runs.append(SummaryRun(partnership.slug, error=f"{type(e).__name__}: {e}"))
    return runs
