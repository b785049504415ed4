"""run_reminders against a local workbook and a real SMTP server: never twice, never lost.

SMTP down, one address refused, a crash half way through sending, a crash before the
columns are written, and a sheet people have rearranged.
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from notify.journal import SentJournal
from jobs.reminders import run_reminders
from notify import Email, send_email
from sheets.local import LocalWorkbook
from sheets.schema import CHALLENGES, REMINDERS
from state import open_store
from tests.jobs.reminder_sheets import challenge, local_workbook
from tests.notify.mailserver import free_port

tuesday_29_december_2026 = dt.date(2026, 12, 29)
URL = "https://challenges.example.org"

# Tuesday 29 December: three challenges each owe emails (due soon; escalate x2; resolved), and
# the notices the pages would have sent at once for rows typed by hand (raised; now at step 2).
ROWS = [
    challenge("PAN-1", "16/12/2026", "2", Step_started="17/12/2026", Raiser_email="raiser1@police.example",
              Line_manager_email="manager1@police.example"),
    challenge("PAN-2", "24/12/2026", "1", Raiser_email="raiser2@school.example",
              Line_manager_email="manager2@school.example"),
    challenge("PAN-4", "21/12/2026", "1", Resolved_on="22/12/2026", Raiser_email="raiser4@school.example"),
]
EXPECTED = sorted([
    ("manager1@police.example", "PAN-1: Step 2 is due by 30 December 2026"),
    ("raiser1@police.example", "PAN-1: your professional challenge is recorded"),
    ("manager1@police.example", "PAN-1: now at Step 2"),
    ("raiser1@police.example", "PAN-1: now at Step 2"),
    ("raiser2@school.example", "PAN-2: your professional challenge is recorded"),
    ("manager2@school.example", "PAN-2: escalate to Step 2"),
    ("raiser2@school.example", "PAN-2: escalate to Step 2"),
    ("raiser4@school.example", "PAN-4: resolved"),
])


@pytest.fixture
def workbook(tmp_path):
    return local_workbook(tmp_path / "pan.xlsx", ROWS)


def sender(partnership, config):
    return lambda email: send_email(email, from_address=partnership.email.from_address, config=config)


def journal(tmp_path) -> SentJournal:
    return SentJournal(open_store(f"sqlite:///{tmp_path}/state.sqlite3"), "pan")


def run(workbook, partnership, send, tmp_path, **kwargs):
    return run_reminders(workbook, partnership, tuesday_29_december_2026, send=send, base_url=URL,
                         journal=journal(tmp_path), **kwargs)


def received(mail):
    return sorted((m.to, m.subject) for m in mail.take())


def logged_keys(workbook):
    return [r["Key"] for r in LocalWorkbook(workbook.path).read(REMINDERS).records]


def test_smtp_down_records_nothing_then_everything_goes_once_when_it_is_back(workbook, partnership, mail, tmp_path):
    down = {**mail.config(), "MAIL_SMTP_PORT": free_port(), "MAIL_SMTP_TIMEOUT": 1}
    first = run(workbook, partnership, sender(partnership, down), tmp_path)
    assert not first.ok and first.sent == []
    assert len(first.failed) == 3 and len(first.not_attempted) == len(EXPECTED) - 3  # gives up after 3 failures in a row
    assert logged_keys(workbook) == []
    # The columns are still brought up to date.
    assert LocalWorkbook(workbook.path).read(CHALLENGES).find("PAN-1")["Status"] == "due soon"
    assert LocalWorkbook(workbook.path).read(CHALLENGES).find("PAN-1")["Last reminder"] == ""

    second = run(workbook, partnership, sender(partnership, mail.config()), tmp_path)
    assert second.ok and received(mail) == EXPECTED
    assert len(logged_keys(workbook)) == len(EXPECTED)
    assert LocalWorkbook(workbook.path).read(CHALLENGES).find("PAN-1")["Last reminder"] == "2026-12-29"

    third = run(workbook, partnership, sender(partnership, mail.config()), tmp_path)
    assert third.sent == [] and third.already_sent == len(EXPECTED) and received(mail) == []


def test_one_refused_address_is_retried_alone_next_run(workbook, partnership, mail, tmp_path):
    mail.handler.refuse_to = {"raiser2@school.example"}
    first = run(workbook, partnership, sender(partnership, mail.config()), tmp_path)
    assert [r.recipient for r, _ in first.failed] == ["raiser2@school.example"] * 2
    assert "550" in first.failed[0][1]
    assert received(mail) == [e for e in EXPECTED if e[0] != "raiser2@school.example"]
    mail.handler.refuse_to = set()
    second = run(workbook, partnership, sender(partnership, mail.config()), tmp_path)
    assert second.ok and received(mail) == [e for e in EXPECTED if e[0] == "raiser2@school.example"]
    assert len(logged_keys(workbook)) == len(EXPECTED)


class Crash(Exception):
    """The process dying mid-run (not an email failure)."""


def test_a_crash_half_way_through_sending_sends_nothing_twice(workbook, partnership, mail, tmp_path):
    real = sender(partnership, mail.config())
    count = 0

    def dies_after_two(email: Email) -> None:
        nonlocal count
        if count == 2:
            raise Crash("killed")
        real(email)
        count += 1

    with pytest.raises(Crash):
        run(workbook, partnership, dies_after_two, tmp_path)
    first = received(mail)
    assert len(first) == 2 and logged_keys(workbook) == []  # the crash came before the Reminders tab was written

    second = run(workbook, partnership, real, tmp_path)
    assert len(second.sent) == len(EXPECTED) - 2
    assert sorted(first + received(mail)) == EXPECTED
    assert len(logged_keys(workbook)) == len(set(logged_keys(workbook))) == len(EXPECTED)
    assert journal(tmp_path).sent_rows() == [] and journal(tmp_path).in_flight() == []


def test_a_crash_between_sending_and_noting_sends_that_one_email_again_and_no_other(
        workbook, partnership, mail, tmp_path):
    """The write-ahead journal: the interrupted email is in flight, so the next run sends it again
    (at most one email twice per crash); every email noted as sent is logged and not sent again."""
    real = sender(partnership, mail.config())
    count = 0

    def dies_after_sending_the_second(email: Email) -> None:
        nonlocal count
        real(email)
        count += 1
        if count == 2:
            raise Crash("killed after the relay took it, before the journal noted it")

    with pytest.raises(Crash):
        run(workbook, partnership, dies_after_sending_the_second, tmp_path)
    first = received(mail)
    assert len(first) == 2
    noted = journal(tmp_path)
    assert len(noted.sent_rows()) == 1 and len(noted.in_flight()) == 1

    second = run(workbook, partnership, real, tmp_path)
    assert second.resent == 1 and len(second.sent) == len(EXPECTED) - 1
    again = received(mail)
    assert sorted(set(first + again)) == EXPECTED
    assert len(first + again) == len(EXPECTED) + 1  # only the in-flight one arrived twice
    assert sorted(logged_keys(workbook)) == sorted(set(logged_keys(workbook)))
    assert len(logged_keys(workbook)) == len(EXPECTED)
    assert journal(tmp_path).sent_rows() == [] and journal(tmp_path).in_flight() == []


def test_a_crash_after_sending_but_before_the_columns_are_written_sends_nothing_twice(
        workbook, partnership, mail, tmp_path):
    class UpdateFails(LocalWorkbook):
        def update(self, changes):
            raise Crash("killed before the update")

    with pytest.raises(Crash):
        run(UpdateFails(workbook.path), partnership, sender(partnership, mail.config()), tmp_path)
    assert received(mail) == EXPECTED
    again = run(workbook, partnership, sender(partnership, mail.config()), tmp_path)
    assert again.sent == [] and received(mail) == []
    assert LocalWorkbook(workbook.path).read(CHALLENGES).find("PAN-1")["Status"] == "due soon"


def test_a_rearranged_sheet_with_a_bad_date_still_has_its_good_rows_processed(partnership, mail, tmp_path):
    path = tmp_path / "pan.xlsx"
    LocalWorkbook(path).init()
    book = openpyxl.load_workbook(path)
    ws = book[CHALLENGES]
    ws.delete_rows(1, ws.max_row)
    headers = ["Notes (business support)", "Step", "Raiser email", "Reference", "Line manager email",
               "Step started", "Raised on", "Status", "Step due by", "Last reminder", "Resolved on", "Withdrawn on"]
    ws.append(headers)
    ws.append(["chased by phone", "2", "raiser1@police.example", "PAN-1", "manager1@police.example",
               "17/12/2026", "2026-12-16", "", "", "", "", ""])
    ws.append(["typo", "1", "raiser9@school.example", "PAN-9", "", "", "32/12/2026", "", "", "", "", ""])
    ws.append([])  # a blank row people leave
    ws.append(["", "1", "raiser2@school.example", "PAN-2", "manager2@school.example", "",
               dt.datetime(2026, 12, 24), "", "", "", "", ""])  # a real date cell
    book.save(path)

    result = run(LocalWorkbook(path), partnership, sender(partnership, mail.config()), tmp_path)
    assert result.scanned == 3 and {(p.row, p.column) for p in result.problems} == {(3, "Raised on")}
    assert received(mail) == sorted([
        ("business.support@pan.example", "Pan Cheshire Test Partnership: rows to correct in the spreadsheet"),
        *(e for e in EXPECTED if not e[1].startswith("PAN-4")),
    ])
    ws = openpyxl.load_workbook(path)[CHALLENGES]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][:len(headers)] == headers
    assert rows[1][:4] == ["chased by phone", "2", "raiser1@police.example", "PAN-1"]
    assert rows[1][7:10] == ["due soon", "2026-12-30", "2026-12-29"]
    assert rows[2][6:10] == ["32/12/2026", None, None, None]  # the unreadable row is left exactly as it was
    assert rows[4][7:10] == ["overdue", "2026-12-24", "2026-12-29"]


def test_a_dry_run_sends_nothing_and_writes_nothing(workbook, partnership, mail, tmp_path):
    before = workbook.path.read_bytes()
    result = run(workbook, partnership, sender(partnership, mail.config()), tmp_path, dry_run=True)
    assert sorted((r.recipient, r.email.subject) for r in result.would_send) == EXPECTED
    assert received(mail) == [] and workbook.path.read_bytes() == before
    assert not (tmp_path / "jobs").exists()


def test_a_reminders_tab_that_lost_its_key_column_stops_the_run_before_any_email(partnership, mail, tmp_path):
    from sheets.base import SheetError

    path = tmp_path / "pan.xlsx"
    workbook = local_workbook(path, ROWS)
    run(workbook, partnership, sender(partnership, mail.config()), tmp_path)
    assert len(received(mail)) == len(EXPECTED)
    book = openpyxl.load_workbook(path)
    book[REMINDERS].delete_cols(7)  # someone deletes the Key column
    book.save(path)
    with pytest.raises(SheetError, match="no \"Key\" column"):
        run(LocalWorkbook(path), partnership, sender(partnership, mail.config()), tmp_path)
    assert received(mail) == []


def test_the_same_reference_on_both_tabs_is_two_challenges(tmp_path):
    from jobs.reminders import plan_reminders
    from tests.jobs.reminder_sheets import compliance, durham, tables

    p = durham(tmp_path)
    same = "DSCP-0001"
    plan = plan_reminders(p, tables(
        [challenge(same, "22/03/2027", "1", Raiser_email="raiser@health.example")],
        [compliance(same, "22/03/2027", "1", IRO_email="iro@durham.example")]), dt.date(2027, 3, 22))
    assert sorted(r.key for r in plan.reminders) == [
        "Compliance:DSCP-0001|1|due soon|iro@durham.example|2027-03-23",
        "Compliance:DSCP-0001|1|raised|iro@durham.example|2027-03-22",
        "Compliance:DSCP-0001||compliance copy|business.manager@durham.example|2027-03-22",
        "DSCP-0001|1|due soon|raiser@health.example|2027-03-23",
        "DSCP-0001|1|raised|raiser@health.example|2027-03-22",
    ]


def test_a_relay_failing_at_quit_after_accepting_counts_the_email_as_sent(workbook, partnership, mail, tmp_path):
    """Three runs against a relay that drops every QUIT deliver each email once, not three times."""
    mail.fail("QUIT", "reply", times=20)
    for _ in range(3):
        result = run(workbook, partnership, sender(partnership, mail.config()), tmp_path)
        assert result.ok
    assert received(mail) == EXPECTED
    assert len(logged_keys(workbook)) == len(EXPECTED)


def test_each_reminder_carries_the_message_id_of_its_key(workbook, partnership, mail, tmp_path):
    """Sent again (as after a crash before the journal), an email keeps its Message-ID."""
    first = run(workbook, partnership, sender(partnership, mail.config()), tmp_path, dry_run=True)
    for reminder in first.would_send:
        assert reminder.email.key == reminder.key
    send = sender(partnership, mail.config())
    for reminder in first.would_send:
        send(reminder.email)
        send(reminder.email)
    messages = mail.take()
    ids = {(m.message["Message-ID"].strip()) for m in messages}
    assert len(messages) == 2 * len(ids) == 2 * len(EXPECTED)


def test_the_job_holds_the_collector_off_while_it_plans_and_runs_it_while_each_email_is_sent(
        workbook, partnership, mail, tmp_path):
    """The job's read, plan and write hold no reference cycles, so Python's cyclic collector is held
    off for them (it would walk every object a big tab makes); sending an email does leave cycles, so
    it runs while each is sent and the garbage of thousands of emails never piles up."""
    import gc

    from jobs.run import read_remind_write

    deliver = sender(partnership, mail.config())
    seen: list[tuple[bool, int]] = []

    def send(email):
        seen.append((gc.isenabled(), len(gc.get_objects(generation=0))))
        deliver(email)

    assert gc.isenabled()
    result, _ = read_remind_write(partnership, workbook, tuesday_29_december_2026, send=send, base_url=URL,
                                  journal=journal(tmp_path))
    assert gc.isenabled()  # as it was before the run
    assert received(mail) == EXPECTED and len(result.sent) == len(EXPECTED)
    # Every email was sent with the collector running, and with what the run had made set aside
    # (the youngest generation holds only what the send itself has made so far).
    assert [enabled for enabled, _ in seen] == [True] * len(EXPECTED)
    assert max(young for _, young in seen) < 2_000


def test_what_the_job_leaves_alive_is_settled_in_the_oldest_generation(workbook, partnership, mail, tmp_path):
    """What the run made and is still alive (its result; a workbook's columns as read, kept for its
    next write) is put in the oldest generation, so no young collection walks it cell by cell."""
    import gc

    from jobs.run import read_remind_write

    send = sender(partnership, mail.config())
    read_remind_write(partnership, workbook, tuesday_29_december_2026, send=send, base_url=URL,
                      journal=journal(tmp_path))
    assert gc.isenabled() and received(mail) == EXPECTED
    # Again the same day: nothing to send, so the collector never ran during the run.
    result, _ = read_remind_write(partnership, workbook, tuesday_29_december_2026, send=send, base_url=URL,
                                  journal=journal(tmp_path))
    assert gc.isenabled() and result.sent == [] and result.already_sent >= len(EXPECTED)
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert id(result) in oldest and id(result.problems) in oldest
