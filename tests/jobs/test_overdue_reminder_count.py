"""An overdue reminder says how many came before it: counted from the Reminders tab, for this
challenge, this step and this person only, however many other emails the tab logs.

Pure planning: Pan Cheshire, PAN-1 at step 2, due Wednesday 30 December 2026, overdue every second
working day; on Monday 11 January 2027 its fourth overdue reminder is due.
"""
from __future__ import annotations

from jobs.reminders import plan_reminders
from tests.jobs.reminder_sheets import challenge, d, pan, tables

monday_11_january_2027 = d("2027-01-11")
PAN_1 = challenge("PAN-1", "16/12/2026", "2", Step_started="17/12/2026", Raiser_email="raiser@police.example",
                  Line_manager_email="manager@police.example")
EARLIER = [
    "PAN-1|2|escalate|raiser@police.example|2026-12-30",
    "PAN-1|2|escalate|manager@police.example|2026-12-30",   # the first reminder: escalate says it is overdue
    "PAN-1|2|overdue 2|manager@police.example|2026-12-30",
    "PAN-1|2|overdue 3|manager@police.example|2026-12-30",
]
# What else a year's Reminders tab holds: other challenges' emails, some of them overdue reminders to
# the same line manager, and PAN-1's own reminders at another step and to another person.
OTHERS = [
    *(f"PAN-{n}|1|due soon|raiser{n}@school.example|2026-11-{n % 28 + 1:02d}" for n in range(100, 160)),
    *(f"PAN-{n}|2|overdue 2|manager@police.example|2026-11-{n % 28 + 1:02d}" for n in range(200, 205)),
    "PAN-1|1|overdue 2|manager@police.example|2026-12-20",
    "PAN-1|2|overdue 2|raiser@police.example|2026-12-30",
    "Compliance:PAN-1|2|overdue 2|manager@police.example|2026-12-30",
]


def test_the_fourth_overdue_reminder_counts_the_two_before_it_among_everything_else_logged(tmp_path):
    plan = plan_reminders(pan(tmp_path), tables([PAN_1], sent_keys=[*OTHERS, *EARLIER]), monday_11_january_2027)
    [reminder] = [r for r in plan.reminders if r.kind == "overdue"]
    assert (reminder.kind_label, reminder.recipient) == ("overdue 4", "manager@police.example")
    assert reminder.email.subject == "PAN-1: Step 2 is overdue (reminder 3)"


def test_only_overdue_reminders_count_when_the_address_itself_says_overdue(tmp_path):
    """A shared mailbox named for chasing late work: its due soon and escalate emails are not
    overdue reminders."""
    row = challenge("PAN-1", "16/12/2026", "2", Step_started="17/12/2026", Raiser_email="raiser@police.example",
                    Line_manager_email="overdue.cases@police.example")
    logged = ["PAN-1|2|due soon|overdue.cases@police.example|2026-12-30",
              "PAN-1|2|escalate|raiser@police.example|2026-12-30",
              "PAN-1|2|escalate|overdue.cases@police.example|2026-12-30",
              "PAN-1|2|overdue 2|overdue.cases@police.example|2026-12-30"]
    plan = plan_reminders(pan(tmp_path), tables([row], sent_keys=logged), d("2027-01-07"))
    [reminder] = [r for r in plan.reminders if r.kind == "overdue"]
    assert (reminder.kind_label, reminder.recipient) == ("overdue 3", "overdue.cases@police.example")
    assert reminder.email.subject == "PAN-1: Step 2 is overdue (reminder 2)"


def test_a_compliance_challenges_overdue_reminders_are_counted_apart_from_a_challenge_with_its_reference(tmp_path):
    """Durham: DSCP-C-9 on the Compliance tab, Stage 2 due Thursday 5 November 2026; on Monday 16
    November its fourth overdue reminder is due. A Challenges row numbered the same is another challenge."""
    from tests.jobs.reminder_sheets import compliance, durham

    row = compliance("DSCP-C-9", "02/11/2026", "2", Step_started="02/11/2026", IRO_email="iro@durham.example",
                     Line_manager_email="lm@academy.example", Professional_agency="Academy")
    logged = ["Compliance:DSCP-C-9|2|escalate|lm@academy.example|2026-11-05",
              "Compliance:DSCP-C-9|2|overdue 2|lm@academy.example|2026-11-05",
              "Compliance:DSCP-C-9|2|overdue 3|lm@academy.example|2026-11-05",
              *(f"DSCP-C-9|2|overdue {n}|lm@academy.example|2026-11-05" for n in (2, 3, 4, 5))]
    plan = plan_reminders(durham(tmp_path), tables([], [row], sent_keys=logged), d("2026-11-16"))
    [reminder] = [r for r in plan.reminders if r.kind == "overdue"]
    assert reminder.key == "Compliance:DSCP-C-9|2|overdue 4|lm@academy.example|2026-11-05"
    assert reminder.email.subject == "DSCP-C-9: Stage 2 is overdue (reminder 3)"
