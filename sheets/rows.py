"""Turning rows people may have edited into what the procedure engine needs.

A row that cannot be read gives Problems naming tab, row and column; it is
never a crash and never silently dropped.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from procedures import ChallengeDates, Procedure
from procedures.values import parse_date
from sheets.base import Problem, Record, Table
from sheets.schema import (
    DATE_COLUMNS,
    RAISED_ON,
    REFERENCE,
    RESOLVED_ON,
    STEP,
    STEP_STARTED,
    WITHDRAWN_ON,
)


@dataclass(frozen=True)
class ReadRow:
    """A challenge row read successfully: the record and its engine input."""

    record: Record
    dates: ChallengeDates

    @property
    def reference(self) -> str:
        return self.record.reference


def read_dates(record: Record, procedure: Procedure) -> tuple[ChallengeDates | None, list[Problem]]:
    """A row's ChallengeDates, or the problems that stop it being read."""
    problems: list[Problem] = []

    def problem(column: str | None, message: str) -> None:
        problems.append(Problem(record.tab, record.row, column, message))

    parsed: dict[str, dt.date | None] = {}
    for column in DATE_COLUMNS.get(record.tab, ()):
        try:
            parsed[column] = parse_date(record[column])
        except ValueError as e:
            problem(column, str(e))
    if not record.reference:
        problem(REFERENCE, "the row has no Reference")
    if parsed.get(RAISED_ON) is None and not any(p.column == RAISED_ON for p in problems):
        problem(RAISED_ON, "is blank: type the date the challenge was raised, such as 21/11/2026")
    step_text = record[STEP].strip()
    step = procedure.parse_step(step_text) if step_text else 1
    if step is None:
        names = ", ".join(str(s.number) for s in procedure.steps)
        problem(STEP, f"{step_text!r} is not a {procedure.step_label.lower()} of this procedure ({names})")
    if problems:
        return None, problems
    raised_on = parsed[RAISED_ON]
    started = parsed.get(STEP_STARTED)
    if started and raised_on and started < raised_on:
        problem(STEP_STARTED, f"{started:%d/%m/%Y} is before the challenge was raised ({raised_on:%d/%m/%Y})")
        return None, problems
    return ChallengeDates(
        raised_on=raised_on,
        step=step,
        step_started=started,
        resolved_on=parsed.get(RESOLVED_ON),
        withdrawn_on=parsed.get(WITHDRAWN_ON),
    ), []


def read_challenges(table: Table, procedure: Procedure) -> tuple[list[ReadRow], list[Problem]]:
    """Every readable row of a challenge tab, and a Problem for each row that is not.

    Rows sharing a Reference are all left out: which one is right is for a person to say.
    """
    counts = Counter(r.reference for r in table.records if r.reference)
    rows: list[ReadRow] = []
    problems: list[Problem] = []
    for record in table.records:
        if record.reference and counts[record.reference] > 1:
            problems.append(Problem(table.tab, record.row, REFERENCE,
                                    f"{record.reference} is on {counts[record.reference]} rows; references must be unique"))
            continue
        dates, row_problems = read_dates(record, procedure)
        if dates is None:
            problems.extend(row_problems)
        else:
            rows.append(ReadRow(record, dates))
    return rows, problems
