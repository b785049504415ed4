"""The emails a page sends at once when it records an event (``notify.notices.notices``).

They carry the same keys the daily job logs in the Reminders tab, so each goes once: one the
Reminders tab already holds is neither composed nor sent again, and one owed twice goes once.
Pure: a Durham compliance challenge recorded on Monday 22 March 2027, no workbook, no mail server.
"""
from __future__ import annotations

import datetime as dt

import pytest

from jobs.reminders import plan_reminders
from notify import Email, notices
from procedures import position
from sheets.base import Record
from sheets.rows import ReadRow, people_on, read_dates
from sheets.schema import COMPLIANCE
from tests.jobs.reminder_sheets import compliance, durham, tables

monday_22_march_2027 = dt.date(2027, 3, 22)
URL = "https://challenges.example.org"
ROW = compliance("DSCP-0001", "22/03/2027", "1", IRO_email="iro@durham.example")
# What the page owes when the form is sent: the business manager's copy and the IRO's confirmation.
OWED = [
    ("compliance copy", COMPLIANCE, "DSCP-0001", None, "business.manager@durham.example", monday_22_march_2027,
     "Compliance:DSCP-0001||compliance copy|business.manager@durham.example|2027-03-22"),
    ("raised", COMPLIANCE, "DSCP-0001", 1, "iro@durham.example", monday_22_march_2027,
     "Compliance:DSCP-0001|1|raised|iro@durham.example|2027-03-22"),
]


@pytest.fixture
def partnership(tmp_path):
    return durham(tmp_path)


def dues(partnership, composed: list[str] | None = None) -> list[notices.Due]:
    """The page's dues for the row just recorded; ``composed`` notes each email whose words are made."""
    procedure = partnership.compliance_procedure
    record = Record(COMPLIANCE, 2, ROW)
    dates, problems = read_dates(record, procedure)
    assert dates is not None and problems == []
    where = position(procedure, partnership.calendar, dates, monday_22_march_2027,
                     due_soon_days=partnership.reminders.due_soon_days)
    people = people_on(record, business_support=partnership.email.business_support,
                       partnership_manager=partnership.email.partnership_manager)
    found = notices.events(partnership, COMPLIANCE, procedure, ReadRow(record, dates), where, people,
                           monday_22_march_2027, URL, at_once=True)
    if composed is None:
        return found

    def noting(due: notices.Due) -> notices.Due:
        def compose() -> Email:
            composed.append(due.to)
            return due.compose()
        return notices.Due(due.kind, due.step, due.to, due.due, compose)
    return [noting(d) for d in found]


def described(found: list[notices.Notice]) -> list[tuple]:
    return [(n.kind, n.tab, n.reference, n.step, n.recipient, n.due, n.key) for n in found]


def test_the_page_composes_each_email_owed_with_the_key_the_job_logs(partnership):
    sent: set[str] = set()
    found = notices.notices(dues(partnership), COMPLIANCE, "DSCP-0001", sent)
    assert described(found) == OWED
    assert [(n.email.to, n.email.subject) for n in found] == [
        ("business.manager@durham.example", "DSCP-0001: compliance challenge sent (copy for the business manager)"),
        ("iro@durham.example", "DSCP-0001: your compliance challenge is recorded")]
    assert all(URL in n.email.text for n in found)
    # Noted as sent, and the very keys the daily job would log for the same emails: each goes once.
    assert sent == {key for *_, key in OWED}
    plan = plan_reminders(partnership, tables([], [ROW]), monday_22_march_2027, base_url=URL)
    assert sent <= {r.key for r in plan.reminders}
    again = plan_reminders(partnership, tables([], [ROW], sent_keys=sorted(sent)), monday_22_march_2027, base_url=URL)
    assert sent.isdisjoint(r.key for r in again.reminders) and again.already_sent == len(sent)


def test_an_email_already_in_the_reminders_tab_is_not_composed_again(partnership):
    composed: list[str] = []
    sent = {"Compliance:DSCP-0001|1|raised|iro@durham.example|2027-03-22"}
    found = notices.notices(dues(partnership, composed), COMPLIANCE, "DSCP-0001", sent)
    assert described(found) == OWED[:1]
    assert composed == ["business.manager@durham.example"]


@pytest.mark.parametrize("logged", [
    "DSCP-0001|1|raised|iro@durham.example|2027-03-22",              # the Challenges tab's DSCP-0001
    "Compliance:DSCP-0002|1|raised|iro@durham.example|2027-03-22",   # another challenge
    "Compliance:DSCP-0001|2|raised|iro@durham.example|2027-03-22",   # another step
    "Compliance:DSCP-0001|1|escalated|iro@durham.example|2027-03-22",  # another kind of email
    "Compliance:DSCP-0001|1|raised|lm@durham.example|2027-03-22",    # someone else
    "Compliance:DSCP-0001|1|raised|iro@durham.example|2027-03-23",   # another due date
    "Compliance:DSCP-0001|1|raised|iro@durham.example|",
])
def test_an_email_like_one_logged_but_not_the_same_is_still_sent(partnership, logged):
    found = notices.notices(dues(partnership), COMPLIANCE, "DSCP-0001", {logged})
    assert described(found) == OWED


def test_an_email_owed_twice_is_composed_and_sent_once(partnership):
    composed: list[str] = []
    twice = dues(partnership, composed) * 2
    found = notices.notices(twice, COMPLIANCE, "DSCP-0001", set())
    assert described(found) == OWED
    assert composed == ["business.manager@durham.example", "iro@durham.example"]
