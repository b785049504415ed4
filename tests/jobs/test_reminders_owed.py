"""Which rows the job looks at for emails (most on-track rows owe none), and the words and keys of
the emails a compliance challenge's reminders carry.

Pure: plan_reminders on tables built here, no workbook, no mail server. Each row below is on
track, so only the event or the stage it stands at makes it owe an email.
"""
from __future__ import annotations

import dataclasses

import pytest

from jobs.reminders import plan_reminders
from partnership.config import LIBRARY, _read_toml, load_library_procedure, parse_procedure
from procedures import position
from sheets.base import Record
from sheets.rows import read_dates
from sheets.schema import COMPLIANCE
from tests.jobs.reminder_sheets import challenge, compliance, d, durham, pan, tables

URL = "https://challenges.example.org"
PEOPLE = {"Raiser_email": "raiser@police.example", "Other_professional_email": "sw@council.example",
          "Line_manager_email": "manager@police.example"}
monday_7_december_2026 = d("2026-12-07")


@pytest.fixture
def partnership(tmp_path):
    return pan(tmp_path)


def owed(plan, kind):
    return [(r.recipient, r.step, r.due) for r in plan.reminders if r.kind == kind]


def test_a_challenge_raised_last_week_and_on_track_is_announced_by_the_job_if_no_page_did(partnership):
    # Darlington's first step has no deadline: the challenge is on track and only its raising is news.
    darlington = dataclasses.replace(partnership, procedure=load_library_procedure("darlington"))
    row = challenge("PAN-R1", "01/12/2026", "1", **PEOPLE)
    plan = plan_reminders(darlington, tables([row]), monday_7_december_2026, base_url=URL)
    assert plan.updates["Challenges"]["PAN-R1"]["Status"] == "on track"
    assert owed(plan, "raised") == [("raiser@police.example", 1, d("2026-12-01")),
                                    ("sw@council.example", 1, d("2026-12-01"))]
    assert {r.kind for r in plan.reminders} == {"raised"}


def test_a_challenge_escalated_last_week_and_on_track_is_announced_by_the_job_if_no_page_did(partnership):
    row = challenge("PAN-E1", "20/11/2026", "3", Step_started="03/12/2026", **PEOPLE,
                    Escalated_to_email="rep@police.example")
    plan = plan_reminders(partnership, tables([row]), monday_7_december_2026, base_url=URL)
    assert plan.updates["Challenges"]["PAN-E1"]["Status"] == "on track"
    assert owed(plan, "escalated") == [(to, 3, d("2026-12-03")) for to in
                                       ("rep@police.example", "raiser@police.example", "manager@police.example")]
    assert {r.kind for r in plan.reminders} == {"escalated"}


def test_a_challenge_on_track_at_the_reporting_step_tells_business_support_with_the_steps_deadline(partnership):
    row = challenge("PAN-T1", "16/11/2026", "4", Step_started="20/11/2026", **PEOPLE,
                    Escalated_to_email="rep@police.example")
    plan = plan_reminders(partnership, tables([row]), monday_7_december_2026, base_url=URL)
    assert plan.updates["Challenges"]["PAN-T1"]["Status"] == "on track"
    step_4_due = d(plan.updates["Challenges"]["PAN-T1"]["Step due by"])
    assert owed(plan, "reporting threshold") == [("business.support@pan.example", 4, step_4_due)]
    [threshold] = [r for r in plan.reminders if r.kind == "reporting threshold"]
    assert threshold.key == f"PAN-T1|4|reporting threshold|business.support@pan.example|{step_4_due.isoformat()}"
    assert f"{URL}/pan/challenges/PAN-T1" in threshold.email.text
    assert {r.kind for r in plan.reminders} == {"reporting threshold"}


def test_a_procedure_with_no_reporting_step_plans_nothing_for_a_challenge_on_track(partnership):
    data = _read_toml(LIBRARY / "pan-cheshire.toml")
    for step in data["steps"]:
        step.pop("reporting_threshold", None)
    unreported = dataclasses.replace(partnership, procedure=parse_procedure("test", data))
    assert unreported.procedure.reporting_step is None
    row = challenge("PAN-N1", "16/11/2026", "4", Step_started="20/11/2026", **PEOPLE,
                    Escalated_to_email="rep@police.example")
    plan = plan_reminders(unreported, tables([row]), monday_7_december_2026, base_url=URL)
    assert plan.reminders == [] and plan.updates["Challenges"]["PAN-N1"]["Status"] == "on track"


# Durham: a compliance challenge's reminders say so, and link to its compliance page.

def durham_row(reference, raised, stage, started, **more):
    return compliance(reference, raised, stage, Step_started=started, IRO_email="iro@durham.example",
                      Professional_email="pro@academy.example", Line_manager_email="lm@academy.example",
                      Safeguarding_lead_email="lead@academy.example", Professional_agency="Academy", **more)


def test_a_compliance_challenge_raised_long_ago_still_copies_the_business_manager_once(tmp_path):
    partnership = durham(tmp_path)
    row = durham_row("DSCP-K1", "05/10/2026", "4", "30/11/2026")
    plan = plan_reminders(partnership, tables([], [row]), monday_7_december_2026, base_url=URL)
    assert owed(plan, "compliance copy") == [("business.manager@durham.example", None, d("2026-10-05"))]
    copy = next(r for r in plan.reminders if r.kind == "compliance copy")
    assert copy.tab == COMPLIANCE and f"{URL}/durham/compliance/DSCP-K1" in copy.email.text


@pytest.mark.parametrize("stage, started, today, kinds", [
    ("2", "27/11/2026", "2026-12-01", {"due soon"}),            # stage 2 is due by Wednesday 2 December
    ("2", "27/11/2026", "2026-12-03", {"escalate"}),            # the working day after it
    ("2", "27/11/2026", "2026-12-07", {"escalate", "overdue"}),
    ("3", "03/12/2026", "2026-12-07", {"escalated", "reporting threshold"}),  # stage 3 is the threshold
])
def test_a_compliance_challenges_reminders_say_compliance_and_link_to_its_page(tmp_path, stage, started, today,
                                                                              kinds):
    partnership = durham(tmp_path)
    row = durham_row("DSCP-K2", "20/11/2026" if stage == "3" else "27/11/2026", stage, started)
    procedure = partnership.compliance_procedure
    plan = plan_reminders(partnership, tables([], [row]), d(today), base_url=URL)
    reminders = [r for r in plan.reminders if r.kind not in ("raised", "compliance copy")]
    assert {r.kind for r in reminders} == kinds
    for reminder in reminders:
        assert reminder.tab == COMPLIANCE and reminder.key.startswith("Compliance:DSCP-K2|")
        assert "compliance challenge" in reminder.email.text.lower()
        assert "Professional challenge" not in reminder.email.text + reminder.email.subject
        assert f"{URL}/durham/compliance/DSCP-K2" in reminder.email.text
        if reminder.kind == "reporting threshold":
            timeline = position(procedure, partnership.calendar, plan_dates(partnership, row), d(today)).timeline
            assert reminder.step == procedure.reporting_step.number == 3
            assert reminder.due == timeline[2].conclude_by == d("2026-12-10")


def plan_dates(partnership, row):
    dates, problems = read_dates(Record(COMPLIANCE, 2, row), partnership.compliance_procedure)
    assert problems == []
    return dates


# The run over both tabs

def test_compliance_is_planned_when_the_sheet_has_no_challenges_tab_and_both_tabs_are_counted(tmp_path):
    partnership = durham(tmp_path)
    row = durham_row("DSCP-K4", "27/11/2026", "2", "27/11/2026")
    only_compliance = {tab: table for tab, table in tables([], [row]).items() if tab != "Challenges"}
    plan = plan_reminders(partnership, only_compliance, d("2026-12-01"), base_url=URL)
    assert "due soon" in {r.kind for r in plan.reminders} and plan.scanned == 1
    both = plan_reminders(partnership, tables([challenge("DSCP-1", "01/12/2026", "1"),
                                               challenge("DSCP-2", "01/12/2026", "1")], [row]),
                          d("2026-12-01"), base_url=URL)
    assert both.scanned == 3


def test_a_partnerships_due_soon_days_set_when_a_step_is_due_soon(partnership):
    row = challenge("PAN-S1", "20/11/2026", "3", Step_started="03/12/2026", **PEOPLE)  # step 3 due Wednesday 9th
    assert plan_reminders(partnership, tables([row]), monday_7_december_2026).updates["Challenges"]["PAN-S1"][
        "Status"] == "on track"
    earlier = dataclasses.replace(partnership, reminders=dataclasses.replace(partnership.reminders, due_soon_days=2))
    assert plan_reminders(earlier, tables([row]), monday_7_december_2026).updates["Challenges"]["PAN-S1"][
        "Status"] == "due soon"


def test_the_rows_to_correct_go_to_business_support_dated_and_of_no_tab(partnership):
    row = challenge("PAN-P1", "not a date", "1", **PEOPLE)
    plan = plan_reminders(partnership, tables([row]), monday_7_december_2026, base_url=URL)
    [problems] = [r for r in plan.reminders if r.kind == "problems"]
    assert (problems.tab, problems.reference, problems.step, problems.due) == ("", "", None, monday_7_december_2026)
    assert problems.recipient == "business.support@pan.example"
    assert "The daily job on 7 December 2026 could not read 1 thing" in problems.email.text


def test_an_open_compliance_challenge_on_track_long_after_its_events_still_owes_its_copy(tmp_path):
    """With a line manager's stage of 30 working days, a challenge sent five weeks ago is still on
    track at stage 2: nothing recent, nothing late, yet the business manager's copy is owed if it
    never went."""
    partnership = durham(tmp_path)
    data = _read_toml(LIBRARY / "durham-iro.toml")
    data["steps"][1]["conclude_by"] = 30
    data["total"] = 1 + 30 + 5 + 7
    slow = dataclasses.replace(partnership, compliance_procedure=parse_procedure("test", data))
    row = durham_row("DSCP-K5", "02/11/2026", "2", "02/11/2026")
    plan = plan_reminders(slow, tables([], [row]), monday_7_december_2026, base_url=URL)
    assert plan.updates[COMPLIANCE]["DSCP-K5"]["Status"] == "on track"
    assert owed(plan, "compliance copy") == [("business.manager@durham.example", None, d("2026-11-02"))]


def test_a_row_whose_job_columns_are_already_right_is_not_written(partnership):
    row = challenge("PAN-U1", "20/11/2026", "3", Step_started="03/12/2026", **PEOPLE, Status="on track",
                    Step_due_by="2026-12-09")
    assert plan_reminders(partnership, tables([row]), monday_7_december_2026).updates == {}
    moved_on = dict(row, Status="due soon")
    assert plan_reminders(partnership, tables([moved_on]), monday_7_december_2026).updates == {
        "Challenges": {"PAN-U1": {"Status": "on track"}}}


def test_with_no_base_url_an_emails_link_is_the_pages_path(partnership):
    row = challenge("PAN-L1", "01/12/2026", "1", **PEOPLE)
    confirmation = plan_reminders(partnership, tables([row]), monday_7_december_2026).reminders[0]
    assert (confirmation.kind, confirmation.recipient) == ("raised", "raiser@police.example")
    assert "Open it: /pan/challenges/PAN-L1\n" in confirmation.email.text


def test_on_the_first_day_overdue_whoever_stands_in_is_reminded_after_those_prompted_to_escalate(partnership):
    """A procedure whose step 2 is for the other line manager and whoever it is escalated to: with
    nobody named yet, the raiser's line manager stands in. Those prompted to escalate are not also
    told it is overdue; the stand-in, who is not prompted, is."""
    data = _read_toml(LIBRARY / "pan-cheshire.toml")
    data["steps"][1]["acts"] = ["challenged_line_manager", "escalated_to"]
    data["steps"][1]["told"] = []
    custom = dataclasses.replace(partnership, procedure=parse_procedure("test", data))
    row = challenge("PAN-O1", "16/11/2026", "2", Step_started="18/11/2026", **PEOPLE,
                    **{"Other professional's line manager email": "clm@council.example"})
    plan = plan_reminders(custom, tables([row]), d("2026-11-27"), base_url=URL)  # step 2 was due Thursday 26th
    assert [r.recipient for r in plan.reminders if r.kind == "escalate"] == ["clm@council.example"]
    assert [r.recipient for r in plan.reminders if r.kind == "overdue"] == ["manager@police.example"]


def test_a_row_naming_the_partnership_manager_where_another_row_names_nobody_is_planned_on_its_own(partnership):
    """Rows standing in the same place share their emails' keys as templates only when they name
    the same pattern of people: a blank address is not the partnership manager's."""
    late = {"Step_started": "18/11/2026", **PEOPLE}
    blank = challenge("PAN-Q1", "16/11/2026", "2", **late)
    manager = challenge("PAN-Q2", "16/11/2026", "2", **late,
                        **{"Other professional's line manager email": "partnership.manager@pan.example"})
    first = plan_reminders(partnership, tables([blank, manager]), d("2026-11-27"))
    to_manager = [r.key for r in first.reminders if r.reference == "PAN-Q2"
                  and r.recipient == "partnership.manager@pan.example"]
    assert to_manager  # prompted to escalate, as the other agency's line manager
    sent = [r.key for r in first.reminders if r.key not in to_manager]
    again = plan_reminders(partnership, tables([blank, manager], sent_keys=sent), d("2026-11-27"))
    assert [r.key for r in again.reminders] == to_manager
