"""Turning rows people may have edited into what the procedure engine needs.

A row that cannot be read gives Problems naming tab, row and column; it is
never a crash and never silently dropped.
"""
from __future__ import annotations

import datetime as dt
import re
import weakref
from collections import Counter
from dataclasses import dataclass
from operator import attrgetter
from typing import Mapping

from procedures import Calendar, ChallengeDates, Positions, Procedure
from procedures.values import parse_date
from sheets.base import Problem, Record, Table
from sheets.schema import (
    DATE_COLUMNS,
    PERSON_COLUMNS,
    RAISED_ON,
    REFERENCE,
    RESOLVED_ON,
    STEP,
    STEP_STARTED,
    WITHDRAWN_ON,
)
from sheets.tables import collector_paused


@dataclass(frozen=True)
class ReadRow:
    """A challenge row read successfully: the record and its engine input."""

    record: Record
    dates: ChallengeDates

    @property
    def reference(self) -> str:
        return self.record.reference


class _Reader:
    """Reads the rows of one tab for one procedure, remembering how each step text reads."""

    def __init__(self, procedure: Procedure):
        self.procedure = procedure
        self.steps: dict[str, int | None] = {"": 1}
        # Rows typed with the same dates and step read the same: a sheet of 100,000 rows holds
        # a few thousand such combinations.
        self.dates: dict[tuple, ChallengeDates] = {}

    def step(self, text: str) -> int | None:
        if text not in self.steps:
            self.steps[text] = self.procedure.parse_step(text)
        return self.steps[text]

    def read(self, record: Record) -> tuple[ChallengeDates | None, list[Problem]]:
        values = record.values
        key = (record.tab, *(values.get(c) for c in DATE_COLUMNS.get(record.tab, ())), values.get(STEP))
        known = self.dates.get(key)
        if known is not None and record.reference:
            return known, []
        dates, problems = self._read(record)
        if dates is not None:
            self.dates[key] = dates
        return dates, problems

    def _read(self, record: Record) -> tuple[ChallengeDates | None, list[Problem]]:
        values = record.values
        problems: list[Problem] = []
        parsed: dict[str, dt.date | None] = {}
        for column in DATE_COLUMNS.get(record.tab, ()):
            text = values.get(column)
            if not text:
                continue
            try:
                parsed[column] = parse_date(text)
            except ValueError as e:
                problems.append(Problem(record.tab, record.row, column, str(e)))
        if not record.reference:
            problems.append(Problem(record.tab, record.row, REFERENCE, "the row has no Reference"))
        if parsed.get(RAISED_ON) is None and not any(p.column == RAISED_ON for p in problems):
            problems.append(Problem(record.tab, record.row, RAISED_ON,
                                    "is blank: type the date the challenge was raised, such as 21/11/2026"))
        step_text = values.get(STEP, "").strip()
        step = self.step(step_text)
        if step is None:
            names = ", ".join(str(s.number) for s in self.procedure.steps)
            problems.append(Problem(record.tab, record.row, STEP, f"{step_text!r} is not a "
                                    f"{self.procedure.step_label.lower()} of this procedure ({names})"))
        if step is not None and step > 1 and not values.get(STEP_STARTED, "").strip():
            timescale = self.procedure.step(step).conclude_by
            if timescale is not None and timescale.counted_from == "step":
                # Its deadline counts from the day it started: without that date there is none.
                problems.append(Problem(record.tab, record.row, STEP_STARTED, f"is blank: type the date "
                                        f"{self.procedure.step_label.lower()} {step} started, such as 21/11/2026"))
        if problems:
            return None, problems
        raised_on = parsed[RAISED_ON]
        started = parsed.get(STEP_STARTED)
        if started and started < raised_on:
            return None, [Problem(record.tab, record.row, STEP_STARTED,
                                  f"{started:%d/%m/%Y} is before the challenge was raised ({raised_on:%d/%m/%Y})")]
        return ChallengeDates(
            raised_on=raised_on,
            step=step,
            step_started=started,
            resolved_on=parsed.get(RESOLVED_ON),
            withdrawn_on=parsed.get(WITHDRAWN_ON),
        ), []


def read_dates(record: Record, procedure: Procedure) -> tuple[ChallengeDates | None, list[Problem]]:
    """A row's ChallengeDates, or the problems that stop it being read."""
    return _Reader(procedure).read(record)


def read_challenges(table: Table, procedure: Procedure) -> tuple[list[ReadRow], list[Problem]]:
    """Every readable row of a challenge tab, and a Problem for each row that is not.

    Rows sharing a Reference are all left out: which one is right is for a person to say.
    """
    records = table.records
    references = [r.values.get(REFERENCE, "").strip() for r in records]  # each Record.reference
    counts = Counter(references)
    repeated = {reference for reference, n in counts.items() if n > 1 and reference}
    reader = _Reader(procedure)
    # Rows typed with the same dates and step share one ChallengeDates: found by those cells' text.
    names = (*DATE_COLUMNS.get(table.tab, ()), STEP)
    seen: dict[tuple, ChallengeDates] = {}
    rows: list[ReadRow] = []
    problems: list[Problem] = []
    add = rows.append
    new, put = object.__new__, object.__setattr__
    with collector_paused():
        for record, reference in zip(records, references):
            if repeated and reference in repeated:
                problems.append(Problem(table.tab, record.row, REFERENCE,
                                        f"{reference} is on {counts[reference]} rows; references must be unique"))
                continue
            key = tuple(map(record.values.get, names))
            dates = seen.get(key) if reference and record.tab == table.tab else None
            if dates is None:
                dates, row_problems = reader.read(record)
                if dates is None:
                    problems.extend(row_problems)
                    continue
                if reference and record.tab == table.tab:
                    seen[key] = dates
            row = new(ReadRow)  # ReadRow(record, dates), without the frozen dataclass's checked sets
            put(row, "__dict__", {"record": record, "dates": dates})
            add(row)
    return rows, problems


@dataclass(frozen=True)
class Standing:
    """A challenge tab's readable rows, its unreadable ones, and where each row stands on a day
    (``where(row.dates)``, each distinct set of dates worked out once)."""

    rows: tuple[ReadRow, ...]
    problems: tuple[Problem, ...]
    where: Positions


# The last few tables asked about, newest first. The list is replaced, never changed in place,
# so a reader in another thread (or a table freed mid-read) never sees it half made; at worst an
# entry is missed and worked out again.
_standing: list[tuple[weakref.ref, tuple, Standing]] = []
_STANDING_KEPT = 4


def read_positions(table: Table, procedure: Procedure, calendar: Calendar, today: dt.date, *,
                   due_soon_days: int = 1) -> Standing:
    """``read_challenges`` of the table, and where its rows stand on ``today``.

    The daily job's reminders and its Summary tab work from the same tables read once: the
    second to ask about a table gets what the first worked out, kept while the table is alive
    (for the last few tables asked about).
    """
    global _standing
    key = (procedure, calendar, today, due_soon_days)
    for ref, known, standing in _standing:
        if ref() is table and known[0] is procedure and known[1] is calendar and known[2:] == key[2:]:
            return standing
    rows, problems = read_challenges(table, procedure)
    standing = Standing(tuple(rows), tuple(problems),
                        Positions(procedure, calendar, today, due_soon_days=due_soon_days))
    _standing = [(weakref.ref(table, _forget), key, standing), *_standing][:_STANDING_KEPT]
    return standing


def _forget(ref: weakref.ref) -> None:
    """A table was freed: what was worked out from it goes too."""
    global _standing
    _standing = [entry for entry in _standing if entry[0] is not ref]


EMAIL_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class People:
    """A challenge's people by ``procedures.model.PEOPLE`` name, and addresses that could not be used."""

    addresses: Mapping[str, tuple[str, ...]]
    mistyped: tuple[Problem, ...] = ()


def people_on(record: Record, *, business_support: str, partnership_manager: str) -> People:
    """Who a row names, from its email columns (``PERSON_COLUMNS``) and the partnership's own addresses.

    A value that is not an email address is reported as a Problem and not used.
    """
    found: dict[str, tuple[str, ...]] = {"business_support": (business_support,),
                                         "partnership_manager": (partnership_manager,)}
    mistyped: list[Problem] = []
    for person, column in PERSON_COLUMNS.get(record.tab, {}).items():
        value = record.values.get(column, "").strip()
        if not value:
            continue
        if EMAIL_ADDRESS.match(value):
            found[person] = (value,)
        else:
            mistyped.append(Problem(record.tab, record.row, column,
                                    f"{value!r} is not an email address, so nobody was emailed there"))
    return People(found, tuple(dict.fromkeys(mistyped)))


_DATES, _RAISED_ON = attrgetter("dates"), attrgetter("raised_on")


def raised_by(rows: list[ReadRow], today: dt.date, real_today: dt.date) -> tuple[list[ReadRow], list[Problem]]:
    """The rows raised on or before ``today``; later ones are left alone (a run for an earlier
    day, catching up, never acts on them), and one raised after ``real_today`` is a date typed
    wrong: a Problem."""
    if not rows or max(map(_RAISED_ON, map(_DATES, rows))) <= today:
        return list(rows), []  # the usual sheet: nothing raised after today
    kept: list[ReadRow] = []
    problems: list[Problem] = []
    for row in rows:
        raised_on = row.dates.raised_on
        if raised_on <= today:
            kept.append(row)
        elif raised_on > real_today:
            problems.append(Problem(row.record.tab, row.record.row, RAISED_ON,
                                    f"{raised_on:%d/%m/%Y} is in the future: type the date the challenge "
                                    "was raised"))
    return kept, problems
