"""The Summary's figures, counted column by column, are the figures counted row by row: the same
numbers, and every breakdown's entries in the same order, on random sheets with names typed in
every way, unreadable rows, rows raised after today and rows outside the year."""
import datetime as dt
import random
import statistics
from collections import Counter

import pytest

from reports.summary_figures import (
    AGENCIES,
    CHILD_OR_ADULT,
    IDENTIFIED_ISSUE,
    NOT_RECORDED,
    OTHER_AGENCY,
    PROFESSIONAL_AGENCY,
    RAISER_AGENCY,
    RAISER_SATISFIED,
    REFERRED,
    THEME,
    Figures,
    Month,
    Patterns,
    Summary,
    _add_months,
    _issues,
    _list,
    _Names,
    _person,
    _yes,
    compute_summary,
    reporting_periods,
)
from procedures import Positions
from sheets.base import Record, Table
from sheets.rows import read_challenges
from sheets.schema import (
    CHALLENGE_COLUMNS, CHALLENGES, COMPLIANCE, COMPLIANCE_COLUMNS, COMPLIANCE_ISSUES, DEFAULT_THEMES, LISTS,
    LISTS_COLUMNS, THEMES,
)
from tests.jobs.summary_dataset import TODAY, sample_partnership


def reference_summary(partnership, tables, today) -> Summary:
    """The figures counted one row at a time, the plain way."""
    periods = reporting_periods(today, partnership.period_start_months)
    agencies = _list(tables.get(LISTS), AGENCIES)
    names = _Names(agencies)
    themes = _Names(_list(tables.get(LISTS), THEMES) or DEFAULT_THEMES)

    def counted(table, procedure, tab_themes):
        if table is None:
            return [], []
        compliance = table.tab == COMPLIANCE
        rows, problems = read_challenges(table, procedure)
        where = Positions(procedure, partnership.calendar, today, due_soon_days=partnership.reminders.due_soon_days)
        out = []
        for row in rows:
            record = row.record
            out.append(dict(
                raised_on=row.dates.raised_on, position=where(row.dates),
                raising="" if compliance else names(record[RAISER_AGENCY]),
                receiving=names(record[PROFESSIONAL_AGENCY if compliance else OTHER_AGENCY]),
                themes=_issues(record[IDENTIFIED_ISSUE], tab_themes) if compliance else (tab_themes(record[THEME]),),
                person=_person(record[CHILD_OR_ADULT]), satisfied=_yes(record[RAISER_SATISFIED]),
                referred=_yes(record[REFERRED])))
        return out, problems

    def figures(rows, period, by_raiser):
        here = [r for r in rows if r["raised_on"] in period]
        resolved = [r for r in here if r["position"].status == "resolved"]
        days = [r["position"].working_days_elapsed for r in resolved]
        threshold = here[0]["position"].procedure.reporting_step if here else None
        return Figures(
            period=period, raised=len(here),
            by_raising_agency=dict(Counter(r["raising"] for r in here)) if by_raiser else {},
            by_receiving_agency=dict(Counter(r["receiving"] for r in here)),
            by_theme=dict(Counter(t for r in here for t in r["themes"])),
            by_person=dict(Counter(r["person"] for r in here)),
            highest_step=dict(Counter(r["position"].step.number for r in here)),
            resolved_at_step=dict(Counter(r["position"].step.number for r in resolved)),
            resolved=len(resolved),
            resolved_in_time=sum(1 for r in resolved if r["position"].resolved_in_time),
            median_days_to_resolve=statistics.median(days) if days else None,
            withdrawn=sum(1 for r in here if r["position"].status == "withdrawn"),
            open_now=sum(1 for r in here if r["position"].is_open),
            overdue_now=sum(1 for r in here if r["position"].status == "overdue"),
            raiser_satisfied=sum(1 for r in resolved if r["satisfied"]),
            referred=sum(1 for r in here if r["referred"]),
            reached_threshold=sum(1 for r in here if threshold and r["position"].step.number >= threshold.number))

    challenges, problems = counted(tables.get(CHALLENGES), partnership.procedure, themes)
    compliance = []
    if partnership.compliance_procedure is not None:
        compliance, more = counted(tables.get(COMPLIANCE), partnership.compliance_procedure, _Names(COMPLIANCE_ISSUES))
        problems += more
    threshold = partnership.reminders.repeated_challenges

    def patterns(period):
        received = Counter(r["receiving"] for r in challenges + compliance if r["raised_on"] in period)
        received.pop(NOT_RECORDED, None)
        raised = {r["raising"] for r in challenges if r["raised_on"] in period}
        repeated = {a: n for a, n in sorted(received.items(), key=lambda kv: (-kv[1], kv[0].casefold()))
                    if n >= threshold}
        return Patterns(period, repeated, tuple(a for a in agencies if a not in raised))

    starts = [_add_months(periods[2].start, i) for i in range(12)]
    by_month = Counter((r["raised_on"].year, r["raised_on"].month) for r in challenges)
    compliance_by_month = Counter((r["raised_on"].year, r["raised_on"].month) for r in compliance)
    return Summary(
        partnership_name=partnership.name, today=today, procedure=partnership.procedure,
        compliance_procedure=partnership.compliance_procedure, periods=periods,
        challenges=tuple(figures(challenges, p, True) for p in periods),
        compliance=tuple(figures(compliance, p, False) for p in periods) if partnership.compliance_procedure else None,
        patterns=tuple(patterns(p) for p in periods),
        months=tuple(Month(m, by_month[m.year, m.month], compliance_by_month[m.year, m.month]) for m in starts),
        agencies_listed=agencies, repeated_threshold=threshold,
        open_now=sum(1 for r in challenges + compliance if r["position"].is_open),
        overdue_now=sum(1 for r in challenges + compliance if r["position"].status == "overdue"),
        not_counted=tuple(problems))


AGENCY_NAMES = ["Police", "police", "  Police ", "Health", "HEALTH", "Children's Social Care", "Education",
                "Probation", "Housing", "Someone New", "someone new", ""]
THEME_NAMES = ["Referral criteria", "referral  criteria", "Timeliness", "Assessment outcomes", "Other thing", ""]
ISSUES = [*COMPLIANCE_ISSUES[:4], "Other", "", f"{COMPLIANCE_ISSUES[0]}; {COMPLIANCE_ISSUES[1]}",
          f"{COMPLIANCE_ISSUES[2]}\n{COMPLIANCE_ISSUES[0]}; made up issue"]


def sheet(rng: random.Random, n: int) -> dict[str, Table]:
    def when(back: int) -> str:
        return (TODAY - dt.timedelta(days=rng.randrange(-20, back))).isoformat()

    def rows(tab: str, steps: str, agency_column: str, theme_column: str, theme_names: list[str]) -> list[dict]:
        out = []
        for i in range(n):
            row = {"Reference": f"{tab[:2]}-{i}", "Raised on": when(500), "Step": rng.choice(steps),
                   agency_column: rng.choice(AGENCY_NAMES), theme_column: rng.choice(theme_names),
                   RAISER_AGENCY: rng.choice(AGENCY_NAMES), CHILD_OR_ADULT: rng.choice(["Child", "adult", "", "Young person", "Family"]),
                   RAISER_SATISFIED: rng.choice(["Yes", "no", "", "y"]), REFERRED: rng.choice(["Yes", "", "TRUE"])}
            if row["Step"] != steps[0]:
                row["Step started"] = row["Raised on"]
            if rng.random() < 0.4:
                row["Resolved on"] = when(30) if rng.random() < 0.95 else "not a date"
            elif rng.random() < 0.1:
                row["Withdrawn on"] = when(30)
            if rng.random() < 0.02:
                row["Reference"] = f"{tab[:2]}-0"  # a repeated reference
            out.append(row)
        return out

    def table(tab, headers, rows):
        return Table(tab, headers, tuple(Record(tab, i + 2, r) for i, r in enumerate(rows)))

    lists = [{AGENCIES: a, THEMES: t} for a, t in zip(["Police", "Health", "Children's Social Care", "Education",
                                                       "Probation", "Housing"], ["Referral criteria", "Timeliness",
                                                                                 "Assessment outcomes", "", "", ""])]
    return {CHALLENGES: table(CHALLENGES, CHALLENGE_COLUMNS, rows(CHALLENGES, "1234", OTHER_AGENCY, THEME, THEME_NAMES)),
            COMPLIANCE: table(COMPLIANCE, COMPLIANCE_COLUMNS,
                              rows(COMPLIANCE, "2345", PROFESSIONAL_AGENCY, IDENTIFIED_ISSUE, ISSUES)),
            LISTS: table(LISTS, LISTS_COLUMNS, lists)}


def in_order(summary: Summary) -> list:
    """Every figure, with each breakdown's entries in their order."""
    out = []
    for figures in (*summary.challenges, *(summary.compliance or ())):
        out.append([(name, list(value.items()) if isinstance(value, dict) else value)
                    for name, value in vars(figures).items()])
    out += [(list(p.repeated.items()), p.raised_none) for p in summary.patterns]
    return out


@pytest.mark.parametrize("seed", range(6))
def test_counted_by_column_is_counted_by_row(seed):
    rng = random.Random(seed)
    tables = sheet(rng, 400)
    for partnership in (sample_partnership(), sample_partnership(compliance_procedure=None),
                        sample_partnership(summary={"period_start_months": [1, 7]})):
        fast, plain = compute_summary(partnership, tables, TODAY), reference_summary(partnership, tables, TODAY)
        assert fast == plain
        assert in_order(fast) == in_order(plain)
        assert fast.challenges[2].raised > 100 and fast.not_counted


def test_no_tabs_at_all_count_nothing():
    partnership = sample_partnership()
    assert compute_summary(partnership, {}, TODAY) == reference_summary(partnership, {}, TODAY)


@pytest.mark.parametrize("blank", [(THEME, REFERRED), (RAISER_SATISFIED, CHILD_OR_ADULT, RAISER_AGENCY),
                                   (OTHER_AGENCY, IDENTIFIED_ISSUE, PROFESSIONAL_AGENCY)])
def test_a_column_blank_on_every_row_is_counted_as_row_by_row(blank):
    # A column a partnership does not use is counted without looking at each row: the same figures.
    rng = random.Random(7)
    tables = sheet(rng, 300)
    for tab in (CHALLENGES, COMPLIANCE):
        table = tables[tab]
        tables[tab] = Table(tab, table.headers, tuple(
            Record(tab, r.row, {k: v for k, v in r.values.items() if k not in blank}) for r in table.records))
    partnership = sample_partnership()
    fast, plain = compute_summary(partnership, tables, TODAY), reference_summary(partnership, tables, TODAY)
    assert fast == plain and in_order(fast) == in_order(plain)
    if THEME in blank:
        assert [f.by_theme for f in fast.challenges] == [{NOT_RECORDED: f.raised} if f.raised else {}
                                                         for f in fast.challenges]
