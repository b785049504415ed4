"""What a run reads, and which rows it acts on when run for an earlier day (``jobs run --today``).

A run given no tables reads the Challenges and Reminders tabs, and the Compliance tab for a
partnership with a compliance procedure only. A run for an earlier day, catching up, leaves rows
raised after that day alone; only a Raised on after the day it really runs is reported to correct.
Against local workbooks and a real SMTP server.
"""
from __future__ import annotations

import datetime as dt

import pytest

from jobs.reminders import job_tabs, run_reminders
from notify import send_email
from sheets.local import LocalWorkbook
from sheets.schema import CHALLENGES, COMPLIANCE, REMINDERS
from tests.jobs.reminder_sheets import challenge, compliance, durham, local_workbook, pan
from tests.notify.mailserver import MailServer

URL = "https://challenges.example.org"
tuesday_29_december_2026 = dt.date(2026, 12, 29)
monday_4_january_2027_at_seven = dt.datetime(2027, 1, 4, 7, 0)


@pytest.fixture
def mail():
    with MailServer() as server:
        yield server


def run(workbook, partnership, mail, today: dt.date, now: dt.datetime):
    return run_reminders(workbook, partnership, today, base_url=URL, now=lambda: now,
                         send=lambda email: send_email(email, from_address=partnership.email.from_address,
                                                       config=mail.config()))


def test_a_run_for_an_earlier_day_leaves_later_rows_alone_and_reports_only_dates_still_to_come(tmp_path, mail):
    partnership = pan(tmp_path)
    workbook = local_workbook(tmp_path / "pan.xlsx", [
        challenge("PAN-1", "16/12/2026", "2", Step_started="17/12/2026", Raiser_email="raiser1@police.example",
                  Line_manager_email="manager1@police.example"),
        # Raised after Tuesday 29 December, before the Monday the job really runs: a real row, left alone.
        challenge("PAN-5", "31/12/2026", "1", Raiser_email="raiser5@school.example"),
        # Raised after the day the job really runs: a date typed wrong.
        challenge("PAN-6", "10/01/2027", "1", Raiser_email="raiser6@school.example"),
    ])
    result = run(workbook, partnership, mail, tuesday_29_december_2026, monday_4_january_2027_at_seven)
    assert [(p.row, p.column) for p in result.problems] == [(4, "Raised on")]
    assert "10/01/2027 is in the future" in str(result.problems[0])
    received = mail.take()
    assert not any("PAN-5" in m.subject or "PAN-6" in m.subject for m in received)
    [problems] = [m for m in received if m.to == "business.support@pan.example"]
    text = problems.part("plain")
    assert "could not read 1 thing" in text and "Challenges row 4," in text and "row 3," not in text
    rows = LocalWorkbook(workbook.path).read(CHALLENGES)
    assert rows.find("PAN-1")["Status"] == "due soon"
    assert rows.find("PAN-5")["Status"] == "" and rows.find("PAN-6")["Status"] == ""


def test_a_run_reads_the_compliance_tab_only_for_a_partnership_with_a_compliance_procedure(tmp_path, mail):
    monday_22_march_2027 = dt.date(2027, 3, 22)
    at_seven = dt.datetime(2027, 3, 22, 7, 0)
    row = compliance("DSCP-0001", "22/03/2027", "1", IRO_email="iro@durham.example")
    assert set(job_tabs(durham(tmp_path))) == {CHALLENGES, REMINDERS, COMPLIANCE}
    result = run(local_workbook(tmp_path / "durham.xlsx", [], [row]), durham(tmp_path), mail, monday_22_march_2027,
                 at_seven)
    assert sorted((r.tab, r.kind, r.recipient) for r in result.sent) == [
        (COMPLIANCE, "compliance copy", "business.manager@durham.example"),
        (COMPLIANCE, "due soon", "iro@durham.example"),
        (COMPLIANCE, "raised", "iro@durham.example")]
    assert len(mail.take()) == 3

    # Pan Cheshire has no compliance procedure: its Compliance tab (made by `sheet init`) is not read.
    pan_result = run(local_workbook(tmp_path / "pan.xlsx", [], [row]), pan(tmp_path), mail, monday_22_march_2027,
                     at_seven)
    assert set(job_tabs(pan(tmp_path))) == {CHALLENGES, REMINDERS}
    assert pan_result.sent == [] and mail.take() == []
