"""What each event on a challenge calls for (``notify.notices.events``): to whom, for which step
and day, and the words of each email (its reference, step, dates and link; who raised it with
you, from which agency). Pure: Pan Cheshire challenges and a Durham compliance challenge, no
workbook, no mail server.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from notify import notices
from partnership.config import LIBRARY, _read_toml, parse_procedure
from procedures import position
from sheets.base import Record, Table
from sheets.rows import ReadRow, people_on, read_dates
from sheets.schema import CHALLENGES, COMPLIANCE, REMINDERS
from tests.jobs.reminder_sheets import challenge, compliance, durham, pan

URL = "https://challenges.example.org"
monday_7_december_2026 = dt.date(2026, 12, 7)
tuesday_1_december_2026 = dt.date(2026, 12, 1)
RAISER, CHALLENGED = "Rae.Raiser@Example.NHS.uk", "pat@example.police.uk"
MANAGER, OTHER_MANAGER, LEAD = "lee@example.nhs.uk", "max@example.police.uk", "lead@example.gov.uk"
PEOPLE = {"Raiser email": RAISER, "Other professional email": CHALLENGED, "Line manager email": MANAGER,
          "Other professional's line manager email": OTHER_MANAGER, "Raiser agency": "Health"}


@pytest.fixture
def partnership(tmp_path):
    return pan(tmp_path)


def events(partnership, row, today, *, tab=CHALLENGES, at_once=False):
    procedure = partnership.compliance_procedure if tab == COMPLIANCE else partnership.procedure
    record = Record(tab, 2, row)
    dates, problems = read_dates(record, procedure)
    assert dates is not None and problems == []
    where = position(procedure, partnership.calendar, dates, today, due_soon_days=partnership.reminders.due_soon_days)
    people = people_on(record, business_support=partnership.email.business_support,
                       partnership_manager=partnership.email.partnership_manager)
    return notices.events(partnership, tab, procedure, ReadRow(record, dates), where, people, today, URL,
                          at_once=at_once)


def owed(found):
    return [(due.kind, due.step, due.to, due.due) for due in found]


def test_a_challenge_raised_today_confirms_to_the_raiser_and_tells_the_challenged_who_raised_it(partnership):
    found = events(partnership, challenge("PAN-RAISE1", "2026-12-07", **PEOPLE), monday_7_december_2026)
    assert owed(found) == [("raised", 1, RAISER, monday_7_december_2026),
                           ("raised", 1, CHALLENGED, monday_7_december_2026)]
    confirmation, with_you = (due.compose() for due in found)
    assert with_you.to == CHALLENGED
    link = f"{URL}/pan/challenges/PAN-RAISE1"
    assert confirmation.to == RAISER and "PAN-RAISE1" in confirmation.subject and link in confirmation.text
    assert "Step 1: Professionals resolving disagreements" in confirmation.text
    assert with_you.subject == "PAN-RAISE1: a professional challenge has been raised with you"
    assert "Alex Secretname (Health) has raised professional challenge PAN-RAISE1 through " \
           "Pan Cheshire Test Partnership" in with_you.text
    assert "It is at Step 1: Professionals resolving disagreements. Who acts: Practitioners." in with_you.text
    assert "conclude by" in with_you.text and "2026" in with_you.text
    assert link in with_you.text and link in with_you.html


def test_the_challenged_professional_with_the_raisers_address_is_not_told_twice(partnership):
    row = challenge("PAN-RAISE2", "2026-12-07", **{**PEOPLE, "Other professional email": RAISER.upper()})
    assert owed(events(partnership, row, monday_7_december_2026)) == [("raised", 1, RAISER, monday_7_december_2026)]


def test_a_challenge_raised_more_than_the_look_back_ago_is_announced_only_by_a_page(partnership):
    row = challenge("PAN-RAISE3", "2026-11-02", **PEOPLE)
    assert events(partnership, row, monday_7_december_2026) == []
    assert [d.kind for d in events(partnership, row, monday_7_december_2026, at_once=True)] == ["raised", "raised"]
    # Nor is a day still to come announced, even by a page.
    future = challenge("PAN-RAISE4", "2026-12-08", **PEOPLE)
    assert events(partnership, future, monday_7_december_2026, at_once=True) == []


def test_an_escalation_tells_everyone_the_new_step_names_and_whoever_it_was_escalated_to(partnership):
    row = challenge("PAN-ESC001", "2026-11-16", "2", **PEOPLE, Step_started="2026-12-07",
                    Escalated_to_email=LEAD)
    found = events(partnership, row, monday_7_december_2026)
    assert owed(found) == [("escalated", 2, to, monday_7_december_2026)
                           for to in (MANAGER, OTHER_MANAGER, RAISER, LEAD)]
    email = found[0].compose()
    assert "PAN-ESC001" in email.subject and f"{URL}/pan/challenges/PAN-ESC001" in email.text
    assert "Step 2" in email.text and "7 December 2026" in email.text


def test_an_escalation_with_no_recorded_start_is_announced_to_nobody_even_by_a_page(partnership):
    row = challenge("PAN-ESC002", "2026-11-16", "2", **PEOPLE)
    assert [d.kind for d in events(partnership, row, monday_7_december_2026, at_once=True)] == ["raised", "raised"]
    assert events(partnership, row, monday_7_december_2026) == []


def test_an_escalation_on_the_day_itself_is_announced_by_a_page(partnership):
    row = challenge("PAN-ESC003", "2026-10-01", "2", **PEOPLE, Step_started="2026-12-07")
    found = events(partnership, row, monday_7_december_2026, at_once=True)
    assert [(d.kind, d.due) for d in found if d.kind == "escalated"] == [
        ("escalated", monday_7_december_2026)] * 3


def test_a_resolution_tells_the_raiser_and_the_challenged_and_asks_only_the_raiser_if_satisfied(partnership):
    row = challenge("PAN-RES001", "2026-11-16", "1", **PEOPLE, Resolved_on="2026-12-07")
    found = events(partnership, row, monday_7_december_2026)
    assert owed(found) == [("resolved", 1, RAISER, monday_7_december_2026),
                           ("resolved", 1, CHALLENGED, monday_7_december_2026)]
    to_raiser, to_challenged = (due.compose() for due in found)
    for email in (to_raiser, to_challenged):
        assert "PAN-RES001" in email.subject and f"{URL}/pan/challenges/PAN-RES001" in email.text
        assert "7 December 2026" in email.text
    assert "PAN-RES001, which you raised, was resolved at Step 1" in to_raiser.text
    assert "Professional challenge PAN-RES001 was resolved at Step 1" in to_challenged.text


def test_an_open_challenge_with_a_resolved_date_still_to_come_is_not_announced(partnership):
    row = challenge("PAN-RES002", "2026-11-02", "1", **PEOPLE, Resolved_on="2026-12-08")
    assert events(partnership, row, monday_7_december_2026) == []


def test_a_withdrawal_tells_the_challenged_and_those_acting_but_not_the_raiser(partnership):
    row = challenge("PAN-WD0001", "2026-11-16", "2", **PEOPLE, Step_started="2026-11-30",
                    Withdrawn_on="2026-12-07")
    found = events(partnership, row, monday_7_december_2026)
    assert owed(found) == [("withdrawn", 2, to, monday_7_december_2026) for to in (CHALLENGED, MANAGER, OTHER_MANAGER)]
    email = found[0].compose()
    assert "PAN-WD0001" in email.subject and f"{URL}/pan/challenges/PAN-WD0001" in email.text
    assert "7 December 2026" in email.text


def test_a_compliance_challenge_sent_copies_the_business_manager_with_the_agency(tmp_path):
    partnership = durham(tmp_path)
    row = compliance("DSCP-0009", "2026-12-01", "1", IRO_email="iro@durham.example", Professional_agency="Health",
                     Professional_email=CHALLENGED, Line_manager_email=MANAGER, IRO="Ira Iro")
    found = events(partnership, row, tuesday_1_december_2026, tab=COMPLIANCE)
    assert owed(found) == [("compliance copy", None, "business.manager@durham.example", tuesday_1_december_2026),
                           ("raised", 1, "iro@durham.example", tuesday_1_december_2026),
                           ("raised", 1, CHALLENGED, tuesday_1_december_2026)]
    copy, _, with_you = (due.compose() for due in found)
    assert "DSCP-0009" in copy.subject and f"{URL}/durham/compliance/DSCP-0009" in copy.text
    assert "Health" in copy.text and "1 December 2026" in copy.text
    # The IRO raised it; a compliance challenge names no raising agency.
    assert "Ira Iro has raised compliance challenge DSCP-0009 through Durham Test Partnership" in with_you.text
    assert f"{URL}/durham/compliance/DSCP-0009" in with_you.text


def test_the_keys_sent_are_the_reminders_tabs_keys_trimmed_and_none_blank():
    rows = [{"Key": " PAN-1|1|raised|a@b.example|2026-12-07 "}, {"Key": ""}, {"Key": "   "}]
    reminders = Table(REMINDERS, ("Key",), tuple(Record(REMINDERS, i + 2, r) for i, r in enumerate(rows)))
    assert notices.sent_keys(reminders) == {"PAN-1|1|raised|a@b.example|2026-12-07"}
    assert notices.sent_keys(None) == set()  # a sheet with no Reminders tab yet


def test_someone_at_the_first_step_sharing_the_raisers_address_does_not_stop_the_others_being_told(partnership):
    data = _read_toml(LIBRARY / "pan-cheshire.toml")
    data["steps"][0]["acts"] = ["raiser", "challenged", "challenged_line_manager"]
    three = dataclasses.replace(partnership, procedure=parse_procedure("test", data))
    row = challenge("PAN-RAISE5", "2026-12-07", **{**PEOPLE, "Other professional email": RAISER.lower()})
    assert owed(events(three, row, monday_7_december_2026)) == [
        ("raised", 1, RAISER, monday_7_december_2026), ("raised", 1, OTHER_MANAGER, monday_7_december_2026)]


def test_a_withdrawal_long_ago_is_not_announced_again(partnership):
    row = challenge("PAN-WD0002", "2026-10-01", "1", **PEOPLE, Withdrawn_on="2026-10-05")
    assert events(partnership, row, monday_7_december_2026) == []


@pytest.mark.parametrize("columns, kind, to", [
    ({"Step": "3", "Step started": "2026-12-01"}, "escalated", "business.manager@durham.example"),
    ({"Step": "1", "Resolved on": "2026-12-01"}, "resolved", "iro@durham.example"),
    ({"Step": "1", "Withdrawn on": "2026-12-01"}, "withdrawn", CHALLENGED),
])
def test_a_compliance_challenges_events_say_compliance_and_link_to_its_page(tmp_path, columns, kind, to):
    partnership = durham(tmp_path)
    row = compliance("DSCP-0010", "2026-11-16", IRO_email="iro@durham.example", Professional_email=CHALLENGED,
                     Line_manager_email=MANAGER, Safeguarding_lead_email=LEAD, Professional_agency="Health")
    row.update(columns)
    found = [due for due in events(partnership, row, tuesday_1_december_2026, tab=COMPLIANCE) if due.kind == kind]
    assert to in [due.to for due in found]
    if kind == "withdrawn":  # the IRO withdrew it: only the professional is told
        assert [due.to for due in found] == [CHALLENGED]
    for due in found:
        email = due.compose()
        assert email.to == due.to
        assert "Compliance challenge DSCP-0010" in email.text
        assert f"{URL}/durham/compliance/DSCP-0010" in email.text


@pytest.mark.parametrize("back, announced", [(0, True), (1, True), (notices.EVENT_LOOKBACK_DAYS, True),
                                              (notices.EVENT_LOOKBACK_DAYS + 1, False)])
@pytest.mark.parametrize("event", ["raised", "escalated", "resolved", "withdrawn"])
def test_the_job_announces_an_event_from_today_back_to_the_first_day_of_the_look_back(partnership, back, announced,
                                                                                       event):
    """The daily job (``plan_reminders``, which first sets aside rows that cannot owe an email) emails
    an event that happened today, or as long ago as the look-back's first day, and not one a day older,
    on a challenge that is otherwise on track and owes nothing else."""
    from jobs.reminders import plan_reminders
    from partnership.config import load_library_procedure

    # Darlington's first step has no deadline: a challenge at it stays on track, so only the event is news.
    partnership = dataclasses.replace(partnership, procedure=load_library_procedure("darlington"))
    today = tuesday_1_december_2026
    day = (today - dt.timedelta(days=back)).isoformat()
    if event == "raised":
        row = challenge("PAN-1", day, **PEOPLE)
    elif event == "escalated":  # raised a month ago, escalated to step 2 on the day, on track
        row = challenge("PAN-1", (today - dt.timedelta(days=40)).isoformat(), "2", Step_started=day, **PEOPLE)
    else:  # raised a month ago, ended on the day
        row = challenge("PAN-1", (today - dt.timedelta(days=40)).isoformat(),
                        **{"Resolved on" if event == "resolved" else "Withdrawn on": day}, **PEOPLE)
    tables = {CHALLENGES: Table(CHALLENGES, tuple(row), (Record(CHALLENGES, 2, row),)),
              REMINDERS: Table(REMINDERS, ("Key",), ())}
    plan = plan_reminders(partnership, tables, today, base_url=URL)
    kinds = {r.kind for r in plan.reminders}
    assert (event in kinds) is announced, (back, kinds)
    if announced and event == "raised":  # to the address as typed, capitals and all
        assert RAISER in {r.recipient for r in plan.reminders if r.kind == event}
