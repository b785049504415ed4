"""The first working day after a step's deadline: at the last step there is no one to escalate to,
so those who act are sent the first overdue reminder; a compliance challenge's escalate emails are
its own, whatever a Challenges row with the same reference was sent.

Pure planning, named dates.
"""
from __future__ import annotations

from jobs.reminders import plan_reminders
from sheets.schema import COMPLIANCE
from tests.jobs.reminder_sheets import challenge, compliance, d, durham, pan, tables

# PAN-4 reached step 4, Pan Cheshire's last, on Wednesday 13 January 2027; it concludes on Monday 18th.
PAN_4 = challenge("PAN-4", "16/12/2026", "4", Step_started="13/01/2027", Raiser_email="raiser@police.example",
                  Line_manager_email="manager@police.example", Escalated_to_email="rep@police.example")


def test_the_day_after_the_last_steps_deadline_those_who_act_are_told_it_is_overdue(tmp_path):
    plan = plan_reminders(pan(tmp_path), tables([PAN_4]), d("2027-01-19"))
    late = [r for r in plan.reminders if r.kind in ("overdue", "escalate")]
    assert sorted((r.kind_label, r.recipient) for r in late) == [
        ("overdue", "partnership.manager@pan.example"), ("overdue", "rep@police.example")]
    assert {r.email.subject for r in late} == {"PAN-4: Step 4 is overdue"}


def test_a_compliance_challenges_escalate_emails_are_its_own(tmp_path):
    """Durham: DSCP-C-9's Stage 2 concluded on Thursday 5 November 2026; on Friday 6th those named are
    prompted to escalate to Stage 3, though a Challenges row numbered DSCP-C-9 already was."""
    row = compliance("DSCP-C-9", "02/11/2026", "2", Step_started="02/11/2026", IRO_email="iro@durham.example",
                     Line_manager_email="lm@academy.example", Professional_agency="Academy")
    other = [f"DSCP-C-9|2|escalate|{to}|2026-11-05"
             for to in ("lm@academy.example", "iro@durham.example", "business.manager@durham.example")]
    plan = plan_reminders(durham(tmp_path), tables([], [row], sent_keys=other), d("2026-11-06"))
    escalate = sorted((r.tab, r.key) for r in plan.reminders if r.kind == "escalate")
    assert escalate == [(COMPLIANCE, f"Compliance:{key}") for key in sorted(other)]
