"""The Summary counts cells as people type them into the sheet: "Child or adult" written by hand,
"Yes" answers written as Y or TRUE (a Google Sheets tick box reads TRUE), several identified issues in
one compliance cell, themes spelled as the Lists tab spells them, a procedure that marks no
reporting threshold, and the periods' column headings.

Each test computes its own summary: a figure worked out in a shared fixture is not traced back to
the test that reads it."""
from __future__ import annotations

from reports.summary import summary_sections
from reports.summary_figures import ADULTS, CHILDREN, NOT_RECORDED, compute_summary
from sheets.base import Record, Table
from sheets.schema import (
    CHALLENGE_COLUMNS,
    CHALLENGES,
    COMPLIANCE,
    COMPLIANCE_COLUMNS,
    DEFAULT_THEMES,
    LISTS,
    LISTS_COLUMNS,
)
from tests.jobs.summary_dataset import LACK, NOT_SHARED, TODAY, sample_partnership

# Raised in the current period (1 October 2026 to 31 March 2027); today is 20 November 2026.
RAISED = "02/11/2026"


def table(tab: str, headers: tuple[str, ...], rows: list[dict[str, str]]) -> Table:
    return Table(tab, headers, tuple(Record(tab, i + 2, row) for i, row in enumerate(rows)))


def challenges(*rows: dict[str, str]) -> Table:
    return table(CHALLENGES, CHALLENGE_COLUMNS,
                 [{"Reference": f"T-{i}", "Raised on": RAISED, "Step": "1", **row} for i, row in enumerate(rows)])


def compliance(*issues: str) -> Table:
    return table(COMPLIANCE, COMPLIANCE_COLUMNS,
                 [{"Reference": f"C-{i}", "Raised on": RAISED, "Step": "1", "Professional agency": "Police",
                   "Identified issue": issue} for i, issue in enumerate(issues)])


def lists(column: str, *values: str) -> Table:
    return table(LISTS, LISTS_COLUMNS, [{column: v} for v in values])


def current(tables: dict[str, Table], **partnership):
    summary = compute_summary(sample_partnership(**partnership), tables, TODAY)
    return summary, summary.challenges[0]


def test_child_or_adult_typed_by_hand_counts_as_children_adults_or_as_typed():
    typed = ["Young person", "young carer", "Child", "CHILDREN", "Adult at risk", "vulnerable adult",
             "Whole   family", "Unborn baby", "  "]
    _, figures = current({CHALLENGES: challenges(*({"Child or adult": t} for t in typed))})
    assert figures.by_person == {CHILDREN: 4, ADULTS: 2, "Whole family": 1, "Unborn baby": 1, NOT_RECORDED: 1}


def test_raiser_satisfied_yes_may_be_typed_y_or_true_and_anything_else_is_not_satisfied():
    answers = ["Yes", "y", "Y", " TRUE ", "true", "No", "n", "FALSE", "", "yes please"]
    rows = ({"Raiser satisfied": a, "Resolved on": RAISED} for a in answers)
    summary, figures = current({CHALLENGES: challenges(*rows)})
    assert (figures.resolved, figures.raiser_satisfied) == (10, 5)
    shown = {str(row[0]): row[1:] for s in summary_sections(summary) for row in s.rows}
    assert shown["Raiser satisfied with the outcome"][0] == 5


def test_referred_to_partnership_yes_may_be_typed_y_or_true():
    answers = ["Yes", "Y", "y", "TRUE", "True", "No", "", "N"]
    _, figures = current({CHALLENGES: challenges(*({"Referred to partnership": a} for a in answers))})
    assert figures.referred == 5


def test_a_compliance_cell_may_hold_several_issues_split_by_semicolons_or_new_lines():
    summary = compute_summary(sample_partnership(),
                              {COMPLIANCE: compliance(f"{LACK}; {NOT_SHARED}", f"lack of report\n{NOT_SHARED}",
                                                      "Other", " ; ", "")}, TODAY)
    assert summary.compliance[0].by_theme == {LACK: 2, NOT_SHARED: 2, "Other": 1, NOT_RECORDED: 2}


def test_themes_are_spelled_as_the_lists_tab_spells_them():
    tables = {CHALLENGES: challenges({"Theme": "escalation   DELAYS"}, {"Theme": "referral criteria"}),
              LISTS: lists("Themes", "Escalation delays", "Referral Criteria")}
    _, figures = current(tables)
    assert figures.by_theme == {"Escalation delays": 1, "Referral Criteria": 1}


def test_without_themes_on_the_lists_tab_the_default_themes_spell_them():
    assert "Referral criteria" in DEFAULT_THEMES
    tables = {CHALLENGES: challenges({"Theme": "escalation   DELAYS"}, {"Theme": "REFERRAL criteria"}),
              LISTS: lists("Agencies", "Police")}
    _, figures = current(tables)
    assert figures.by_theme == {"escalation DELAYS": 1, "Referral criteria": 1}


def test_a_procedure_marking_no_reporting_threshold_counts_none_reached_and_shows_no_such_row():
    procedure = {"name": "Local challenge", "steps": [
        {"name": "Practitioners", "role": "Practitioners", "conclude_by": 2},
        {"name": "Managers", "role": "Line managers", "conclude_by": 7}]}
    summary, figures = current({CHALLENGES: challenges({"Step": "2"}, {"Step": "1"})},
                               procedure=procedure, compliance_procedure=None)
    assert (figures.raised, figures.highest_step, figures.reached_threshold) == (2, {2: 1, 1: 1}, 0)
    assert not any(str(row[0]).startswith("Reached the reporting threshold")
                   for s in summary_sections(summary) for row in s.rows)


def test_each_summary_table_is_headed_current_period_previous_period_and_year_with_their_months():
    summary = compute_summary(sample_partnership(), {}, TODAY)
    headings = ("Current period (Oct 2026 to Mar 2027)", "Previous period (Apr 2026 to Sep 2026)",
                "Year (Apr 2026 to Mar 2027)")
    assert tuple(p.heading for p in summary.periods) == headings
    assert summary_sections(summary)[0].columns == headings
    assert [p.in_sentence for p in summary.periods] == [
        "current period (Oct 2026 to Mar 2027)", "previous period (Apr 2026 to Sep 2026)", "year (Apr 2026 to Mar 2027)"]
