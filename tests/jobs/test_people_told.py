"""Who is told what: read from each shipped procedure's steps, and the weekly digest of stuck challenges.

Pure planning, named dates. Every person column of a row is filled with a distinct address, so
each email's recipients say exactly which people the procedure named.
"""
from __future__ import annotations

import dataclasses

import pytest

from jobs.reminders import digest_day, plan_reminders
from partnership.config import library_slugs, load_library_procedure
from procedures.model import PEOPLE
from procedures.people import step_people
from sheets.schema import CHALLENGES, PERSON_COLUMNS
from tests.jobs.reminder_sheets import challenge, d, pan, tables

ADDRESS = {person: f"{person.replace('_', '.')}@people.example" for person in PEOPLE}
ADDRESS.update(business_support="business.support@pan.example", partnership_manager="partnership.manager@pan.example")
EVERYONE = {column.replace(" ", "_"): ADDRESS[person] for person, column in PERSON_COLUMNS[CHALLENGES].items()}
# The people a Challenges row can name (an IRO or a safeguarding lead has a column on Compliance only).
ON_THE_ROW = {*PERSON_COLUMNS[CHALLENGES], "business_support", "partnership_manager"}


def with_procedure(partnership, slug: str):
    return dataclasses.replace(partnership, procedure=load_library_procedure(slug))


def to(plan, kind: str) -> set[str]:
    return {r.recipient for r in plan.reminders if r.kind == kind}


@pytest.fixture
def partnership(tmp_path):
    return pan(tmp_path)


@pytest.mark.parametrize("slug", library_slugs())
def test_every_shipped_step_names_who_acts_and_the_escalation_tells_exactly_them(partnership, slug):
    p = with_procedure(partnership, slug)
    procedure = p.procedure
    for step in procedure.steps:
        assert step.acts and set(step.acts) <= set(PEOPLE) and set(step.told) <= set(PEOPLE)
        if step.number <= procedure.starts_at:
            continue
        row = challenge("PAN-9", "02/11/2026", str(step.number), Step_started="04/11/2026", **EVERYONE)
        plan = plan_reminders(p, tables([row]), d("2026-11-04"))
        named = {ADDRESS[person] for person in (*step_people(step), "escalated_to") if person in ON_THE_ROW}
        assert to(plan, "escalated") == named, (slug, step.number)


@pytest.mark.parametrize("slug", library_slugs())
def test_a_new_challenge_is_announced_to_the_first_steps_people_and_confirmed_to_the_raiser(partnership, slug):
    p = with_procedure(partnership, slug)
    first = p.procedure.step(p.procedure.starts_at)
    row = challenge("PAN-9", "04/11/2026", str(first.number), Step_started="04/11/2026", **EVERYONE)
    plan = plan_reminders(p, tables([row]), d("2026-11-04"))
    assert to(plan, "raised") == {ADDRESS["raiser"]} | {ADDRESS[person] for person in step_people(first)
                                                       if person in ON_THE_ROW}


def test_pan_cheshire_reminds_those_who_act_at_each_step(partnership):
    """Seed 003: step 1 the two workers, step 2 the line managers, step 3 the partnership
    representative it was escalated to, step 4 the partnership manager with them."""
    acting = {1: {"raiser", "challenged"}, 2: {"raiser_line_manager", "challenged_line_manager"},
              3: {"escalated_to"}, 4: {"partnership_manager", "escalated_to"}}
    # Raised Monday 2 November 2026; each step's conclude-by day (1, 9, 14, 21) is due soon the day before.
    due_soon_on = {1: ("02/11/2026", "2026-11-02"), 2: ("03/11/2026", "2026-11-11"),
                   3: ("12/11/2026", "2026-11-18"), 4: ("19/11/2026", "2026-11-27")}
    for number, people in acting.items():
        started, day = due_soon_on[number]
        row = challenge("PAN-9", "02/11/2026", str(number), Step_started=started, **EVERYONE)
        plan = plan_reminders(partnership, tables([row]), d(day))
        assert to(plan, "due soon") == {ADDRESS[p] for p in people}, number


def test_durham_copies_go_to_the_business_manager_and_the_line_manager_acts_at_stage_2(tmp_path):
    from tests.jobs.reminder_sheets import compliance, durham
    p = durham(tmp_path)
    row = compliance("DSCP-C-9", "02/11/2026", "2", Step_started="02/11/2026", IRO_email="iro@durham.example",
                     Line_manager_email="lm@academy.example", Professional_email="pro@academy.example",
                     Professional_agency="Academy")
    plan = plan_reminders(p, tables([], [row]), d("2026-11-04"))  # stage 2 concludes Thursday 5 November
    assert to(plan, "due soon") == {"lm@academy.example"}
    assert to(plan, "compliance copy") == {"business.manager@durham.example"}
    # The line manager is sent their link when the form is sent, not a second notice.
    assert to(plan, "raised") == {"iro@durham.example"}


STUCK_ROW = challenge("PAN-3", "02/11/2026", "1", Raiser_email="raiser@police.example",
                      Other_professional_email="sw@council.example")


@pytest.mark.parametrize("day, stuck", [
    ("2026-11-09", False),   # Monday: 5 working days overdue, not more than stuck_after
    ("2026-11-16", True),    # Monday: 10 working days overdue
    ("2026-11-17", False),   # Tuesday: not the digest day
])
def test_a_challenge_overdue_more_than_stuck_after_goes_in_the_monday_digest(partnership, day, stuck):
    plan = plan_reminders(partnership, tables([STUCK_ROW]), d(day))
    digests = [r for r in plan.reminders if r.kind == "stuck"]
    if not stuck:
        assert digests == []
        return
    assert {r.recipient for r in digests} == {"business.support@pan.example", "partnership.manager@pan.example"}
    text = digests[0].email.text
    assert "PAN-3 (professional challenge): Step 1; who acts: Practitioners; 10 working days overdue." in text
    assert digests[0].key == "||stuck|business.support@pan.example|2026-11-16"
    again = plan_reminders(partnership, tables([STUCK_ROW], sent_keys=[r.key for r in digests]), d(day))
    assert [r for r in again.reminders if r.kind == "stuck"] == []


def test_the_digest_lists_the_longest_overdue_first_then_by_reference_each_with_its_link(partnership):
    rows = [challenge(reference, raised, "1", Raiser_email="raiser@police.example")
            for reference, raised in (("PAN-B", "02/11/2026"), ("PAN-C", "26/10/2026"), ("PAN-A", "02/11/2026"))]
    monday_16_november_2026 = d("2026-11-16")
    plan = plan_reminders(partnership, tables(rows), monday_16_november_2026, base_url="https://x.example")
    digest = next(r for r in plan.reminders if r.kind == "stuck" and r.recipient == "business.support@pan.example")
    assert (digest.tab, digest.reference, digest.step, digest.due) == ("", "", None, monday_16_november_2026)
    assert digest.email.to == "business.support@pan.example"
    text = digest.email.text
    assert digest.email.subject == "Pan Cheshire Test Partnership: 3 stuck challenges"
    assert "on 16 November 2026" in text
    listed = [line.split(" (")[0] for line in text.splitlines() if line.startswith("PAN-")]
    assert listed == ["PAN-C", "PAN-A", "PAN-B"]  # 15 working days overdue, then two of 10 by reference
    assert "https://x.example/pan/challenges/PAN-C" in text


def test_the_digest_goes_on_the_next_working_day_when_its_day_is_a_bank_holiday(partnership):
    # Monday 28 December 2026 is the Boxing Day substitute holiday: the digest goes on Tuesday 29th.
    assert digest_day(partnership, d("2026-12-28")) is None
    assert digest_day(partnership, d("2026-12-29")) == d("2026-12-28")
    assert digest_day(partnership, d("2026-12-30")) is None
    friday = dataclasses.replace(partnership, reminders=dataclasses.replace(partnership.reminders, digest_day=4))
    assert digest_day(friday, d("2026-11-20")) == d("2026-11-20")
    # Christmas Day falls on the Friday: the week's digest has no working day left after it.
    assert digest_day(friday, d("2026-12-25")) is None
