"""`flask --app app jobs run`: a line per partnership, exit codes, --dry-run and --today."""
from __future__ import annotations

import pytest

from sheets.local import LocalWorkbook
from sheets.schema import CHALLENGES, REMINDERS, SUMMARY
from tests.jobs.reminder_sheets import app, challenge, local_workbook, mail  # noqa: F401 (fixtures)

# On Tuesday 29 December PAN-1 owes its step 2 line manager a due-soon reminder, and (typed into
# the sheet by hand, within the last 14 days) the notices a page would have sent: raised, now at step 2.
PAN_1 = challenge("PAN-1", "16/12/2026", "2", Step_started="17/12/2026", Raiser_email="raiser1@police.example",
                  Line_manager_email="manager1@police.example")
BAD = challenge("PAN-9", "32/12/2026", "1", Raiser_email="raiser9@school.example")


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def pan_book(tmp_path):
    return local_workbook(tmp_path / "pan.xlsx", [PAN_1, BAD])


@pytest.fixture
def durham_book(tmp_path):
    return local_workbook(tmp_path / "durham.xlsx")


def test_help_explains_the_command_with_an_example(runner):
    result = runner.invoke(args=["jobs", "run", "--help"])
    assert result.exit_code == 0
    for text in ("--partnership SLUG", "--today YYYY-MM-DD", "--dry-run", "Example",
                 "flask --app app jobs run --partnership demo --today 2026-12-29 --dry-run"):
        assert text in result.output


@pytest.mark.parametrize("value", ["2026-13-01", "29/12/2026", "tomorrow"])
def test_a_bad_today_is_a_clear_usage_error(runner, value):
    result = runner.invoke(args=["jobs", "run", "--today", value])
    assert result.exit_code == 2
    assert f"Invalid value for '--today': '{value}' is not a date: type it as YYYY-MM-DD" in result.output


def test_an_unknown_partnership_is_a_usage_error_naming_the_configured_ones(runner):
    result = runner.invoke(args=["jobs", "run", "--partnership", "nowhere"])
    assert result.exit_code == 2
    assert "no partnership called 'nowhere' (configured: durham, pan)" in result.output


def test_every_partnership_gets_a_line_and_the_summary_tab_is_written(runner, mail, pan_book, durham_book):
    result = runner.invoke(args=["jobs", "run", "--today", "2026-12-29"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "durham: 0 challenges scanned, 0 reminders sent, 0 problems found" in lines
    assert "pan: 2 challenges scanned, 5 reminders sent, 1 problem found" in lines
    assert "  problem: Challenges row 3, column \"Raised on\": '32/12/2026' is not a real date" in lines
    assert sorted((m.to, m.subject) for m in mail.take()) == [
        ("business.support@pan.example", "Pan Cheshire Test Partnership: rows to correct in the spreadsheet"),
        ("manager1@police.example", "PAN-1: Step 2 is due by 30 December 2026"),
        ("manager1@police.example", "PAN-1: now at Step 2"),
        ("raiser1@police.example", "PAN-1: now at Step 2"),
        ("raiser1@police.example", "PAN-1: your professional challenge is recorded"),
    ]
    assert LocalWorkbook(pan_book.path).read(SUMMARY).headers  # the Summary tab follows the reminders


def test_one_partnership_failing_still_runs_the_others_and_exits_1(runner, mail, pan_book, tmp_path):
    # durham.xlsx was never created
    result = runner.invoke(args=["jobs", "run", "--today", "2026-12-29"])
    assert result.exit_code == 1
    assert "durham: failed:" in result.output and "does not exist" in result.output
    assert "pan: 2 challenges scanned, 5 reminders sent, 1 problem found" in result.output
    assert len(mail.take()) == 5


def test_an_email_that_cannot_be_sent_makes_the_run_exit_1(app, mail, pan_book, durham_book):
    mail.handler.refuse_to = {"manager1@police.example"}
    result = app.test_cli_runner().invoke(args=["jobs", "run", "--partnership", "pan", "--today", "2026-12-29"])
    assert result.exit_code == 1
    assert "pan: 2 challenges scanned, 3 reminders sent, 1 problem found; 2 emails NOT sent, " \
           "to be retried on the next run" in result.output
    assert sorted(m.to for m in mail.take()) == ["business.support@pan.example", "raiser1@police.example",
                                                 "raiser1@police.example"]
    mail.handler.refuse_to = set()
    again = app.test_cli_runner().invoke(args=["jobs", "run", "--partnership", "pan", "--today", "2026-12-29"])
    assert again.exit_code == 0 and "2 reminders sent" in again.output
    assert [m.to for m in mail.take()] == ["manager1@police.example", "manager1@police.example"]


def test_dry_run_prints_every_email_and_writes_nothing(runner, mail, pan_book, durham_book, tmp_path):
    before = pan_book.path.read_bytes()
    result = runner.invoke(args=["jobs", "run", "--partnership", "pan", "--today", "2026-12-29", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "pan (dry run): 2 challenges scanned, 5 reminders would be sent, 1 problem found" in result.output
    assert "  would email manager1@police.example: PAN-1: Step 2 is due by 30 December 2026" in result.output
    assert "    Open it: https://challenges.example.org/pan/challenges/PAN-1" in result.output
    assert "  would email business.support@pan.example: Pan Cheshire Test Partnership: rows to correct" \
           in result.output
    assert mail.take() == []
    assert pan_book.path.read_bytes() == before
    assert LocalWorkbook(pan_book.path).read(REMINDERS).records == ()
    assert LocalWorkbook(pan_book.path).read(CHALLENGES).find("PAN-1")["Status"] == ""


def test_a_run_already_going_for_a_partnership_is_not_doubled(runner, app, mail, pan_book, durham_book):
    from state import store_for

    with store_for(app.config).lock("job:pan", expire_seconds=60):
        result = runner.invoke(args=["jobs", "run", "--today", "2026-12-29"])
    assert result.exit_code == 75  # not a failure: another node is doing it (docs/deployment.md)
    assert "pan: not run: another run for pan holds the lock (on this or another machine); nothing was done" \
        in result.output
    assert "durham: 0 challenges scanned" in result.output
    assert mail.take() == []


def test_form_answers_kept_on_disk_are_written_before_the_run(runner, app, pan_book, durham_book):
    from sheets import pending

    kept_row = {"Reference": "PAN-KEPT", "Raised on": "2026-12-28", "Step": "1", "Submission ID": "kept-1",
                "Raiser email": "raiser.kept@police.example"}
    pending.save(app.config, "pan", "kept-1", "PAN-KEPT", [
        {"op": "append", "tab": CHALLENGES, "rows": [kept_row], "key": "kept-1"},
        {"op": "append", "tab": "History", "rows": [{"Reference": "PAN-KEPT", "Action": "Raised"}], "key": None}])
    result = runner.invoke(args=["jobs", "run", "--partnership", "pan", "--today", "2026-12-29"])
    assert "pan: 1 kept form submission written to the sheet" in result.output
    assert pending.waiting(app.config, "pan") == []
    assert [r.reference for r in pan_book.read(CHALLENGES).records][-1] == "PAN-KEPT"
    assert "pan: 3 challenges scanned" in result.output  # the kept one is in today's run
