"""`check` lists what business support must correct, with where, and changes nothing."""
from __future__ import annotations

import datetime as dt

from sheets.check import check
from sheets.schema import CHALLENGES, COMPLIANCE, RAISED_ON, REFERENCE, REMINDERS, STEP


def where(problems):
    return {(p.tab, p.row, p.column) for p in problems}


def test_a_fresh_workbook_has_no_problems(sheet, partnership):
    assert check(sheet.workbook, partnership) == []


def test_every_kind_of_problem_is_found_with_its_place(sheet, partnership):
    sheet.set_rows(CHALLENGES, [
        [REFERENCE, RAISED_ON, STEP, "", "Mine", "Mine"],
        ["PC-1", "21/11/2026", "2"],
        ["PC-2", "31/02/2026", "2"],
        ["PC-3", "2026-11-21", "Step 9"],
        ["PC-1", dt.date(2026, 11, 20), "1"],
        ["PC-4", "yesterday", "1"],
    ])
    sheet.set_rows(REMINDERS, [["Sent at", REFERENCE, "Due date"], ["x", "PC-1", "soon"]])
    before = {tab: sheet.stored(tab) for tab in (CHALLENGES, REMINDERS)}
    if sheet.kind == "google":
        sheet.api.reset_counts()
    problems = check(sheet.new_workbook(), partnership)
    found = where(problems)
    assert (CHALLENGES, 1, "Raised by") in found                      # missing header
    assert (CHALLENGES, 1, "Mine") in found                           # duplicate header
    assert (CHALLENGES, 1, None) in found                             # blank header (column D)
    assert {(CHALLENGES, 2, REFERENCE), (CHALLENGES, 5, REFERENCE)} <= found  # duplicate reference
    assert (CHALLENGES, 3, RAISED_ON) in found                        # not a real date
    assert (CHALLENGES, 6, RAISED_ON) in found                        # not a date
    assert (CHALLENGES, 4, STEP) in found                             # unknown step
    assert (REMINDERS, 2, "Due date") in found
    assert (COMPLIANCE, 1, REFERENCE) not in found
    blank = next(p for p in problems if p.tab == CHALLENGES and p.row == 1 and p.column is None)
    assert "column D" in str(blank)
    assert str(next(p for p in problems if p.row == 4)).startswith('Challenges row 4, column "Step": ')
    assert {tab: sheet.stored(tab) for tab in (CHALLENGES, REMINDERS)} == before
    if sheet.kind == "google":
        assert set(sheet.api.calls) == {"get", "values.batchGet"}  # reads only
