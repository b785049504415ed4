"""The Summary tab: the figures a partnership board reads, six-monthly and for the year.

``compute_summary`` (in ``reports.summary_figures``) is pure: rows in, figures out.
``summary_table`` turns the figures into rows of text that paste cleanly into a Word board
paper. ``run_summary`` reads the workbook once and writes the Summary tab; the dashboard
lays out the same ``summary_sections``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from reports.summary_figures import NONE, NOT_RECORDED, Figures, Summary, compute_summary
from procedures import Procedure
from partnership.config import Partnership
from procedures.values import DEFAULT_ZONE, local_time
from sheets.base import Month as SheetMonth
from sheets.base import Percent, Problem, SheetError, SummaryTable, SummaryValue, Table, Workbook
from sheets.schema import CHALLENGES, COMPLIANCE, LISTS
from state import StateUnavailable, store_for

__all__ = ["Section", "Summary", "SummaryRun", "compute_summary", "last_success", "read_summary", "run_summaries",
           "run_summary", "summary_heading", "summary_sections", "summary_table", "summary_title"]


# --- the tables ------------------------------------------------------------

Rows = tuple[tuple[SummaryValue, ...], ...]


@dataclass(frozen=True)
class Section:
    """One table of the Summary tab: on the tab its header row is ``(title, *columns)``;
    on the dashboard ``title`` is the caption and ``label`` heads the first column."""

    title: str
    label: str
    columns: tuple[str, ...]
    rows: Rows
    note: str = ""


def _share(n: int, of: int, empty: str) -> SummaryValue:
    """The percentage ``n`` is of ``of``, as a number formatted as a percentage; text when ``of`` is 0."""
    return Percent(n, of) if of else empty


def _days(value: float | None) -> SummaryValue:
    if value is None:
        return "none resolved"
    return int(value) if value == int(value) else round(value, 1)


def _step_name(procedure: Procedure, number: int) -> str:
    return f"{procedure.step_label} {number}: {procedure.step(number).name}"


def _breakdown(figures: tuple[Figures, ...], counts: list[dict[str, int]]) -> Rows:
    """Rows of ``label, count per period``, largest over the year first and "Not recorded" last."""
    keys = sorted({k for c in counts for k in c},
                  key=lambda k: (k == NOT_RECORDED, -counts[-1].get(k, 0), k.casefold()))
    if not keys:
        return (("No challenges", *(0 for _ in figures)),)
    return tuple((str(k), *(c.get(k, 0) for c in counts)) for k in keys)


def _steps(figures: tuple[Figures, ...], procedure: Procedure, attribute: str) -> Rows:
    return tuple(
        (_step_name(procedure, s.number), *(getattr(f, attribute).get(s.number, 0) for f in figures))
        for s in procedure.steps)


def _has_timescales(procedure: Procedure) -> bool:
    return any(s.conclude_by for s in procedure.steps)


def _overview(figures: tuple[Figures, ...], procedure: Procedure, *, challenges: bool) -> Rows:
    timescales = _has_timescales(procedure)
    rows: list[tuple[SummaryValue, ...]] = [
        ("Raised", *(f.raised for f in figures)),
        ("Resolved", *(f.resolved for f in figures)),
        ("Resolved within the procedure's timescale",
         *(f.resolved_in_time if timescales else "the procedure sets no timescales" for f in figures)),
        ("Resolved within the procedure's timescale (% of those resolved)",
         *(_share(f.resolved_in_time, f.resolved, "none resolved") if timescales
           else "the procedure sets no timescales" for f in figures)),
        ("Median working days to resolve (from day 1 to the day resolved)",
         *(_days(f.median_days_to_resolve) for f in figures)),
        ("Withdrawn", *(f.withdrawn for f in figures)),
        ("Open now", *(f.open_now for f in figures)),
        ("Overdue now", *(f.overdue_now for f in figures)),
    ]
    if challenges:
        rows += [
            ("Raiser satisfied with the outcome", *(f.raiser_satisfied for f in figures)),
            ("Raiser satisfied with the outcome (% of those resolved)",
             *(_share(f.raiser_satisfied, f.resolved, "none resolved") for f in figures)),
            ("Referred to the partnership", *(f.referred for f in figures)),
            ("Referred to the partnership (% of those raised)",
             *(_share(f.referred, f.raised, "none raised") for f in figures)),
        ]
    step = procedure.reporting_step
    if step is not None:
        rows.append((f"Reached the reporting threshold ({_step_name(procedure, step.number)})",
                     *(f.reached_threshold for f in figures)))
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
        Section("By theme", "Theme", headings, _breakdown(ch, [f.by_theme for f in ch])),  # not a column
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
            Section("Compliance challenges by identified issue", "Identified issue", headings,  # not a column
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
                tuple((SheetMonth(m.start.year, m.start.month, 1), m.challenges, m.compliance)
                      for m in summary.months)),
        Section("Not counted", "Tab", ("Row", "Reason"), _not_counted(summary.not_counted),  # not a column
                note="Rows that could not be read are left out of every figure above: correct them in the sheet."),
    ]
    return sections


def _not_counted(problems: tuple[Problem, ...]) -> Rows:
    """A line per row that could not be read, with every reason it gave."""
    reasons: dict[tuple[str, int | None], list[str]] = {}
    for p in problems:
        reasons.setdefault((p.tab, p.row), []).append(
            f'column "{p.column}": {p.message}' if p.column else p.message)
    rows = []
    for (tab, row), why in reasons.items():
        text = "; ".join(dict.fromkeys(why))
        rows.append((tab, row or "", text[:1].upper() + text[1:]))
    return tuple(rows) or ((NONE, "", ""),)


def _when(moment: dt.datetime | None, zone: dt.tzinfo) -> SummaryValue:
    """A moment as the partnership's local time, to the minute (a naive one is this machine's local time)."""
    if moment is None:
        return "not recorded"
    return local_time(moment, zone).replace(tzinfo=None, second=0, microsecond=0)


def summary_heading(summary: Summary, generated_at: dt.datetime, last_success: dt.datetime | None,
                    zone: dt.tzinfo = DEFAULT_ZONE) -> tuple[tuple[str, SummaryValue], ...]:
    """The lines above the tables: what, which periods, when (times in ``zone``, which the label names)."""
    current, previous, year = summary.periods
    in_zone = f"{zone} time"
    return (
        ("Procedure", summary.procedure.name),
        ("Current period", current.dates),
        ("Previous period", previous.dates),
        ("Year", f"{year.dates}: the previous and current periods together"),
        ("Figures as they stood on", summary.today),
        (f"Generated ({in_zone})", _when(generated_at, zone)),
        (f"Daily job last succeeded ({in_zone})", _when(last_success, zone)),
        ("Open today, whenever raised", f"{summary.open_now} challenges and compliance challenges, "
                                        f"{summary.overdue_now} of them overdue"),
        ("How to read this", "Each period counts the challenges raised in it (by the date raised). "
                             "Open now and overdue now say where those challenges stand today. "
                             "Rows that could not be read are left out and listed under Not counted."),
    )


def summary_title(summary: Summary) -> str:
    return f"{summary.partnership_name}: professional challenge summary"


def summary_table(summary: Summary, generated_at: dt.datetime,
                  last_success: dt.datetime | None = None, zone: dt.tzinfo = DEFAULT_ZONE) -> SummaryTable:
    """The Summary tab: a title, the periods and times, then one table per section separated by
    blank rows; every table's header row is bold. Figures are numbers, percentages and dates."""
    rows: list[tuple[SummaryValue, ...]] = [(summary_title(summary),)]
    rows += summary_heading(summary, generated_at, last_success, zone)
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
           last_success: dt.datetime | None, generated_at: dt.datetime | None, zone: dt.tzinfo) -> SummaryRun:
    if tables is None:
        summary = read_summary(workbook, partnership, today)
    else:
        summary = compute_summary(partnership, tables, today)
    table = summary_table(summary, generated_at or dt.datetime.now(dt.timezone.utc), last_success, zone)
    workbook.write_summary(table)
    return SummaryRun(partnership.slug, summary, table)


def run_summary(workbook: Workbook, partnership: Partnership, today: dt.date, *,
                tables: Mapping[str, Table] | None = None, last_success: dt.datetime | None = None,
                generated_at: dt.datetime | None = None, zone: dt.tzinfo = DEFAULT_ZONE) -> SummaryTable:
    """Rewrite the Summary tab from the workbook's rows (read once, unless ``tables`` is given);
    times in ``zone``."""
    table = _write(workbook, partnership, today, tables, last_success, generated_at, zone).table
    assert table is not None
    return table


def last_success(config: Mapping[str, object], slug: str) -> dt.datetime | None:
    """When the daily job (``jobs run``) last succeeded for this partnership, as it recorded it."""
    try:
        return dt.datetime.fromisoformat(store_for(config).get(f"last-success:{slug}") or "")
    except (StateUnavailable, ValueError):
        return None


def run_summaries(partnerships: Iterable[Partnership], today: dt.date,
                  open_workbook: Callable[[Partnership], Workbook],
                  last_success: Callable[[str], dt.datetime | None] = lambda slug: None,
                 zone: dt.tzinfo = DEFAULT_ZONE) -> list[SummaryRun]:
    """Rewrite every partnership's Summary tab; one failing does not stop the others."""
    runs = []
    for partnership in partnerships:
        try:
            runs.append(_write(open_workbook(partnership), partnership, today, None,
                               last_success(partnership.slug), None, zone))
        except SheetError as e:
            runs.append(SummaryRun(partnership.slug, error=str(e)))
        except Exception as e:  # noqa: BLE001 - cron must go on to the next partnership and say what broke
            runs.append(SummaryRun(partnership.slug, error=f"{type(e).__name__}: {e}"))
    return runs
