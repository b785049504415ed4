"""What a run writes in the Reminders tab and keeps in the sent journal, against a local workbook
and a real SMTP server.

Each email sent is logged once, with when (the partnership's local time, to the second), about
which challenge and step, which kind, to whom and for which deadline. An email the relay refused is
not left in flight (it would be counted as cut off by a crash); every one that was is sent again
and counted; rows the Reminders tab already holds are not logged twice.
"""
from __future__ import annotations

import datetime as dt

import pytest

from jobs.reminders import run_reminders
from notify import send_email
from notify.journal import SentJournal
from sheets.local import LocalWorkbook
from sheets.schema import REMINDERS, REMINDERS_COLUMNS
from state import open_store
from tests.jobs.reminder_sheets import challenge, local_workbook
from tests.notify.mailserver import free_port

tuesday_29_december_2026 = dt.date(2026, 12, 29)
SEVEN_IN_THE_MORNING = dt.datetime(2026, 12, 29, 7, 0, 5, 250_000)
URL = "https://challenges.example.org"

# PAN-1 is at step 2, due Wednesday 30 December: its line manager is reminded; PAN-9's date cannot be
# read, so business support are sent the rows to correct (an email about no step and no deadline).
ROWS = [
    challenge("PAN-1", "16/12/2026", "2", Step_started="17/12/2026", Raiser_email="raiser1@police.example",
              Line_manager_email="manager1@police.example"),
    challenge("PAN-9", "32/12/2026", "1", Raiser_email="raiser9@school.example"),
]


@pytest.fixture
def workbook(tmp_path):
    return local_workbook(tmp_path / "pan.xlsx", ROWS)


def journal(tmp_path) -> SentJournal:
    return SentJournal(open_store(f"sqlite:///{tmp_path}/state.sqlite3"), "pan")


def run(workbook, partnership, mail, tmp_path, **kwargs):
    kwargs.setdefault("journal", journal(tmp_path))
    return run_reminders(workbook, partnership, tuesday_29_december_2026, base_url=URL, now=lambda: SEVEN_IN_THE_MORNING,
                         send=lambda email: send_email(email, from_address=partnership.email.from_address,
                                                       config=mail.config()), **kwargs)


def logged(workbook) -> list[tuple[str, ...]]:
    return sorted(tuple(r[c] for c in REMINDERS_COLUMNS) for r in LocalWorkbook(workbook.path).read(REMINDERS).records)


def test_each_email_sent_is_logged_with_when_about_what_to_whom_and_its_deadline(workbook, partnership, mail,
                                                                                   tmp_path):
    result = run(workbook, partnership, mail, tmp_path)
    assert result.ok and len(mail.take()) == len(result.sent) == 5
    assert logged(workbook) == [
        # Sent at, Reference, Step, Kind, Recipient, Due date, Key
        ("2026-12-29 07:00:05", "", "", "problems", "business.support@pan.example", "2026-12-29",
         "||problems|business.support@pan.example|2026-12-29"),
        ("2026-12-29 07:00:05", "PAN-1", "1", "raised", "raiser1@police.example", "2026-12-16",
         "PAN-1|1|raised|raiser1@police.example|2026-12-16"),
        ("2026-12-29 07:00:05", "PAN-1", "2", "due soon", "manager1@police.example", "2026-12-30",
         "PAN-1|2|due soon|manager1@police.example|2026-12-30"),
        ("2026-12-29 07:00:05", "PAN-1", "2", "escalated", "manager1@police.example", "2026-12-17",
         "PAN-1|2|escalated|manager1@police.example|2026-12-17"),
        ("2026-12-29 07:00:05", "PAN-1", "2", "escalated", "raiser1@police.example", "2026-12-17",
         "PAN-1|2|escalated|raiser1@police.example|2026-12-17"),
    ]


class Crash(Exception):
    """The process dying mid-run (not an email failure)."""


class DiesBeforeForgetting(SentJournal):
    def forget(self, keys):
        raise Crash("killed after the Reminders rows were written, before the journal dropped them")


def test_rows_already_in_the_reminders_tab_are_not_logged_again_after_a_crash(workbook, partnership, mail, tmp_path):
    with pytest.raises(Crash):
        run(workbook, partnership, mail, tmp_path, journal=DiesBeforeForgetting(journal(tmp_path).store, "pan"))
    first = logged(workbook)
    assert len(mail.take()) == len(first) == 5
    assert len(journal(tmp_path).sent_rows()) == 5  # still noted as sent, not yet known to be logged

    again = run(workbook, partnership, mail, tmp_path)
    assert again.ok and again.sent == [] and mail.take() == []
    assert logged(workbook) == first  # each row once
    assert journal(tmp_path).sent_rows() == [] and journal(tmp_path).in_flight() == []


def test_an_email_the_relay_refused_is_not_left_in_flight_and_goes_once_next_time(workbook, partnership, mail,
                                                                                   tmp_path):
    mail.handler.refuse_to = {"manager1@police.example"}
    first = run(workbook, partnership, mail, tmp_path)
    assert sorted((r.kind, r.recipient) for r, _ in first.failed) == [("due soon", "manager1@police.example"),
                                                                       ("escalated", "manager1@police.example")]
    assert journal(tmp_path).in_flight() == [] and journal(tmp_path).sent_rows() == []
    assert len(mail.take()) == 3

    mail.handler.refuse_to = set()
    second = run(workbook, partnership, mail, tmp_path)
    assert second.ok and second.resent == 0  # nothing was cut off by a crash
    assert sorted(m.to for m in mail.take()) == ["manager1@police.example"] * 2
    assert len(logged(workbook)) == 5


def test_a_run_without_a_journal_reports_a_refused_address_and_sends_the_rest(workbook, partnership, mail, tmp_path):
    mail.handler.refuse_to = {"raiser1@police.example"}
    result = run(workbook, partnership, mail, tmp_path, journal=None)
    assert [r.recipient for r, _ in result.failed] == ["raiser1@police.example"] * 2
    assert len(result.sent) == 3 and len(mail.take()) == 3
    assert len(logged(workbook)) == 3


def test_every_email_cut_off_by_a_crash_is_sent_again_and_counted(workbook, partnership, mail, tmp_path):
    """Two runs each killed while sending (after the journal noted the email, before the relay's
    answer was noted) leave two emails in flight: the next run sends both again and says so."""
    planned = run(workbook, partnership, mail, tmp_path, dry_run=True).would_send
    cut_off = planned[:2]
    for reminder in cut_off:
        journal(tmp_path).intent(reminder.log_row(SEVEN_IN_THE_MORNING))
    assert len(journal(tmp_path).in_flight()) == 2

    result = run(workbook, partnership, mail, tmp_path)
    assert result.ok and result.resent == 2 and len(result.sent) == 5
    assert len(mail.take()) == 5
    assert journal(tmp_path).in_flight() == [] and len(logged(workbook)) == 5


def test_with_the_relay_down_each_email_due_is_reported_as_failed_or_left_for_the_next_run(
        workbook, partnership, mail, tmp_path):
    due = [r.key for r in run(workbook, partnership, mail, tmp_path, dry_run=True).would_send]
    down = {**mail.config(), "MAIL_SMTP_PORT": free_port(), "MAIL_SMTP_TIMEOUT": 1}
    result = run_reminders(workbook, partnership, tuesday_29_december_2026, base_url=URL, journal=journal(tmp_path),
                           now=lambda: SEVEN_IN_THE_MORNING,
                           send=lambda email: send_email(email, from_address=partnership.email.from_address, config=down))
    assert not result.ok and result.sent == []
    # Three failures in a row: the rest are not tried, each of them named.
    assert [r.key for r, _ in result.failed] == due[:3]
    assert [r.key for r in result.not_attempted] == due[3:]
    assert logged(workbook) == []
