"""Retention on a workbook of old, recent and open challenges, on the local .xlsx workbook and on
Google Sheets (gspread over the fake Sheets API): exactly the personal cells of challenges closed
before the cutoff are cleared, on every tab; the Summary's figures are the same; open and recent
challenges are untouched; a second run and a dry run change nothing."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from jobs import retention
from jobs.retention import ANONYMISED, RetentionNotSet, months_before, plan_retention, run_retention
from reports.summary import SUMMARY_READS, compute_summary, summary_sections
from partnership.config import RetentionConfig
from sheets.base import SheetError, Workbook
from sheets.local import LocalWorkbook
from sheets.schema import CHALLENGES, COMPLIANCE, HISTORY, LISTS, REMINDERS, TABS, personal_columns
from tests.fakesheets import FakeSheetsAPI, google_workbook
from tests.jobs import summary_dataset as data

TODAY = data.TODAY  # Friday 20 November 2026: with 3 months kept, the cutoff is 20 August 2026
MONTHS = 3
# Resolved or withdrawn before 20 August 2026.
OLD = {"DEMO-0001", "DEMO-0002", "DEMO-0003", "DEMO-0004", "DEMO-0005", "DEMO-0006", "DEMO-0007",
       "DEMO-C004", "DEMO-C005"}
# Closed since the cutoff, open (however old), or unreadable: never touched.
UNTOUCHED = {"DEMO-0008", "DEMO-0009", "DEMO-0010", "DEMO-0013", "DEMO-0016", "DEMO-0025", "DEMO-C001",
             "DEMO-C002", "DEMO-0090", "DEMO-0092"}


def _personal_values(tab: str, reference: str) -> dict[str, str]:
    """Something in every personal column, and in a column of business support's own."""
    values = {c: f"{c} of {reference}" for c in personal_columns(tab)}
    values["Raiser email"] = values.get("Raiser email") and f"raiser.{reference.lower()}@example.nhs.uk"
    return {k: v for k, v in values.items() if v} | {"Our notes": f"Called back about {reference}"}


def fill(book: Workbook) -> None:
    """The Summary dataset with every personal column filled, and History and Reminders rows."""
    book.init()
    book.append(CHALLENGES, [r | _personal_values(CHALLENGES, r["Reference"]) for r in data.challenge_records()])
    book.append(COMPLIANCE, [r | _personal_values(COMPLIANCE, r["Reference"]) for r in data.compliance_records()])
    book.append(LISTS, data.lists_records())
    references = [r["Reference"] for r in data.challenge_records() + data.compliance_records()]
    book.append(HISTORY, [{"When": "2026-06-01 09:00", "Reference": ref, "Tab": CHALLENGES, "Action": action,
                           "Step": "1", "By": f"someone@{ref.lower()}.example", "Details": f"Talked about {ref}"}
                          for ref in references for action in ("Raised", "Conversation")])
    book.append(REMINDERS, [{"Sent at": "2026-06-02 07:00:00", "Reference": ref, "Step": "1", "Kind": "overdue",
                             "Recipient": f"lead@{ref.lower()}.example", "Due date": "2026-06-01",
                             "Key": f"{ref}|1|overdue|lead@{ref.lower()}.example|2026-06-01"}
                            for ref in references])


@pytest.fixture
def partnership():
    return replace(data.sample_partnership(), retention=RetentionConfig(MONTHS))


@pytest.fixture(params=["local", "google"])
def books(request, tmp_path: Path, partnership):
    """``(workbook, another)``: the workbook retention writes with, and a second one that reads
    the same spreadsheet afresh (another process), filled with the dataset."""
    if request.param == "local":
        path = tmp_path / "book.xlsx"
        book, fresh = LocalWorkbook(path), lambda: LocalWorkbook(path)
    else:
        api = FakeSheetsAPI()
        book, fresh = google_workbook(api, partnership), lambda: google_workbook(api, partnership)
    fill(book)
    return book, fresh


def cells(book: Workbook) -> dict[str, list[tuple[int, dict[str, str]]]]:
    """Every tab's rows: (row number, every non-blank cell by header)."""
    return {tab: [(r.row, dict(r.values)) for r in table.records] for tab, table in book.read_all(TABS).items()
            if tab != "Summary"}


def figures(book: Workbook, partnership) -> list:
    return summary_sections(compute_summary(partnership, book.read_all(SUMMARY_READS), TODAY))


def anonymised(before: dict, references: set[str]) -> dict:
    """``before`` with the personal columns of ``references``' rows emptied, on every tab."""
    out = {}
    for tab, rows in before.items():
        personal = set(personal_columns(tab))
        out[tab] = [(row, {c: v for c, v in values.items()
                           if not (values.get("Reference") in references and c in personal)})
                    for row, values in rows]
    return out


def test_the_cutoff_is_whole_calendar_months_back():
    assert months_before(dt.date(2026, 11, 20), 3) == dt.date(2026, 8, 20)
    assert months_before(dt.date(2026, 5, 31), 3) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 1, 15), 24) == dt.date(2024, 1, 15)


def test_retention_clears_exactly_the_personal_cells_of_old_closed_challenges(books, partnership):
    book, fresh = books
    before, figures_before = cells(fresh()), figures(fresh(), partnership)

    result = run_retention(book, partnership, TODAY, now=dt.datetime(2026, 11, 20, 7, 0))

    assert {a.reference for a in result.plan.anonymise} == OLD
    after = cells(fresh())
    expected = anonymised(before, OLD)
    # History gained one row per challenge anonymised; every other cell is exactly as expected.
    added = after[HISTORY][len(expected[HISTORY]):]
    assert {**after, HISTORY: after[HISTORY][:len(expected[HISTORY])]} == expected
    assert sorted(values["Reference"] for _, values in added) == sorted(OLD)
    assert {values["Action"] for _, values in added} == {ANONYMISED}
    assert all("@" not in " ".join(values.values()) for _, values in added)
    # What stays: the kept columns of old rows, and everything of the others.
    old_row = dict(next(v for _, v in after[CHALLENGES] if v["Reference"] == "DEMO-0006"))
    assert old_row == {"Reference": "DEMO-0006", "Raised on": "06/07/2026", "Raiser agency": "Health",
                       "Other agency": data.CSC, "Child or adult": "Child", "Theme": "Roles and responsibilities",
                       "Step": "Step 4", "Resolved on": "03/08/2026", "Raiser satisfied": "No",
                       "Referred to partnership": "Yes", "Our notes": "Called back about DEMO-0006"}
    for tab in (CHALLENGES, COMPLIANCE, HISTORY, REMINDERS):
        for (_, was), (_, now) in zip(before[tab], after[tab]):
            if was.get("Reference") in UNTOUCHED:
                assert now == was
    assert figures(fresh(), partnership) == figures_before


def test_a_second_run_changes_nothing(books, partnership):
    book, fresh = books
    run_retention(book, partnership, TODAY)
    once = cells(fresh())
    again = run_retention(fresh(), partnership, TODAY)
    assert again.plan.anonymise == [] and again.plan.cells == []
    assert cells(fresh()) == once


def test_a_dry_run_lists_what_would_change_and_changes_nothing(books, partnership):
    book, fresh = books
    before = cells(fresh())
    lines: list[str] = []
    result = run_retention(book, partnership, TODAY, dry_run=True)
    retention.report(result, lambda line, err=False: lines.append(line))
    assert cells(fresh()) == before
    assert lines[0].startswith("testshire (dry run): 9 challenges closed before 20 August 2026 would be anonymised")
    detail = next(line for line in lines if "DEMO-0001 " in line)
    assert "Challenges: Raised by, Raiser role, Raiser email" in detail and "History: 2 rows (By, Details)" in detail
    assert "Reminders: 1 row (Recipient, Key)" in detail
    assert any("your own column on Challenges (Our notes)" in line for line in lines)
    # References and column names only: no value from a cell is printed.
    printed = "\n".join(lines)
    assert "@" not in printed and "Called back" not in printed and "of DEMO" not in printed


def test_retention_refuses_to_run_until_the_months_are_set(books, partnership):
    book, fresh = books
    before = cells(fresh())
    unset = replace(partnership, retention=RetentionConfig())
    with pytest.raises(RetentionNotSet, match=r"^testshire: retention is not set: add \[retention\] "
                                              r"anonymise_after_months = N to .*nothing was changed$"):
        run_retention(book, unset, TODAY)
    assert cells(fresh()) == before


def test_a_row_changed_since_it_was_read_stops_the_clear_before_anything_is_written(books, partnership):
    book, fresh = books
    plan = plan_retention(book.read_all(), partnership, TODAY)
    # After retention read the sheet, a person sorts it: row 2 now holds another challenge.
    fresh().update({CHALLENGES: {"DEMO-0001": {"Reference": "DEMO-0013-COPY"}}})
    before = cells(fresh())
    with pytest.raises(SheetError, match="row 2 no longer holds DEMO-0001"):
        book.clear(plan.cells)
    assert cells(fresh()) == before
