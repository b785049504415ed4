"""The job run day by day with --today, across Christmas 2026 (Pan Cheshire) and Easter 2027 (Durham).

Every email arrives at a real SMTP server (aiosmtpd on 127.0.0.1). The expected emails are
written out by hand for every day; a day not listed must send nothing. After each day a second
run must send nothing. Bank holidays (England): 25 December 2026, 28 December 2026
(Boxing Day substitute), 1 January 2027, Good 26 March 2027, Easter 29 March 2027.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

import pytest

from state import open_store
from sheets.tables import column_letter

from jobs.run import run_partnerships
from sheets.base import Workbook
from sheets.google import GoogleWorkbook
from sheets.local import LocalWorkbook
from sheets.schema import CHALLENGES, COLUMNS, COMPLIANCE, REMINDERS
from tests.fakesheets import FakeSheetsAPI
from tests.jobs.reminder_sheets import app, challenge, compliance, mail, write_partnerships  # noqa: F401 (fixtures)
from tests.notify.mailserver import MailServer

Edit = Callable[[Workbook], None]
BS_PAN, PM_PAN = "business.support@pan.example", "partnership.manager@pan.example"
BS_DURHAM, BM_DURHAM = "business.support@durham.example", "business.manager@durham.example"


def days(first: str, last: str) -> list[dt.date]:
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [start + dt.timedelta(n) for n in range((end - start).days + 1)]


# --- Pan Cheshire across Christmas 2026 ------------------------------------------------------

PAN_EDITS: dict[str, Edit] = {
    # PAN-1 raised on Wednesday 16 December: step 1 concludes that day.
    "2026-12-16": lambda wb: wb.append(CHALLENGES, [challenge(
        "PAN-1", "16/12/2026", "1", Raiser_email="raiser1@police.example", Line_manager_email="manager1@police.example")]),
    # Moved to step 2 the next day: step 2 concludes on day 9, Wednesday 30 December.
    "2026-12-17": lambda wb: wb.update({CHALLENGES: {"PAN-1": {"Step": "2", "Step started": "17/12/2026"}}}),
    # PAN-4 typed into the sheet with a year that is not a year.
    "2026-12-21": lambda wb: wb.append(CHALLENGES, [challenge("PAN-4", "21/12/20026", "1",
                                                              Raiser_email="raiser4@school.example")]),
    # PAN-2 raised on Christmas Eve (a working day here): step 1 concludes that day.
    "2026-12-24": lambda wb: wb.append(CHALLENGES, [challenge(
        "PAN-2", "24/12/2026", "1", Raiser_email="raiser2@school.example", Line_manager_email="manager2@school.example")]),
    # Business support correct PAN-4: it was resolved on Tuesday 22 December.
    "2026-12-29": lambda wb: wb.update({CHALLENGES: {"PAN-4": {"Raised on": "21/12/2026", "Resolved on": "22/12/2026"}}}),
    # PAN-1 escalated to step 3 (concludes day 14, Thursday 7 January); PAN-2 withdrawn.
    "2027-01-06": lambda wb: wb.update({CHALLENGES: {
        "PAN-1": {"Step": "3", "Step started": "06/01/2027", "Escalated to email": "rep@police.example"},
        "PAN-2": {"Withdrawn on": "06/01/2027"}}}),
    # PAN-1 at step 4 (the reporting threshold; concludes day 21, Monday 18 January).
    "2027-01-13": lambda wb: wb.update({CHALLENGES: {"PAN-1": {"Step": "4", "Step started": "13/01/2027"}}}),
    "2027-01-18": lambda wb: wb.update({CHALLENGES: {"PAN-1": {"Resolved on": "18/01/2027"}}}),
}

PROBLEMS_PAN = (BS_PAN, "Pan Cheshire Test Partnership: rows to correct in the spreadsheet")

PAN_EXPECTED: dict[str, list[tuple[str, str]]] = {
    # Rows typed into the sheet by hand: the job sends the notices a page would have sent at once.
    "2026-12-16": [("raiser1@police.example", "PAN-1: Step 1 is due by 16 December 2026"),
                   ("raiser1@police.example", "PAN-1: your professional challenge is recorded")],
    # Step 2 names both line managers (acts) and the raiser (told); the row gives the raiser's manager.
    "2026-12-17": [("manager1@police.example", "PAN-1: now at Step 2"),
                   ("raiser1@police.example", "PAN-1: now at Step 2")],
    "2026-12-21": [PROBLEMS_PAN],
    "2026-12-22": [PROBLEMS_PAN],
    "2026-12-23": [PROBLEMS_PAN],
    "2026-12-24": [PROBLEMS_PAN,
                   ("raiser2@school.example", "PAN-2: Step 1 is due by 24 December 2026"),
                   ("raiser2@school.example", "PAN-2: your professional challenge is recorded")],
    # Friday 25 to Monday 28 December: no working day, no email. PAN-4 was resolved before the
    # job could read it: the raiser hears of the resolution, not of a challenge already closed.
    "2026-12-29": [("manager1@police.example", "PAN-1: Step 2 is due by 30 December 2026"),
                   ("manager2@school.example", "PAN-2: escalate to Step 2"),
                   ("raiser2@school.example", "PAN-2: escalate to Step 2"),
                   ("raiser4@school.example", "PAN-4: resolved")],
    # Reminders are numbered by what the Reminders tab shows was sent to that person.
    "2026-12-31": [("manager1@police.example", "PAN-1: escalate to Step 3"),
                   ("raiser1@police.example", "PAN-1: escalate to Step 3"),
                   ("raiser2@school.example", "PAN-2: Step 1 is overdue")],
    # Friday 1 January: bank holiday. Monday 4 January: second working day overdue, nothing new.
    "2027-01-05": [("manager1@police.example", "PAN-1: Step 2 is overdue"),
                   ("raiser2@school.example", "PAN-2: Step 1 is overdue (reminder 2)")],
    "2027-01-06": [("manager1@police.example", "PAN-1: now at Step 3"),
                   ("raiser1@police.example", "PAN-1: now at Step 3"),
                   ("rep@police.example", "PAN-1: Step 3 is due by 7 January 2027"),
                   ("rep@police.example", "PAN-1: now at Step 3")],
    # Those step 3 names and those who act at step 4 are prompted to escalate.
    "2027-01-08": [("manager1@police.example", "PAN-1: escalate to Step 4"),
                   ("partnership.manager@pan.example", "PAN-1: escalate to Step 4"),
                   ("raiser1@police.example", "PAN-1: escalate to Step 4"),
                   ("rep@police.example", "PAN-1: escalate to Step 4")],
    "2027-01-12": [("rep@police.example", "PAN-1: Step 3 is overdue")],
    "2027-01-13": [(BS_PAN, "PAN-1: reporting threshold reached (Step 4)"),
                   ("manager1@police.example", "PAN-1: now at Step 4"),
                   (PM_PAN, "PAN-1: now at Step 4"),
                   ("raiser1@police.example", "PAN-1: now at Step 4"),
                   ("rep@police.example", "PAN-1: now at Step 4")],
    "2027-01-15": [(PM_PAN, "PAN-1: Step 4 is due by 18 January 2027"),
                   ("rep@police.example", "PAN-1: Step 4 is due by 18 January 2027")],
    "2027-01-18": [("raiser1@police.example", "PAN-1: resolved")],
}


def test_pan_cheshire_across_christmas_2026_sends_exactly_the_expected_emails(app, mail, tmp_path):
    workbook = LocalWorkbook(tmp_path / "pan.xlsx")
    workbook.init()
    runner = app.test_cli_runner()
    got: dict[str, list[tuple[str, str]]] = {}
    for day in days("2026-12-14", "2027-01-19"):
        if day.isoformat() in PAN_EDITS:
            PAN_EDITS[day.isoformat()](workbook)
        for attempt in ("first run", "second run"):
            result = runner.invoke(args=["jobs", "run", "--partnership", "pan", "--today", day.isoformat()])
            assert result.exit_code == 0, (day, result.output)
            received = sorted((m.to, m.subject) for m in mail.take())
            if attempt == "second run":
                assert received == [], f"the second run on {day} sent {received}"
            elif received:
                got[day.isoformat()] = received
    assert got == PAN_EXPECTED
    log = workbook.read(REMINDERS).records
    assert len(log) == sum(len(v) for v in PAN_EXPECTED.values())
    pan_1 = workbook.read(CHALLENGES).find("PAN-1")
    assert (pan_1["Status"], pan_1["Last reminder"]) == ("resolved", "2027-01-18")


# --- Durham across Easter 2027 ----------------------------------------------------------------

IRO, LM, SL = "iro@durham.example", "manager@academy.example", "lead@academy.example"
DURHAM_EDITS: dict[str, Edit] = {
    # Already on the sheet: a compliance challenge to the academy in February, resolved.
    "2027-03-14": lambda wb: wb.append(COMPLIANCE, [compliance(
        "DSCP-C-2", "23/02/2027", "2", Step_started="23/02/2027", Resolved_on="25/02/2027", IRO_email=IRO,
        Professional_agency="Northfield Academy")]),
    # A stage 1 informal discussion, sent Monday 15 March (concludes Tuesday 16 March), resolved the next day.
    "2027-03-15": lambda wb: wb.append(COMPLIANCE, [compliance(
        "DSCP-C-3", "15/03/2027", "1", IRO_email=IRO, Professional_agency="Northfield Academy")]),
    "2027-03-16": lambda wb: wb.update({COMPLIANCE: {"DSCP-C-3": {"Resolved on": "16/03/2027"}}}),
    # The third to the same agency in 90 days: the form sent at stage 2 (3 working days: Thursday 25 March).
    "2027-03-22": lambda wb: wb.append(COMPLIANCE, [compliance(
        "DSCP-C-1", "22/03/2027", "2", Step_started="22/03/2027", IRO_email=IRO, Line_manager_email=LM,
        Safeguarding_lead_email=SL, Professional_agency="Northfield Academy")]),
    # A professional challenge on the Challenges tab: stage 1 is 1 working day, over Easter to Tuesday 30 March.
    "2027-03-25": lambda wb: wb.append(CHALLENGES, [challenge(
        "DSCP-1", "25/03/2027", "1", Raiser_email="raiser@health.example", Line_manager_email="manager@health.example")]),
    # DSCP-C-1 reaches stage 3 (the reporting threshold; 5 working days: Friday 9 April).
    "2027-04-02": lambda wb: wb.update({COMPLIANCE: {"DSCP-C-1": {"Step": "3", "Step started": "02/04/2027"}}}),
    "2027-04-05": lambda wb: wb.update({CHALLENGES: {"DSCP-1": {"Resolved on": "05/04/2027"}}}),
}

DURHAM_EXPECTED: dict[str, list[tuple[str, str]]] = {
    "2027-03-15": [(BM_DURHAM, "DSCP-C-3: compliance challenge sent (copy for the business manager)"),
                   (IRO, "DSCP-C-3: Stage 1 is due by 16 March 2027"),
                   (IRO, "DSCP-C-3: your compliance challenge is recorded")],
    "2027-03-16": [(IRO, "DSCP-C-3: resolved")],
    "2027-03-22": [(BM_DURHAM, "DSCP-C-1: compliance challenge sent (copy for the business manager)"),
                   (BM_DURHAM, "Repeated compliance challenges to Northfield Academy"),
                   (IRO, "DSCP-C-1: your compliance challenge is recorded")],
    "2027-03-24": [(LM, "DSCP-C-1: Stage 2 is due by 25 March 2027")],
    "2027-03-25": [("raiser@health.example", "DSCP-1: Stage 1 is due by 30 March 2027"),
                   ("raiser@health.example", "DSCP-1: your professional challenge is recorded")],
    # Good Friday 26 March, the weekend and Easter Monday 29 March: nothing. Stage 2 names the line
    # manager (acts) and the IRO (told); stage 3's Business Manager and Safeguarding Lead act next.
    "2027-03-30": [(BM_DURHAM, "DSCP-C-1: escalate to Stage 3"),
                   (IRO, "DSCP-C-1: escalate to Stage 3"),
                   (SL, "DSCP-C-1: escalate to Stage 3"),
                   (LM, "DSCP-C-1: escalate to Stage 3")],
    "2027-03-31": [("raiser@health.example", "DSCP-1: escalate to Stage 2")],
    "2027-04-01": [(LM, "DSCP-C-1: Stage 2 is overdue")],
    "2027-04-02": [(BM_DURHAM, "DSCP-C-1: now at Stage 3"),
                   (BS_DURHAM, "DSCP-C-1: reporting threshold reached (Stage 3)"),
                   (IRO, "DSCP-C-1: now at Stage 3"),
                   (SL, "DSCP-C-1: now at Stage 3"),
                   ("raiser@health.example", "DSCP-1: Stage 1 is overdue")],
    "2027-04-05": [("raiser@health.example", "DSCP-1: resolved")],
    "2027-04-08": [(BM_DURHAM, "DSCP-C-1: Stage 3 is due by 9 April 2027"),
                   (SL, "DSCP-C-1: Stage 3 is due by 9 April 2027")],
}


def _run_durham(run_day: Callable[[dt.date], None], workbook: Workbook, mail: MailServer) -> dict[str, list]:
    got: dict[str, list[tuple[str, str]]] = {}
    for day in days("2027-03-14", "2027-04-09"):
        if day.isoformat() in DURHAM_EDITS:
            DURHAM_EDITS[day.isoformat()](workbook)
        run_day(day)
        received = sorted((m.to, m.subject) for m in mail.take())
        if received:
            got[day.isoformat()] = received
        run_day(day)
        assert mail.take() == [], f"the second run on {day} sent something"
    return got


def test_durham_across_easter_2027_sends_exactly_the_expected_emails(app, mail, tmp_path):
    workbook = LocalWorkbook(tmp_path / "durham.xlsx")
    workbook.init()
    runner = app.test_cli_runner()

    def run_day(day: dt.date) -> None:
        result = runner.invoke(args=["jobs", "run", "--partnership", "durham", "--today", day.isoformat()])
        assert result.exit_code == 0, (day, result.output)

    assert _run_durham(run_day, workbook, mail) == DURHAM_EXPECTED
    c1 = workbook.read(COMPLIANCE).find("DSCP-C-1")
    assert (c1["Status"], c1["Step due by"], c1["Last reminder"]) == ("due soon", "2027-04-09", "2027-04-08")


def test_durham_through_google_sheets_costs_the_same_few_calls_every_day(tmp_path, mail):
    from partnership.config import load_partnership

    folder = write_partnerships(tmp_path / "partnerships", tmp_path, google_durham=True)
    partnership = load_partnership(folder / "durham.toml")
    api = FakeSheetsAPI()
    api.add_spreadsheet("durham-sheet")
    config = {"BASE_URL": "https://challenges.example.org", "STATE_URL": f"sqlite:///{tmp_path}/state.sqlite3", **mail.config()}
    store = open_store(config["STATE_URL"])  # where the sheet's layout is kept between runs
    workbook = GoogleWorkbook.for_session(partnership, api.session(), store=store)
    workbook.init()
    calls_per_run: list[dict[str, int]] = []

    def run_day(day: dt.date) -> None:
        api.reset_counts()
        fresh = GoogleWorkbook.for_session(partnership, api.session(), store=store)  # as cron: a new process each day
        assert run_partnerships([partnership], day, config=config, open_workbook=lambda p: fresh,
                                echo=lambda *a, **k: None)
        calls_per_run.append(dict(api.calls))

    assert _run_durham(run_day, workbook, mail) == DURHAM_EXPECTED
    # Whatever the day: one read (the columns the job uses) and one write (Reminders rows, job
    # columns and the Summary tab in one spreadsheet batchUpdate), and nothing else.
    assert all(c == {"values.batchGet": 1, "batchUpdate": 1} for c in calls_per_run), calls_per_run
    read = next(params for endpoint, _, params, _ in reversed(api.log) if endpoint == "values.batchGet")
    # Only the columns it uses: the Reminders tab's Key column, no free text.
    key_column = column_letter(COLUMNS[REMINDERS].index("Key"))
    assert f"'Reminders'!{key_column}:{key_column}" in read["ranges"] and "'Reminders'" not in read["ranges"]
    assert not any(r.startswith("'History'") for r in read["ranges"])
    assert api.values("durham-sheet", REMINDERS)[0][:7] == ["Sent at", "Reference", "Step", "Kind", "Recipient",
                                                            "Due date", "Key"]
