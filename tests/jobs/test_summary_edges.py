"""The Summary's figures at the edges: a tab that is not there, steps with no deadline (open, never
counted as closed) and the first and last days of a period."""
from __future__ import annotations

import datetime as dt

import pytest

from reports.summary import summary_sections, summary_table
from reports.summary_figures import compute_summary
from sheets.base import Record, Table
from sheets.schema import CHALLENGE_COLUMNS, CHALLENGES, COMPLIANCE, COMPLIANCE_COLUMNS, LISTS
from tests.jobs import summary_dataset as data
from tests.jobs.summary_dataset import TODAY, sample_partnership

GENERATED = dt.datetime(2026, 11, 20, 6, 30, tzinfo=dt.timezone.utc)


def table(tab: str, headers: tuple[str, ...], rows: list[dict[str, str]]) -> Table:
    return Table(tab, headers, tuple(Record(tab, i + 2, row) for i, row in enumerate(rows)))


def without(*tabs: str) -> dict[str, Table]:
    return {tab: t for tab, t in data.tables().items() if tab not in tabs}


def test_a_missing_challenges_tab_counts_no_challenges_and_still_counts_compliance():
    full = compute_summary(sample_partnership(), data.tables(), TODAY)
    summary = compute_summary(sample_partnership(), without(CHALLENGES), TODAY)
    assert [f.raised for f in summary.challenges] == [0, 0, 0]
    assert [f.raised for f in summary.compliance] == [f.raised for f in full.compliance]
    assert summary.open_now == sum(f.open_now for f in full.compliance[2:])
    assert all(p.tab == COMPLIANCE for p in summary.not_counted)
    assert ("Open today, whenever raised", "2 challenges and compliance challenges, 2 of them overdue") \
        in summary_table(summary, GENERATED, None).rows


def test_a_missing_compliance_tab_counts_no_compliance_challenges():
    full = compute_summary(sample_partnership(), data.tables(), TODAY)
    summary = compute_summary(sample_partnership(), without(COMPLIANCE), TODAY)
    assert [f.raised for f in summary.compliance] == [0, 0, 0]
    assert summary.challenges == full.challenges
    assert all(p.tab == CHALLENGES for p in summary.not_counted)
    assert "Compliance challenges" in [s.title for s in summary_sections(summary)]


def test_no_tabs_at_all_is_an_empty_summary_not_a_crash():
    summary = compute_summary(sample_partnership(), {}, TODAY)
    assert (summary.open_now, summary.overdue_now, summary.not_counted, summary.agencies_listed) == (0, 0, (), ())
    assert [m.challenges + m.compliance for m in summary.months] == [0] * 12
    assert ("Open today, whenever raised", "0 challenges and compliance challenges, 0 of them overdue") \
        in summary_table(summary, GENERATED, None).rows


def test_a_compliance_challenge_at_durham_stage_5_is_open_not_closed():
    # Stage 5 (escalation to the DSCP Executive) sets no timescale: open, neither overdue nor closed.
    rows = [{"Reference": "C-5", "Raised on": "05/10/2026", "Step": "5", "Step started": "02/11/2026",
             "Professional agency": "Police"}]
    summary = compute_summary(sample_partnership(), {COMPLIANCE: table(COMPLIANCE, COMPLIANCE_COLUMNS, rows)}, TODAY)
    assert (summary.open_now, summary.overdue_now) == (1, 0)
    current = summary.compliance[0]
    assert (current.raised, current.open_now, current.overdue_now, current.resolved, current.withdrawn) == (1, 1, 0, 0, 0)
    assert current.highest_step == {5: 1} and current.reached_threshold == 1


def test_a_partnership_whose_procedure_sets_no_timescales_counts_its_challenges_open():
    partnership = sample_partnership(procedure="lscb-school", compliance_procedure=None)
    rows = [{"Reference": "L-1", "Raised on": "01/06/2026", "Step": "5", "Step started": "01/07/2026"},
            {"Reference": "L-2", "Raised on": "02/06/2026", "Step": "1"},
            {"Reference": "L-3", "Raised on": "03/06/2026", "Step": "2", "Resolved on": "10/06/2026"}]
    summary = compute_summary(partnership, {CHALLENGES: table(CHALLENGES, CHALLENGE_COLUMNS, rows)}, TODAY)
    previous = summary.challenges[1]
    assert (previous.raised, previous.open_now, previous.overdue_now, previous.resolved) == (3, 2, 0, 1)
    assert previous.resolved_in_time == 1
    assert summary.open_now == 2


@pytest.mark.parametrize("raised_on, period", [("30/09/2026", 1), ("01/10/2026", 0), ("01/04/2026", 1)])
def test_a_challenge_raised_on_a_periods_first_or_last_day_counts_in_that_period(raised_on, period):
    rows = [{"Reference": "E-1", "Raised on": raised_on, "Step": "1", "Resolved on": raised_on}]
    summary = compute_summary(sample_partnership(), {CHALLENGES: table(CHALLENGES, CHALLENGE_COLUMNS, rows)}, TODAY)
    assert [f.raised for f in summary.challenges] == [1 if i == period else 0 for i in (0, 1)] + [1]


def test_a_challenge_raised_the_day_before_the_year_is_not_in_it():
    rows = [{"Reference": "E-0", "Raised on": "31/03/2026", "Step": "1"}]
    summary = compute_summary(sample_partnership(), {CHALLENGES: table(CHALLENGES, CHALLENGE_COLUMNS, rows)}, TODAY)
    assert [f.raised for f in summary.challenges] == [0, 0, 0]
    assert summary.open_now == 1


def test_the_lists_tab_missing_leaves_agencies_as_typed():
    summary = compute_summary(sample_partnership(), without(LISTS), TODAY)
    assert summary.agencies_listed == ()
    assert summary.challenges[2].raised == compute_summary(sample_partnership(), data.tables(), TODAY).challenges[2].raised
