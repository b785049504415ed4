"""plan_reminders at the edges a user would notice: who is chased when a row names nobody,
Durham's stage 1, weekends, the 14-day look-back for events and the 90-day window for an
agency's repeated compliance challenges. Pure: tables built here; dates are named."""
from __future__ import annotations

import datetime as dt

import pytest

from jobs.reminders import plan_reminders
from sheets.schema import CHALLENGES, COMPLIANCE
from tests.jobs.reminder_sheets import challenge, compliance, d, durham, pan, tables

monday_2_november_2026 = d("2026-11-02")
friday_13_november_2026 = d("2026-11-13")
wednesday_18_november_2026 = d("2026-11-18")
thursday_19_november_2026 = d("2026-11-19")
friday_20_november_2026 = d("2026-11-20")
saturday_21_november_2026 = d("2026-11-21")
sunday_22_november_2026 = d("2026-11-22")
monday_23_november_2026 = d("2026-11-23")
tuesday_24_november_2026 = d("2026-11-24")
wednesday_25_november_2026 = d("2026-11-25")

RAISER = "raiser@police.example"
LINE_MANAGER = "manager@police.example"
OTHER = "sw@council.example"
OTHER_MANAGER = "sw.manager@council.example"
REP = "rep@police.example"

IRO = "iro@durham.example"
PROFESSIONAL = "teacher@academy.example"
PROFESSIONALS_MANAGER = "head@academy.example"
LEAD = "dsl@academy.example"
BUSINESS_MANAGER = "business.manager@durham.example"


def to(plan, kind: str, reference: str | None = None) -> list[str]:
    """Who is sent emails of one kind (for one challenge), in the plan's order."""
    return [r.recipient for r in plan.reminders if r.kind == kind and (reference is None or r.reference == reference)]


def kinds(plan) -> set[str]:
    return {r.kind for r in plan.reminders}


def pan_step_3(reference: str = "PAN-3", **columns: str) -> dict[str, str]:
    """Raised Monday 2 November, at step 3 since Friday 13th; step 3 concludes on day 14,
    Thursday 19 November, so it is due soon on Wednesday 18th and overdue from Friday 20th."""
    return challenge(reference, "02/11/2026", "3", Step_started="13/11/2026", Raiser_email=RAISER,
                     Line_manager_email=LINE_MANAGER, Other_professional_email=OTHER,
                     **{"Other professional's line manager email": OTHER_MANAGER}, **columns)


# --- who is chased -------------------------------------------------------------------------------

def test_at_step_3_with_nobody_named_as_escalated_to_the_line_manager_is_reminded_not_the_raiser(tmp_path):
    plan = plan_reminders(pan(tmp_path), tables([pan_step_3()]), wednesday_18_november_2026)
    assert to(plan, "due soon") == [LINE_MANAGER]
    overdue = plan_reminders(pan(tmp_path), tables([pan_step_3()]), d("2026-11-24"))
    # Tuesday 24th: 2 working days late, the second overdue reminder (every 2 working days).
    assert to(overdue, "overdue") == [LINE_MANAGER]
    assert RAISER not in to(overdue, "overdue")


def test_at_step_3_the_person_it_was_escalated_to_is_reminded(tmp_path):
    plan = plan_reminders(pan(tmp_path), tables([pan_step_3(Escalated_to_email=REP)]), wednesday_18_november_2026)
    assert to(plan, "due soon") == [REP]


def test_at_step_3_with_no_line_manager_either_the_raiser_is_reminded(tmp_path):
    row = challenge("PAN-3", "02/11/2026", "3", Step_started="13/11/2026", Raiser_email=RAISER)
    plan = plan_reminders(pan(tmp_path), tables([row]), wednesday_18_november_2026)
    assert to(plan, "due soon") == [RAISER]


def test_at_step_4_with_nobody_named_the_partnership_manager_and_the_line_manager_are_reminded(tmp_path):
    # Step 4 concludes on day 21, Tuesday 1 December: due soon on Monday 30 November.
    row = challenge("PAN-4", "02/11/2026", "4", Step_started="23/11/2026", Raiser_email=RAISER,
                    Line_manager_email=LINE_MANAGER)
    plan = plan_reminders(pan(tmp_path), tables([row]), d("2026-11-30"))
    assert to(plan, "due soon") == ["partnership.manager@pan.example", LINE_MANAGER]


def durham_row(reference: str, raised_on: str, step: str, **columns: str) -> dict[str, str]:
    """A compliance row naming everyone; at stage 2, the stage its record starts at, from the day it was raised."""
    named = {"IRO_email": IRO, "Professional_email": PROFESSIONAL, "Line_manager_email": PROFESSIONALS_MANAGER,
             "Safeguarding_lead_email": LEAD, "Professional_agency": "Northfield Academy"}
    if step == "2":
        named["Step_started"] = raised_on
    return compliance(reference, raised_on, step, **{**named, **columns})


def test_durham_stage_1_reminds_the_iro_and_the_professional_not_the_safeguarding_lead(tmp_path):
    # Stage 1 started Monday 23rd (day 1) and concludes 1 working day later, Tuesday 24th.
    row = durham_row("DSCP-1", "23/11/2026", "1")
    plan = plan_reminders(durham(tmp_path), tables([], [row]), monday_23_november_2026)
    assert to(plan, "due soon") == [IRO, PROFESSIONAL]
    late = plan_reminders(durham(tmp_path), tables([], [row]), wednesday_25_november_2026)
    # The first day late: those the stage names and the line manager, who acts at stage 2, are
    # prompted to escalate; the escalate email already says it is overdue.
    assert to(late, "escalate") == [IRO, PROFESSIONAL, PROFESSIONALS_MANAGER]
    assert to(late, "overdue") == []
    later = plan_reminders(durham(tmp_path), tables([], [row]), d("2026-11-27"))
    assert to(later, "overdue") == [IRO, PROFESSIONAL]
    for plan in (plan, late, later):
        assert LEAD not in [r.recipient for r in plan.reminders]


def test_durham_stage_3_reminds_the_business_manager_and_the_safeguarding_lead(tmp_path):
    # Stage 3 started Monday 16th, 5 working days: Monday 23rd.
    row = durham_row("DSCP-3", "09/11/2026", "3", Step_started="16/11/2026")
    plan = plan_reminders(durham(tmp_path), tables([], [row]), d("2026-11-20"))
    assert to(plan, "due soon") == [BUSINESS_MANAGER, LEAD]


# --- no email on a day that is not a working day ---------------------------------------------

def test_on_a_saturday_nothing_is_sent_though_emails_are_due_and_monday_sends_them(tmp_path):
    p = pan(tmp_path)
    rows = [pan_step_3(),  # overdue since Friday 20th
            challenge("PAN-NEW", "21/11/2026", "1", Raiser_email=RAISER, Other_professional_email=OTHER),
            challenge("PAN-BAD", "31/02/2026", "1")]
    saturday = plan_reminders(p, tables(rows), saturday_21_november_2026)
    assert saturday.reminders == []
    assert saturday.updates[CHALLENGES]["PAN-3"]["Status"] == "overdue"
    assert saturday.problems
    sunday = plan_reminders(p, tables(rows), sunday_22_november_2026)
    assert sunday.reminders == []
    monday = plan_reminders(p, tables(rows), monday_23_november_2026)
    assert {"escalate", "raised", "due soon", "problems"} <= kinds(monday)
    assert "escalate" in kinds(plan_reminders(p, tables(rows), friday_20_november_2026))


def test_on_a_saturday_durham_sends_no_copies_and_flags_no_agency(tmp_path):
    p = durham(tmp_path)
    rows = [durham_row(f"DSCP-{i}", f"{day}/11/2026", "2") for i, day in enumerate(("16", "18", "20"), start=1)]
    assert plan_reminders(p, tables([], rows), saturday_21_november_2026).reminders == []
    assert {"compliance copy", "repeated agency"} <= kinds(plan_reminders(p, tables([], rows), monday_23_november_2026))


# --- the 14-day look-back for events the job did not see happen ------------------------------

def test_a_challenge_typed_in_14_days_after_it_was_raised_is_announced_but_not_15(tmp_path):
    p = pan(tmp_path)
    fourteen = challenge("PAN-14", "09/11/2026", "2", Step_started="10/11/2026", Raiser_email=RAISER,
                         Line_manager_email=LINE_MANAGER)
    fifteen = challenge("PAN-15", "08/11/2026", "2", Step_started="10/11/2026", Raiser_email=RAISER,
                        Line_manager_email=LINE_MANAGER)
    plan = plan_reminders(p, tables([fourteen, fifteen]), monday_23_november_2026)
    assert to(plan, "raised", "PAN-14") == [RAISER]
    assert to(plan, "raised", "PAN-15") == []


def test_a_resolution_or_withdrawal_is_announced_from_the_day_it_happened_for_14_days(tmp_path):
    p = pan(tmp_path)
    rows = [challenge("PAN-R0", "02/11/2026", "2", Resolved_on="23/11/2026", Raiser_email=RAISER),
            challenge("PAN-R14", "02/11/2026", "2", Resolved_on="09/11/2026", Raiser_email=RAISER),
            challenge("PAN-R15", "02/11/2026", "2", Resolved_on="08/11/2026", Raiser_email=RAISER),
            challenge("PAN-TOMORROW", "02/11/2026", "2", Resolved_on="24/11/2026", Raiser_email=RAISER),
            challenge("PAN-W14", "02/11/2026", "2", Withdrawn_on="09/11/2026", Line_manager_email=LINE_MANAGER),
            challenge("PAN-W15", "02/11/2026", "2", Withdrawn_on="08/11/2026", Line_manager_email=LINE_MANAGER)]
    plan = plan_reminders(p, tables(rows), monday_23_november_2026)
    assert [r.reference for r in plan.reminders if r.kind == "resolved"] == ["PAN-R0", "PAN-R14"]
    assert [r.reference for r in plan.reminders if r.kind == "withdrawn"] == ["PAN-W14"]


# --- Durham: the 90-day window for one agency's repeated compliance challenges ---------------

@pytest.mark.parametrize("oldest_days_ago, flagged", [(89, True), (90, False)])
def test_the_repeated_agency_window_is_the_last_90_days(tmp_path, oldest_days_ago, flagged):
    p = durham(tmp_path)
    oldest = monday_23_november_2026 - dt.timedelta(days=oldest_days_ago)
    rows = [durham_row("DSCP-OLD", f"{oldest:%d/%m/%Y}", "2", Resolved_on=f"{oldest:%d/%m/%Y}"),
            durham_row("DSCP-2", "16/11/2026", "2", Professional_agency=" northfield academy "),
            durham_row("DSCP-3", "23/11/2026", "2")]
    plan = plan_reminders(p, tables([], rows), monday_23_november_2026)
    assert to(plan, "repeated agency") == ([BUSINESS_MANAGER] if flagged else [])
    if flagged:
        flag = next(r for r in plan.reminders if r.kind == "repeated agency")
        assert flag.reference == "DSCP-3" and flag.due == monday_23_november_2026
        # Its key names the Compliance tab, so a Challenges row with the same reference is another email.
        assert flag.tab == COMPLIANCE
        assert flag.key == f"Compliance:DSCP-3||repeated agency|{BUSINESS_MANAGER}|2026-11-23"
        sent = plan_reminders(p, tables([], rows, sent_keys=[flag.key]), monday_23_november_2026)
        assert to(sent, "repeated agency") == []


def test_a_withdrawn_compliance_challenge_does_not_count_towards_a_repeated_agency(tmp_path):
    p = durham(tmp_path)
    rows = [durham_row("DSCP-1", "02/11/2026", "2", Withdrawn_on="03/11/2026"),
            durham_row("DSCP-2", "16/11/2026", "2"),
            durham_row("DSCP-3", "23/11/2026", "2")]
    assert to(plan_reminders(p, tables([], rows), monday_23_november_2026), "repeated agency") == []
    rows[0] = durham_row("DSCP-1", "02/11/2026", "2", Resolved_on="03/11/2026")
    assert to(plan_reminders(p, tables([], rows), monday_23_november_2026), "repeated agency") == [BUSINESS_MANAGER]


def test_a_compliance_challenge_dated_after_the_run_day_is_not_counted(tmp_path):
    p = durham(tmp_path)
    rows = [durham_row("DSCP-1", "02/11/2026", "2"), durham_row("DSCP-2", "16/11/2026", "2"),
            durham_row("DSCP-3", "24/11/2026", "2")]
    # A run for Monday 23rd made on Tuesday 24th (catching up) leaves Tuesday's row alone.
    plan = plan_reminders(p, tables([], rows), monday_23_november_2026, real_today=tuesday_24_november_2026)
    assert to(plan, "repeated agency") == []
    assert plan.updates[COMPLIANCE].keys() == {"DSCP-1", "DSCP-2"}


def test_compliance_challenges_with_no_agency_typed_are_not_a_repeated_agency(tmp_path):
    p = durham(tmp_path)
    rows = [durham_row(f"DSCP-{i}", f"{day}/11/2026", "2", Professional_agency=" ")
            for i, day in enumerate(("16", "18", "20"), start=1)]
    assert to(plan_reminders(p, tables([], rows), monday_23_november_2026), "repeated agency") == []


def test_an_agency_below_the_count_does_not_stop_another_being_flagged(tmp_path):
    p = durham(tmp_path)
    rows = [durham_row("DSCP-1", "02/11/2026", "2", Professional_agency="Housing"),
            *(durham_row(f"DSCP-{i}", f"{day}/11/2026", "2") for i, day in enumerate(("16", "18", "20"), start=2))]
    plan = plan_reminders(p, tables([], rows), monday_23_november_2026)
    assert [(r.reference, r.recipient) for r in plan.reminders if r.kind == "repeated agency"] == [
        ("DSCP-4", BUSINESS_MANAGER)]
