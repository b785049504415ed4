"""Rows the job must not trust: its own columns typed by hand, and rows dated after the run's day."""
from __future__ import annotations

import pytest

from jobs.reminders import plan_reminders
from sheets.check import check
from sheets.schema import CHALLENGES, RAISED_ON
from tests.jobs.reminder_sheets import challenge, d, local_workbook, pan, tables

monday_21_december_2026 = d("2026-12-21")
tuesday_22_december_2026 = d("2026-12-22")
tuesday_29_december_2026 = d("2026-12-29")
URL = "https://challenges.example.org"

# PAN-1 is at step 2 and due soon on Tuesday 29 December.
PAN_1 = challenge("PAN-1", "16/12/2026", "2", Step_started="17/12/2026", Raiser_email="raiser@police.example",
                  Line_manager_email="manager@police.example")


@pytest.fixture
def partnership(tmp_path):
    return pan(tmp_path)


@pytest.mark.parametrize("typed", ["ASAP", "soon!", "31/02/2026", "=TODAY()"])
def test_a_value_typed_into_step_due_by_is_not_read_and_is_overwritten(partnership, typed):
    row = {**PAN_1, "Step due by": typed, "Status": "fine, honest", "Last reminder": "never"}
    plan = plan_reminders(partnership, tables([row]), tuesday_29_december_2026, base_url=URL)
    assert plan.problems == []
    assert ("due soon", "manager@police.example") in [(r.kind, r.recipient) for r in plan.reminders]
    assert plan.updates[CHALLENGES]["PAN-1"] == {"Status": "due soon", "Step due by": "2026-12-30"}


def test_a_closed_challenge_has_its_step_due_by_cleared(partnership):
    row = {**challenge("PAN-2", "01/12/2026", "1", Resolved_on="02/12/2026"), "Step due by": "ASAP"}
    plan = plan_reminders(partnership, tables([row]), tuesday_29_december_2026, base_url=URL)
    assert plan.updates[CHALLENGES]["PAN-2"]["Step due by"] == ""


def test_a_catch_up_run_leaves_rows_raised_after_its_day_alone(partnership):
    """Run for Monday 21 December on Tuesday 22nd: a challenge raised on the 22nd is not acted on."""
    later = challenge("PAN-3", "22/12/2026", "1", Raiser_email="raiser3@school.example")
    plan = plan_reminders(partnership, tables([PAN_1, later]), monday_21_december_2026, base_url=URL,
                          real_today=tuesday_22_december_2026)
    assert all(r.reference != "PAN-3" for r in plan.reminders)
    assert "PAN-3" not in plan.updates.get(CHALLENGES, {})
    assert plan.problems == []


def test_a_raised_on_in_the_future_on_the_real_day_is_a_row_to_correct(partnership):
    future = challenge("PAN-4", "05/01/2027", "1", Raiser_email="raiser4@school.example")
    plan = plan_reminders(partnership, tables([PAN_1, future]), tuesday_29_december_2026, base_url=URL,
                          real_today=tuesday_29_december_2026)
    [problem] = plan.problems
    assert (problem.tab, problem.column) == (CHALLENGES, RAISED_ON)
    assert "05/01/2027 is in the future" in problem.message
    assert [r.kind for r in plan.reminders if r.reference == "PAN-4"] == []
    assert any(r.kind == "problems" for r in plan.reminders), "business support are told"


def test_sheet_check_reports_a_future_raised_on_and_not_a_typed_job_column(tmp_path, partnership):
    rows = [{**PAN_1, "Step due by": "ASAP"}, challenge("PAN-4", "05/01/2027", "1")]
    book = local_workbook(tmp_path / "pan.xlsx", rows)
    problems = check(book, partnership, today=tuesday_29_december_2026)
    assert [(p.column, p.message.split(":")[0]) for p in problems] == [(RAISED_ON, "05/01/2027 is in the future")]
