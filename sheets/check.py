"""Checking a partnership's spreadsheet for what business support must correct; nothing is changed.

Reports missing, duplicate and blank headers, duplicate references, unreadable dates and
unknown steps, each with its tab, row and column.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter

from partnership.config import Partnership
from procedures.values import parse_date
from sheets.base import Problem, Table, Workbook
from sheets.rows import read_positions
from sheets.schema import CHALLENGES, COLUMNS, DATE_COLUMNS, REFERENCED_TABS, TABS
from sheets.tables import column_letter


def check(workbook: Workbook, partnership: Partnership, today: dt.date | None = None) -> list[Problem]:
    """Every problem in the workbook, tab by tab, in one read (a Raised on after ``today``, by
    default the real day, is one)."""
    today = today or dt.date.today()
    tables = workbook.read_all(TABS)
    problems: list[Problem] = workbook.setting_problems()
    for tab in TABS:
        table = tables[tab]
        problems += header_problems(table)
        if tab in REFERENCED_TABS:
            problems += challenge_problems(table, partnership, today)
        else:
            problems += date_problems(table)
    return problems


def header_problems(table: Table) -> list[Problem]:
    """Row 1: columns the app needs that are missing, names used twice, blank names between columns."""
    tab, headers = table.tab, table.headers
    expected = COLUMNS.get(tab, ())
    if expected and not headers:
        return [Problem(tab, None, None, "the tab is missing or has no header row: run `flask sheet init`")]
    problems = [Problem(tab, 1, name, "column is missing from row 1: run `flask sheet init` to add it")
                for name in expected if name not in headers]
    counts = Counter(h for h in headers if h)
    for name, count in counts.items():
        if count > 1:
            problems.append(Problem(tab, 1, name, f"is the header of {count} columns: the app reads only the "
                                                  f"first (column {column_letter(headers.index(name))}); "
                                                  "rename or remove the others"))
    for i, name in enumerate(headers):
        if not name:
            problems.append(Problem(tab, 1, None, f"column {column_letter(i)} has no header: "
                                                  "its cells are ignored until it has one"))
    return problems


def challenge_problems(table: Table, partnership: Partnership, today: dt.date) -> list[Problem]:
    """Duplicate references, unreadable dates, unknown steps and dates in the future on a challenge tab."""
    if not table.records:
        return []
    procedure = partnership.procedure if table.tab == CHALLENGES else partnership.compliance_procedure
    if procedure is None:
        return [Problem(table.tab, None, None, f"has {len(table.records)} rows but the partnership file sets no "
                                               "compliance_procedure")]
    standing = read_positions(table, procedure, partnership.calendar, today)
    return [*standing.problems, *standing.raised_by(today, today)[1]]


def date_problems(table: Table) -> list[Problem]:
    """Dates that cannot be read in the tab's date columns."""
    problems = []
    for record in table.records:
        for column in DATE_COLUMNS.get(table.tab, ()):
            try:
                parse_date(record[column])
            except ValueError as e:
                problems.append(Problem(table.tab, record.row, column, str(e)))
    return problems

