"""The Summary tab's figures, worked out by hand from the fixed dataset in summary_dataset."""
from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from reports.summary import summary_sections, summary_table
from reports.summary_figures import ADULTS, CHILDREN, NOT_RECORDED, Figures, compute_summary, reporting_periods
from sheets.base import Percent, Table, cell_display
from sheets.schema import CHALLENGE_COLUMNS, CHALLENGES, COMPLIANCE, COMPLIANCE_COLUMNS
from tests.jobs import summary_dataset as data
from tests.jobs.summary_dataset import ATTENDANCE, CSC, LACK, NOT_SHARED, TODAY, sample_partnership

friday_20_november_2026 = TODAY
GENERATED = dt.datetime(2026, 11, 20, 6, 30, tzinfo=dt.timezone.utc)
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def summary():
    return compute_summary(sample_partnership(), data.tables(), friday_20_november_2026)


def section(summary, title):
    return next(s for s in summary_sections(summary) if s.title == title)


# --- periods ---------------------------------------------------------------

def test_the_periods_are_the_six_months_holding_today_the_six_before_and_the_two_together():
    current, previous, year = reporting_periods(friday_20_november_2026, (4, 10))
    assert (current.start, current.end) == (dt.date(2026, 10, 1), dt.date(2027, 3, 31))
    assert (previous.start, previous.end) == (dt.date(2026, 4, 1), dt.date(2026, 9, 30))
    assert (year.start, year.end) == (dt.date(2026, 4, 1), dt.date(2027, 3, 31))
    # The Summary tab and the board paper head their columns with these.
    assert (current.label, previous.label, year.label) == ("Current period", "Previous period", "Year")


@pytest.mark.parametrize("today, current_start, previous_start", [
    (dt.date(2027, 2, 15), dt.date(2026, 10, 1), dt.date(2026, 4, 1)),
    (dt.date(2027, 3, 31), dt.date(2026, 10, 1), dt.date(2026, 4, 1)),
    (dt.date(2027, 4, 1), dt.date(2027, 4, 1), dt.date(2026, 10, 1)),
    (dt.date(2026, 9, 30), dt.date(2026, 4, 1), dt.date(2025, 10, 1)),
])
def test_a_period_starts_on_the_first_of_a_start_month(today, current_start, previous_start):
    current, previous, _ = reporting_periods(today, (4, 10))
    assert current.start == current_start and previous.start == previous_start
    assert previous.end == current_start - dt.timedelta(days=1)


def test_a_partnership_may_report_january_to_june_and_july_to_december():
    current, previous, year = reporting_periods(friday_20_november_2026, (1, 7))
    assert (current.start, current.end) == (dt.date(2026, 7, 1), dt.date(2026, 12, 31))
    assert (previous.start, previous.end) == (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    assert year.dates == "1 January 2026 to 31 December 2026"


def test_the_summary_uses_the_partnerships_period_months():
    summary = compute_summary(sample_partnership(summary={"period_start_months": [1, 7]}), data.tables(), TODAY)
    current, previous, _ = summary.periods
    # July to November 2026: DEMO-0005 to DEMO-0024, 20 rows.
    assert current.start == dt.date(2026, 7, 1) and summary.challenges[0].raised == 20
    # January to June 2026: DEMO-0001 to DEMO-0004 and DEMO-0025 (2 March).
    assert previous.start == dt.date(2026, 1, 1) and summary.challenges[1].raised == 5


# --- challenge figures -----------------------------------------------------

def test_current_period_figures(summary):
    f = summary.challenges[0]
    assert f.raised == 12
    assert f.by_raising_agency == {"Police": 5, "Health": 3, "Education": 2, CSC: 2}
    assert f.by_receiving_agency == {CSC: 7, "Police": 2, "Health": 2, "Education": 1}
    assert f.by_theme == {"Referral criteria": 4, "Timeliness": 2, "Assessment outcomes": 1,
                          "Information sharing": 2, "Roles and responsibilities": 1, "Service provision": 2}
    assert f.by_person == {CHILDREN: 9, ADULTS: 3}
    assert f.highest_step == {1: 5, 2: 4, 3: 2, 4: 1}
    assert f.resolved_at_step == {1: 2, 2: 1, 3: 2}
    # Resolved after 0, 7, 13, 3 and 0 working days.
    assert (f.resolved, f.resolved_in_time, f.median_days_to_resolve) == (5, 5, 3)
    assert (f.withdrawn, f.open_now, f.overdue_now) == (1, 6, 4)
    assert (f.raiser_satisfied, f.referred, f.reached_threshold) == (4, 1, 1)


def test_previous_period_figures(summary):
    f = summary.challenges[1]
    assert f.raised == 12
    assert f.by_raising_agency == {"Police": 4, "Health": 3, "Education": 2, CSC: 2, "Probation": 1}
    assert f.by_receiving_agency == {CSC: 6, "Police": 3, "Health": 3}
    assert f.by_theme == {"Referral criteria": 3, "Assessment outcomes": 2, "Information sharing": 2,
                          "Service provision": 2, "Roles and responsibilities": 1, "Timeliness": 1,
                          NOT_RECORDED: 1}
    assert f.by_person == {CHILDREN: 8, ADULTS: 4}
    assert f.highest_step == {1: 4, 2: 5, 3: 2, 4: 1}
    assert f.resolved_at_step == {1: 3, 2: 5, 3: 1, 4: 1}
    # DEMO-0007 was resolved late; days to resolve 0, 0, 4, 8, 12, 20, 14, 1, 0, 0: median (1 + 4) / 2.
    assert (f.resolved, f.resolved_in_time, f.median_days_to_resolve) == (10, 9, 2.5)
    assert (f.withdrawn, f.open_now, f.overdue_now) == (1, 1, 1)
    assert (f.raiser_satisfied, f.referred, f.reached_threshold) == (7, 1, 1)


def test_year_figures(summary):
    f = summary.challenges[2]
    assert f.raised == 24
    assert f.by_raising_agency == {"Police": 9, "Health": 6, "Education": 4, CSC: 4, "Probation": 1}
    assert f.by_receiving_agency == {CSC: 13, "Police": 5, "Health": 5, "Education": 1}
    assert f.by_person == {CHILDREN: 17, ADULTS: 7}
    assert f.highest_step == {1: 9, 2: 9, 3: 4, 4: 2}
    assert f.resolved_at_step == {1: 5, 2: 6, 3: 3, 4: 1}
    # Fifteen resolutions: six on day 1, then 1, 3, 4, 7, 8, 12, 13, 14, 20 working days: the eighth is 3.
    assert (f.resolved, f.resolved_in_time, f.median_days_to_resolve) == (15, 14, 3)
    assert (f.withdrawn, f.open_now, f.overdue_now) == (2, 7, 5)
    assert (f.raiser_satisfied, f.referred, f.reached_threshold) == (11, 2, 2)


def test_open_today_counts_every_readable_challenge_whenever_raised(summary):
    # Year: 7 challenges open (5 overdue) and 2 compliance challenges (both overdue);
    # DEMO-0025, raised in March 2026, is open and overdue too.
    assert (summary.open_now, summary.overdue_now) == (10, 8)


def test_a_bank_holiday_is_not_a_working_day_to_resolve():
    only = {**data.tables()}
    rows = tuple(r for r in only[CHALLENGES].records if r.reference == "DEMO-0008")
    only[CHALLENGES] = Table(CHALLENGES, CHALLENGE_COLUMNS, rows)
    f = compute_summary(sample_partnership(), only, TODAY).challenges[1]
    # Friday 28 August to 1 September 2026, across the August bank holiday.
    assert f.median_days_to_resolve == 1


def test_stored_status_and_step_due_by_columns_are_ignored():
    tables = data.tables()
    records = tuple(dataclasses.replace(r, values={**r.values, "Status": "resolved", "Step due by": "01/01/2030"})
                    for r in tables[CHALLENGES].records)
    tables[CHALLENGES] = Table(CHALLENGES, CHALLENGE_COLUMNS, records)
    assert compute_summary(sample_partnership(), tables, TODAY).challenges[0].overdue_now == 4


# --- compliance, patterns, months, not counted -----------------------------

def test_compliance_figures(summary):
    current, previous, year = summary.compliance
    assert (current.raised, previous.raised, year.raised) == (3, 2, 5)
    assert current.by_theme == {LACK: 2, NOT_SHARED: 1, ATTENDANCE: 1, "Other": 1}
    assert previous.by_theme == {LACK: 1, NOT_RECORDED: 1}
    assert current.by_receiving_agency == {CSC: 2, "Health": 1}
    assert year.by_receiving_agency == {CSC: 3, "Health": 1, "Education": 1}
    assert year.highest_step == {1: 3, 2: 1, 3: 1}
    assert (year.resolved, year.resolved_in_time, year.median_days_to_resolve) == (2, 2, 2)
    assert (year.withdrawn, year.open_now, year.overdue_now, year.reached_threshold) == (1, 2, 2, 1)


def test_without_a_compliance_procedure_the_compliance_tab_is_not_read():
    summary = compute_summary(dataclasses.replace(sample_partnership(), compliance_procedure=None), data.tables(), TODAY)
    assert summary.compliance is None
    assert all(p.tab == CHALLENGES for p in summary.not_counted)
    assert "Compliance challenges" not in [s.title for s in summary_sections(summary)]


def test_patterns(summary):
    current, previous, year = summary.patterns
    assert current.repeated == {CSC: 9, "Health": 3}
    assert previous.repeated == {CSC: 7, "Health": 3, "Police": 3}
    assert year.repeated == {CSC: 16, "Health": 6, "Police": 5}
    assert current.raised_none == ("Probation", "Housing")
    assert previous.raised_none == year.raised_none == ("Housing",)


def test_the_repeated_challenge_threshold_comes_from_the_partnership():
    summary = compute_summary(sample_partnership(reminders={"repeated_challenges": 8}), data.tables(), TODAY)
    assert [p.repeated for p in summary.patterns] == [{CSC: 9}, {}, {CSC: 16}]
    assert section(summary, "Patterns").rows[0][1:] == (f"{CSC} (9)", "none", f"{CSC} (16)")


def test_months(summary):
    assert [(m.label, m.challenges, m.compliance) for m in summary.months] == [
        ("Apr 2026", 0, 0), ("May 2026", 0, 0), ("Jun 2026", 4, 2), ("Jul 2026", 3, 0),
        ("Aug 2026", 1, 0), ("Sep 2026", 4, 0), ("Oct 2026", 7, 2), ("Nov 2026", 5, 1),
        ("Dec 2026", 0, 0), ("Jan 2027", 0, 0), ("Feb 2027", 0, 0), ("Mar 2027", 0, 0)]


def test_mistyped_rows_are_not_counted_and_are_listed(summary):
    rows = section(summary, "Not counted").rows
    assert [(tab, row) for tab, row, _ in rows] == [
        (CHALLENGES, 27), (CHALLENGES, 28), (CHALLENGES, 29), (CHALLENGES, 30), (COMPLIANCE, 7)]
    reasons = [reason for _, _, reason in rows]
    assert reasons[0].startswith("Column \"Raised on\": '31/09/2026' is not a real date")
    assert reasons[1] == "Column \"Step\": 'Step 7' is not a step of this procedure (1, 2, 3, 4)"
    assert reasons[2] == reasons[3] == 'Column "Reference": DEMO-0092 is on 2 rows; references must be unique'
    assert "'next Tuesday' is not a date" in reasons[4]


# --- the tab's rows --------------------------------------------------------

HEADINGS = ("Current period (Oct 2026 to Mar 2027)", "Previous period (Apr 2026 to Sep 2026)",
            "Year (Apr 2026 to Mar 2027)")


def test_the_challenges_table_holds_numbers_and_says_what_each_percentage_is_of(summary):
    s = section(summary, "Challenges")
    assert s.columns == HEADINGS
    assert s.rows == (
        ("Raised", 12, 12, 24),
        ("Resolved", 5, 10, 15),
        ("Resolved within the procedure's timescale", 5, 9, 14),
        ("Resolved within the procedure's timescale (% of those resolved)",
         Percent(5, 5), Percent(9, 10), Percent(14, 15)),
        ("Median working days to resolve (from day 1 to the day resolved)", 3, 2.5, 3),
        ("Withdrawn", 1, 1, 2),
        ("Open now", 6, 1, 7),
        ("Overdue now", 4, 1, 5),
        ("Raiser satisfied with the outcome", 4, 7, 11),
        ("Raiser satisfied with the outcome (% of those resolved)", Percent(4, 5), Percent(7, 10), Percent(11, 15)),
        ("Referred to the partnership", 1, 1, 2),
        ("Referred to the partnership (% of those raised)", Percent(1, 12), Percent(1, 12), Percent(2, 24)),
        ("Reached the reporting threshold (Step 4: Statutory Partners)", 1, 1, 2),
    )
    assert [str(p) for p in s.rows[3][1:]] == ["100%", "90%", "93%"]
    assert [str(p) for p in s.rows[11][1:]] == ["8%", "8%", "8%"]
    assert all(type(v) is int for row in s.rows if "%" not in row[0] and "Median" not in row[0] for v in row[1:])


def test_breakdowns_are_largest_first_over_the_year_with_not_recorded_last(summary):
    assert section(summary, "Raised by agency").rows == (
        ("Police", 5, 4, 9), ("Health", 3, 3, 6), (CSC, 2, 2, 4),
        ("Education", 2, 2, 4), ("Probation", 0, 1, 1))
    assert section(summary, "By theme").rows[-1] == (NOT_RECORDED, 0, 1, 1)
    assert section(summary, "Highest step reached").rows == (
        ("Step 1: Professionals resolving disagreements", 5, 4, 9),
        ("Step 2: Line managers and safeguarding leads", 4, 5, 9),
        ("Step 3: Safeguarding Partnership representative", 2, 2, 4),
        ("Step 4: Statutory Partners", 1, 1, 2))
    assert section(summary, "Resolved at each step").rows[3] == ("Step 4: Statutory Partners", 0, 1, 1)


def test_an_empty_period_counts_zero():
    tables = data.tables()
    before_october = tuple(r for r in tables[CHALLENGES].records if "DEMO-0001" <= r.reference <= "DEMO-0012")
    tables[CHALLENGES] = Table(CHALLENGES, CHALLENGE_COLUMNS, before_october)
    tables[COMPLIANCE] = Table(COMPLIANCE, COMPLIANCE_COLUMNS, ())
    summary = compute_summary(sample_partnership(), tables, TODAY)
    overview = section(summary, "Challenges").rows
    assert overview[0] == ("Raised", 0, 12, 12)
    assert {row[1] for row in overview} == {0, "none resolved", "none raised"}
    assert section(summary, "Raised by agency").rows[0] == ("Police", 0, 4, 4)
    assert section(summary, "Compliance challenges by agency").rows == (("No challenges", 0, 0, 0),)
    assert section(summary, "Not counted").rows == (("none", "", ""),)


def test_a_procedure_without_timescales_says_so():
    summary = compute_summary(sample_partnership(procedure="darlington"), data.tables(), TODAY)
    assert section(summary, "Challenges").rows[2][1] == "the procedure sets no timescales"


def test_the_tab_has_a_title_periods_and_times_then_tables_with_bold_headers(summary):
    table = summary_table(summary, GENERATED, dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.timezone.utc), LONDON)
    lines = dict(row for row in table.rows[1:10] if len(row) == 2)
    assert table.rows[0] == ("Testshire Safeguarding Partnership: professional challenge summary",)
    assert lines["Current period"] == "1 October 2026 to 31 March 2027"
    assert lines["Previous period"] == "1 April 2026 to 30 September 2026"
    assert lines["Year"] == "1 April 2026 to 31 March 2027: the previous and current periods together"
    assert lines["Figures as they stood on"] == dt.date(2026, 11, 20)
    # Times are the partnership's local time (GMT in November), to the minute, and the label names the zone.
    assert lines["Generated (Europe/London time)"] == dt.datetime(2026, 11, 20, 6, 30)
    assert lines["Daily job last succeeded (Europe/London time)"] == dt.datetime(2026, 11, 20, 6, 0)
    assert lines["Open today, whenever raised"] == "10 challenges and compliance challenges, 8 of them overdue"
    bold_rows = [table.rows[i] for i in sorted(table.bold)]
    assert bold_rows[0] == table.rows[0]
    assert [r[0] for r in bold_rows[1:]] == [s.title for s in summary_sections(summary)]
    assert bold_rows[1] == ("Challenges", *HEADINGS)
    for i in table.bold - {0}:
        assert table.rows[i - 1] == ("",), "each table follows a blank row, so it pastes as its own table"


def test_without_a_recorded_success_the_tab_says_so(summary):
    table = summary_table(summary, GENERATED, None)
    assert ("Daily job last succeeded (Europe/London time)", "not recorded") in table.rows


def test_summer_times_are_british_summer_time_and_another_zone_can_be_chosen(summary):
    june = dt.datetime(2026, 6, 1, 5, 30, tzinfo=dt.timezone.utc)
    table = summary_table(summary, june, None, LONDON)
    assert ("Generated (Europe/London time)", dt.datetime(2026, 6, 1, 6, 30)) in table.rows
    table = summary_table(summary, june, None, ZoneInfo("Europe/Dublin"))
    assert ("Generated (Europe/Dublin time)", dt.datetime(2026, 6, 1, 6, 30)) in table.rows


def test_each_month_is_a_real_date_shown_as_its_month(summary):
    months = section(summary, "Raised each month").rows
    assert months[2] == (dt.date(2026, 6, 1), 4, 2)
    assert cell_display(months[2][0]) == "June 2026"


def test_figures_are_the_same_on_every_run(summary):
    again = compute_summary(sample_partnership(), data.tables(), TODAY)
    assert summary_table(again, GENERATED) == summary_table(summary, GENERATED)
    assert isinstance(summary.challenges[0], Figures)
