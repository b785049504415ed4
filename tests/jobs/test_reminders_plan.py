"""plan_reminders: which emails are due on which day, who gets them, and what the job columns say.

Pure: tables built here, no workbook, no mail server. Dates are named.
"""
from __future__ import annotations

import pytest

from jobs.reminders import plan_reminders
from sheets.schema import CHALLENGES, COMPLIANCE
from tests.jobs.reminder_sheets import SECRETS, challenge, compliance, d, durham, pan, tables

wednesday_16_december_2026 = d("2026-12-16")
thursday_24_december_2026 = d("2026-12-24")
friday_25_december_2026 = d("2026-12-25")
tuesday_29_december_2026 = d("2026-12-29")
wednesday_30_december_2026 = d("2026-12-30")
thursday_31_december_2026 = d("2026-12-31")
monday_4_january_2027 = d("2027-01-04")
tuesday_5_january_2027 = d("2027-01-05")
thursday_7_january_2027 = d("2027-01-07")
URL = "https://challenges.example.org"

# PAN-1: raised Wednesday 16 December, at step 2; step 2 concludes on day 9, Wednesday 30 December.
PAN_1 = challenge("PAN-1", "16/12/2026", "2", Step_started="17/12/2026", Raiser_email="raiser@police.example",
                  Line_manager_email="manager@police.example")


EVENTS = ("raised", "escalated")


def sent(plan, *, events: bool = False) -> list[tuple[str, str, str]]:
    """The reminders planned; the notices of a challenge raised or escalated (tested on their own) left out."""
    return [(r.kind_label, r.recipient, r.reference) for r in plan.reminders if events or r.kind not in EVENTS]


@pytest.fixture
def partnership(tmp_path):
    return pan(tmp_path)


def test_on_track_sends_nothing_and_writes_status_and_step_due_by(partnership):
    plan = plan_reminders(partnership, tables([PAN_1]), thursday_24_december_2026, base_url=URL)
    assert sent(plan) == []
    assert plan.updates == {CHALLENGES: {"PAN-1": {"Status": "on track", "Step due by": "2026-12-30"}}}
    assert plan.scanned == 1 and plan.problems == []


def test_due_soon_one_working_day_before_goes_to_the_line_manager_at_step_2(partnership):
    plan = plan_reminders(partnership, tables([PAN_1]), tuesday_29_december_2026, base_url=URL)
    assert sent(plan) == [("due soon", "manager@police.example", "PAN-1")]
    [reminder] = [r for r in plan.reminders if r.kind == "due soon"]
    assert reminder.email.subject == "PAN-1: Step 2 is due by 30 December 2026"
    assert f"{URL}/pan/challenges/PAN-1" in reminder.email.text
    assert reminder.key == "PAN-1|2|due soon|manager@police.example|2026-12-30"
    assert plan.updates[CHALLENGES]["PAN-1"]["Status"] == "due soon"


def test_nothing_is_sent_on_a_bank_holiday_but_the_status_is_still_written(partnership):
    plan = plan_reminders(partnership, tables([PAN_1]), friday_25_december_2026, base_url=URL)
    assert sent(plan) == []
    assert plan.updates[CHALLENGES]["PAN-1"] == {"Status": "on track", "Step due by": "2026-12-30"}


def test_first_working_day_after_the_deadline_escalates_to_raiser_and_line_manager(partnership):
    plan = plan_reminders(partnership, tables([PAN_1]), thursday_31_december_2026, base_url=URL)
    # The line manager acts at step 2 and the raiser is told (pan-cheshire.toml); the escalate
    # email already tells the line manager it is overdue.
    assert sent(plan) == [("escalate", "manager@police.example", "PAN-1"),
                          ("escalate", "raiser@police.example", "PAN-1")]
    text = next(r for r in plan.reminders if r.kind == "escalate").email.text
    assert "The next step is Step 3: Safeguarding Partnership representative." in text
    assert "Who acts: Senior manager and Safeguarding Partnership representative" in text
    assert "conclude by 7 January 2027" in text
    # Step 3 was due to start on day 9 (30 December), already passed on the 31st: said as passed.
    assert "It was due to start by 30 December 2026 and should conclude by 7 January 2027." in text


def test_overdue_repeats_every_second_working_day_across_new_year(partnership):
    already = ["PAN-1|2|escalate|raiser@police.example|2026-12-30", "PAN-1|2|escalate|manager@police.example|2026-12-30"]
    assert sent(plan_reminders(partnership, tables([PAN_1], sent_keys=already), monday_4_january_2027)) == []
    plan = plan_reminders(partnership, tables([PAN_1], sent_keys=already), tuesday_5_january_2027)
    assert sent(plan) == [("overdue 2", "manager@police.example", "PAN-1")]
    # The first overdue reminder this person is sent says so, whichever repeat it is.
    assert plan.reminders[0].email.subject == "PAN-1: Step 2 is overdue"
    also = [*already, plan.reminders[0].key]
    plan = plan_reminders(partnership, tables([PAN_1], sent_keys=also), thursday_7_january_2027)
    assert sent(plan) == [("overdue 3", "manager@police.example", "PAN-1")]
    assert plan.reminders[0].email.subject == "PAN-1: Step 2 is overdue (reminder 2)"


def test_an_email_already_in_the_reminders_tab_is_not_planned_again(partnership):
    plan = plan_reminders(partnership, tables([PAN_1], sent_keys=["PAN-1|2|due soon|manager@police.example|2026-12-30"]),
                          tuesday_29_december_2026)
    assert sent(plan) == [] and plan.already_sent == 1


def test_reaching_step_4_tells_business_support_and_the_partnership_manager_acts(partnership):
    row = challenge("PAN-4", "16/12/2026", "4", Step_started="13/01/2027", Raiser_email="raiser@police.example",
                    Line_manager_email="manager@police.example", Escalated_to_email="rep@police.example")
    plan = plan_reminders(partnership, tables([row]), d("2027-01-15"))
    assert sent(plan) == [("reporting threshold", "business.support@pan.example", "PAN-4"),
                          ("due soon", "partnership.manager@pan.example", "PAN-4"),
                          ("due soon", "rep@police.example", "PAN-4")]
    threshold = next(r for r in plan.reminders if r.kind == "reporting threshold")
    assert threshold.email.subject == "PAN-4: reporting threshold reached (Step 4)"


def test_resolved_feeds_back_to_the_raiser_once_and_not_for_old_rows(partnership):
    row = challenge("PAN-5", "16/12/2026", "2", Resolved_on="04/01/2027", Raiser_email="raiser@police.example")
    plan = plan_reminders(partnership, tables([row]), monday_4_january_2027)
    assert sent(plan) == [("resolved", "raiser@police.example", "PAN-5")]
    assert plan.updates[CHALLENGES]["PAN-5"] == {"Status": "resolved"}
    assert sent(plan_reminders(partnership, tables([row]), d("2027-02-01"))) == []


def test_unreadable_rows_are_skipped_and_listed_in_one_problems_email(partnership):
    bad_date = challenge("PAN-6", "21/12/20026", "1", Raiser_email="raiser@school.example")
    bad_step = challenge("PAN-7", "21/12/2026", "Step 9", Raiser_email="raiser@school.example")
    twice = [challenge("PAN-8", "21/12/2026"), challenge("PAN-8", "22/12/2026")]
    plan = plan_reminders(partnership, tables([bad_date, PAN_1, bad_step, *twice]), tuesday_29_december_2026)
    assert sent(plan) == [("due soon", "manager@police.example", "PAN-1"),
                          ("problems", "business.support@pan.example", "")]
    assert list(plan.updates[CHALLENGES]) == ["PAN-1"]
    problems = plan.reminders[-1].email.text
    assert "Challenges row 2, column \"Raised on\": '21/12/20026' is not a date" in problems
    assert "Challenges row 4, column \"Step\": 'Step 9' is not a step of this procedure (1, 2, 3, 4)" in problems
    assert "PAN-8 is on 2 rows" in problems
    assert plan.reminders[-1].key == "||problems|business.support@pan.example|2026-12-29"
    assert plan.scanned == 5


def test_a_mistyped_address_is_a_problem_and_nobody_is_emailed_there(partnership):
    row = challenge("PAN-9", "16/12/2026", "2", Step_started="17/12/2026", Raiser_email="raiser@police.example",
                    Line_manager_email="manager at police")
    plan = plan_reminders(partnership, tables([row]), tuesday_29_december_2026)
    # With no usable line manager address the raiser is told instead.
    assert sent(plan) == [("due soon", "raiser@police.example", "PAN-9"),
                          ("problems", "business.support@pan.example", "")]
    assert "'manager at police' is not an email address" in plan.reminders[-1].email.text


def test_no_email_carries_case_reference_names_or_detail(tmp_path):
    p = durham(tmp_path)
    rows = [compliance(f"DSCP-C-{i}", f"{day}/03/2027", "2", Step_started=f"{day}/03/2027", IRO_email="iro@durham.example",
                       Line_manager_email="lm@academy.example", Professional_agency="Northfield Academy")
            for i, day in enumerate(("22", "23", "24"), start=1)]
    plan = plan_reminders(p, tables([], rows), d("2027-03-25"))
    assert plan.reminders
    for reminder in plan.reminders:
        email = reminder.email
        for secret in SECRETS.values():
            assert secret not in email.subject + email.text + (email.html or "")


def test_durham_copies_the_business_manager_and_flags_an_agency_with_repeated_challenges(tmp_path):
    p = durham(tmp_path)
    rows = [compliance("DSCP-C-2", "23/02/2027", "2", Step_started="23/02/2027", Resolved_on="25/02/2027",
                       Professional_agency="Northfield Academy"),
            compliance("DSCP-C-3", "15/03/2027", "1", Resolved_on="16/03/2027", Professional_agency="northfield academy "),
            compliance("DSCP-C-1", "22/03/2027", "2", Step_started="22/03/2027", IRO_email="iro@durham.example",
                       Line_manager_email="lm@academy.example", Professional_agency="Northfield Academy")]
    plan = plan_reminders(p, tables([], rows), d("2027-03-22"), base_url=URL)
    # A copy of every form (seed 004 5.5), also of DSCP-C-3, resolved before this run saw it.
    assert sent(plan) == [("compliance copy", "business.manager@durham.example", "DSCP-C-3"),
                          ("compliance copy", "business.manager@durham.example", "DSCP-C-1"),
                          ("repeated agency", "business.manager@durham.example", "DSCP-C-1")]
    flag = next(r for r in plan.reminders if r.kind == "repeated agency").email
    assert flag.subject == "Repeated compliance challenges to Northfield Academy"
    assert "3 compliance challenges in the last 90 days" in flag.text
    assert f"DSCP-C-2: {URL}/durham/compliance/DSCP-C-2" in flag.text
    assert plan.updates[COMPLIANCE]["DSCP-C-1"] == {"Status": "on track", "Step due by": "2027-03-25"}
    # Two challenges in the window are not yet a pattern.
    assert [r.kind for r in plan_reminders(p, tables([], rows[1:]), d("2027-03-22")).reminders
            if r.kind not in EVENTS] == ["compliance copy", "compliance copy"]


def test_at_step_1_both_professionals_are_reminded(partnership):
    """Step 1 is the two professionals resolving it between them: both hear it is due."""
    pan_2 = challenge("PAN-2", "29/12/2026", "1", Raiser_email="raiser@police.example",
                      Line_manager_email="manager@police.example", Other_professional_email="sw@council.example")
    plan = plan_reminders(partnership, tables([pan_2]), tuesday_29_december_2026, base_url=URL)
    assert sent(plan) == [("due soon", "raiser@police.example", "PAN-2"), ("due soon", "sw@council.example", "PAN-2")]
