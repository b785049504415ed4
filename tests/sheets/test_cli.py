"""`flask sheet init|check` and `flask demo init` on the demo partnership (a local workbook in tmp_path)."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from partnership import partnerships_of
from sheets.schema import CHALLENGES, COMPLIANCE, LISTS, STATUS, TABS


@pytest.fixture
def workbook_path(tmp_path):
    return tmp_path / "instance" / "demo.xlsx"


def test_sheet_init_then_check_passes(runner, workbook_path):
    result = runner.invoke(args=["sheet", "init", "--partnership", "demo"])
    assert result.exit_code == 0, result.output
    assert "Added the Challenges tab" in result.output
    assert openpyxl.load_workbook(workbook_path).sheetnames == list(TABS)
    again = runner.invoke(args=["sheet", "init", "--partnership", "demo"])
    assert "already had every tab" in again.output
    result = runner.invoke(args=["sheet", "check", "--partnership", "demo"])
    assert (result.exit_code, result.output.strip()) == (0, "No problems found.")


def test_sheet_check_exits_non_zero_listing_problems(runner, workbook_path):
    runner.invoke(args=["sheet", "init", "--partnership", "demo"])
    book = openpyxl.load_workbook(workbook_path)
    book[CHALLENGES]["A2"] = "DEMO-1"
    book[CHALLENGES]["B2"] = "not a date"
    book.save(workbook_path)
    result = runner.invoke(args=["sheet", "check", "--partnership", "demo"])
    assert result.exit_code == 1
    assert 'Challenges row 2, column "Raised on"' in result.output


def test_a_missing_workbook_is_a_message_not_a_traceback(runner):
    result = runner.invoke(args=["sheet", "check", "--partnership", "demo"])
    assert result.exit_code == 1 and "sheet init" in result.output
    assert "Traceback" not in result.output


def test_unknown_partnership_names_the_known_ones(runner):
    result = runner.invoke(args=["sheet", "check", "--partnership", "nowhere"])
    assert result.exit_code == 2 and "known: demo" in result.output


@pytest.mark.parametrize("command", [["sheet", "init"], ["sheet", "check"], ["demo", "init"]])
def test_every_command_has_help_with_an_example(runner, command):
    result = runner.invoke(args=[*command, "--help"])
    assert result.exit_code == 0 and "Example: " in result.output


def test_demo_init_creates_invented_challenges_once(runner, workbook_path):
    result = runner.invoke(args=["demo", "init", "--today", "2026-11-23"])
    assert result.exit_code == 0 and "Created" in result.output
    book = openpyxl.load_workbook(workbook_path)
    rows = list(book[CHALLENGES].iter_rows(values_only=True))
    header = rows[0]
    statuses = sorted(r[header.index(STATUS)] for r in rows[1:])
    assert statuses == ["on track", "on track", "overdue", "resolved"]
    assert all(str(r[header.index("Case reference")]).startswith("DEMO-CASE-") for r in rows[1:])
    assert all("example" in str(r[header.index("Raiser email")]) for r in rows[1:])
    assert len(list(book[COMPLIANCE].iter_rows())) == 2
    agencies = [r[0] for r in book[LISTS].iter_rows(min_row=2, values_only=True) if r[0]]
    assert "Children's social care" in agencies and "Police" in agencies
    assert any("business.support@demo-partnership.example" in r for r in book[LISTS].iter_rows(values_only=True))
    before = workbook_path.read_bytes()
    again = runner.invoke(args=["demo", "init"])
    assert "already there" in again.output and workbook_path.read_bytes() == before
    assert runner.invoke(args=["sheet", "check", "--partnership", "demo"]).exit_code == 0


def test_demo_dates_fall_on_working_days_before_today(app):
    from sheets.demo import demo_challenges
    partnership = partnerships_of(app)["demo"]
    rows = demo_challenges(partnership, dt.date(2026, 11, 23))
    assert all(dt.date.fromisoformat(r["Raised on"]) < dt.date(2026, 11, 23) for r in rows)
    assert all(partnership.calendar.is_working_day(dt.date.fromisoformat(r["Raised on"])) for r in rows)
