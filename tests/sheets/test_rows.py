"""Rows people typed: read when they can be, one clear Problem each when they cannot."""
import datetime as dt
import random
from collections import Counter

import pytest

from partnership.config import load_library_procedure
from sheets.base import Record, Table
from sheets.rows import read_challenges, read_dates
from sheets.schema import CHALLENGE_COLUMNS, CHALLENGES, COMPLIANCE, COMPLIANCE_COLUMNS

pan_cheshire = load_library_procedure("pan-cheshire")


def table(*rows: dict) -> Table:
    headers = ("Reference", "Raised on", "Step", "Step started", "Resolved on", "Withdrawn on")
    return Table("Challenges", headers, tuple(Record("Challenges", i + 2, row) for i, row in enumerate(rows)))


def problems_of(*rows: dict) -> list[str]:
    return [str(p) for p in read_challenges(table(*rows), pan_cheshire)[1]]


def test_dates_in_every_accepted_form_are_read():
    rows, problems = read_challenges(table(
        {"Reference": "A", "Raised on": "21/11/2026", "Step": "Step 2", "Step started": "2026-11-24"},
        {"Reference": "B", "Raised on": "2026-11-21 00:00:00", "Step": "3"},
        {"Reference": "C", "Raised on": "21 November 2026"},
    ), pan_cheshire)
    assert problems == []
    assert [(r.reference, r.dates.raised_on, r.dates.step) for r in rows] == [
        ("A", dt.date(2026, 11, 21), 2), ("B", dt.date(2026, 11, 21), 3), ("C", dt.date(2026, 11, 21), 1)]
    assert rows[0].dates.step_started == dt.date(2026, 11, 24)


def test_an_unreadable_raised_on_gives_one_problem_not_two():
    assert problems_of({"Reference": "A", "Raised on": "next Tuesday"}) == [
        "Challenges row 2, column \"Raised on\": 'next Tuesday' is not a date (type it as 21/11/2026)"]


def test_a_blank_raised_on_says_what_to_type():
    assert problems_of({"Reference": "A", "Raised on": " "}) == [
        "Challenges row 2, column \"Raised on\": is blank: type the date the challenge was raised, such as 21/11/2026"]


def test_an_impossible_date_and_an_unknown_step():
    assert problems_of({"Reference": "A", "Raised on": "31/02/2026", "Step": "Step 7"}) == [
        "Challenges row 2, column \"Raised on\": '31/02/2026' is not a real date",
        "Challenges row 2, column \"Step\": 'Step 7' is not a step of this procedure (1, 2, 3, 4)",
    ]


def test_duplicate_references_leave_both_rows_out_and_the_rest_in():
    rows, problems = read_challenges(table(
        {"Reference": "A", "Raised on": "21/11/2026"},
        {"Reference": "B", "Raised on": "21/11/2026"},
        {"Reference": "A", "Raised on": "22/11/2026"},
    ), pan_cheshire)
    assert [r.reference for r in rows] == ["B"]
    assert [p.row for p in problems] == [2, 4]
    assert all("A is on 2 rows" in p.message for p in problems)


def test_a_step_started_before_the_challenge_was_raised():
    assert problems_of({"Reference": "A", "Raised on": "21/11/2026", "Step": "2", "Step started": "20/11/2026"}) == [
        "Challenges row 2, column \"Step started\": 20/11/2026 is before the challenge was raised (21/11/2026)"]


def test_a_row_without_a_reference():
    assert problems_of({"Raised on": "21/11/2026"}) == ["Challenges row 2, column \"Reference\": the row has no Reference"]


def test_a_stage_counted_from_its_own_start_needs_the_date_it_started():
    durham = load_library_procedure("durham-iro")
    rows = table({"Reference": "A", "Raised on": "23/11/2026", "Step": "Stage 3"},
                 {"Reference": "B", "Raised on": "23/11/2026", "Step": "Stage 3", "Step started": "25/11/2026"})
    read, problems = read_challenges(rows, durham)
    assert [r.reference for r in read] == ["B"]
    assert [str(p) for p in problems] == [
        "Challenges row 2, column \"Step started\": is blank: type the date stage 3 started, such as 21/11/2026"]
    # Pan Cheshire counts every step from day 1 of the challenge: no start date is needed.
    assert problems_of({"Reference": "A", "Raised on": "23/11/2026", "Step": "3"}) == []


def test_a_mistyped_date_outside_the_steps_leaves_that_row_out_and_says_where():
    """The dates a challenge's place is worked out from are read once per combination typed; the
    tab's other date columns (when the concern arose; Durham's stage dates) must still be dates."""
    rows = [{"Reference": f"A{i}", "Raised on": "21/11/2026", "Concern arose on": "20/11/2026"} for i in range(5)]
    rows[3]["Concern arose on"] = "last week"
    read, problems = read_challenges(table(*rows), pan_cheshire)
    assert [r.reference for r in read] == ["A0", "A1", "A2", "A4"]
    assert [str(p) for p in problems] == [
        "Challenges row 5, column \"Concern arose on\": 'last week' is not a date (type it as 21/11/2026)"]
    durham = load_library_procedure("durham-iro")
    compliance = Table("Compliance", ("Reference", "Raised on", "Step", "Step started", "Stage 3 meeting on"), (
        Record("Compliance", 2, {"Reference": "C1", "Raised on": "21/11/2026", "Step": "3", "Step started": "23/11/2026",
                                 "Stage 3 meeting on": "soon"}),
        Record("Compliance", 3, {"Reference": "C2", "Raised on": "21/11/2026", "Step": "3", "Step started": "23/11/2026",
                                 "Stage 3 meeting on": "24/11/2026"})))
    read, problems = read_challenges(compliance, durham)
    assert [r.reference for r in read] == ["C2"]
    assert [(p.row, p.column) for p in problems] == [(2, "Stage 3 meeting on")]


@pytest.mark.parametrize("seed", range(6))
def test_reading_a_tab_column_by_column_is_reading_it_row_by_row(seed):
    """``read_challenges`` (each distinct combination of texts read once, columns blank on every row
    left out) gives the rows, dates and problems reading each row on its own gives."""
    rng = random.Random(seed)
    procedure = load_library_procedure("durham-iro" if seed % 2 else "pan-cheshire")
    tab = COMPLIANCE if seed % 2 else CHALLENGES
    days = ["01/12/2026", "2026-12-01", " 02/12/2026 ", "03/12/26", "31/02/2026", "soon", "", "  "]
    blank_column = rng.choice(["Withdrawn on", "Resolved on", "Step started", None])
    records = []
    for i in range(300):
        values = {"Reference": rng.choice([f"R{i}", f"R{i}", f"R{i}", f"R{i % 7}", ""]),
                  "Raised on": rng.choice(days[:5] + [""]),
                  "Step": rng.choice(["1", "2", " 3", "Step 4", "", "9", "stage 2"]),
                  "Concern arose on": rng.choice(days)}
        for column in ("Step started", "Resolved on", "Withdrawn on"):
            if column != blank_column and rng.random() < 0.4:
                values[column] = rng.choice(days)
        records.append(Record(tab, i + 2, {k: v for k, v in values.items() if v}))
    table = Table(tab, tuple(CHALLENGE_COLUMNS if tab == CHALLENGES else COMPLIANCE_COLUMNS), tuple(records))
    rows, problems = read_challenges(table, procedure)
    references = Counter(r.reference for r in records)
    expected_rows, expected_problems = [], []
    for record in records:
        dates, found = read_dates(record, procedure)
        if record.reference and references[record.reference] > 1:
            continue
        if dates is None:
            expected_problems.extend(found)
        else:
            expected_rows.append((record.row, dates))
    assert [(r.record.row, r.dates) for r in rows] == expected_rows
    assert expected_rows and {p for p in problems if "unique" not in p.message} == set(expected_problems)
