"""Turning rows people may have edited into what the procedure engine needs.

A row that cannot be read gives Problems naming tab, row and column; it is
never a crash and never silently dropped.
"""
from __future__ import annotations

import datetime as dt
import re
import weakref
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import compress, count, repeat
from operator import getitem, is_not, itemgetter
from typing import Iterable, Mapping, Sequence

from procedures import Calendar, ChallengeDates, Position, Positions, Procedure
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


class TableRow:
    """A readable row of a table as the job plans it: its dates, and its record made only if asked
    for (``Standing.row``); in every other way a ReadRow."""

    __slots__ = ("table", "index", "dates")

    def __init__(self, table: Table, index: int, dates: ChallengeDates):
        self.table, self.index, self.dates = table, index, dates

    @property
    def record(self) -> Record:
        return self.table.record_at(self.index)

    @property
    def reference(self) -> str:
        return self.table.column(REFERENCE)[self.index].strip()


class _Reader:
    """Reads the rows of one tab for one procedure, remembering how each step text reads."""

    def __init__(self, procedure: Procedure):
        self.procedure = procedure
        self.steps: dict[str, int | None] = {"": 1}
        self.days: dict[str, dt.date | ValueError] = {}  # each date text as read (a sheet types a few hundred)

    def step(self, text: str) -> int | None:
        if text not in self.steps:
            self.steps[text] = self.procedure.parse_step(text)
        return self.steps[text]

    def day(self, text: str) -> dt.date | None | ValueError:
        """A date cell's text as a date (None when blank), or why it is not one."""
        day = self.days.get(text)
        if day is None:
            try:
                day = parse_date(text)
            except ValueError as e:
                day = e
            self.days[text] = day
        return day

    def read(self, tab: str, values: Mapping[str, str]) -> tuple[ChallengeDates | None, list[_Issue],
                                                                     list[_Issue]]:
        """What a row's dates and step cells read as: its ChallengeDates, else what stops it being
        read, as (column, message) pairs: those of its dates, and the others (a blank Reference,
        which is the row's own, is said between them)."""
        typed: list[_Issue] = []
        parsed: dict[str, dt.date | None] = {}
        for column in DATE_COLUMNS.get(tab, ()):
            text = values.get(column)
            if not text:
                continue
            day = self.day(text)
            if isinstance(day, ValueError):
                typed.append((column, str(day)))
            else:
                parsed[column] = day
        issues: list[_Issue] = []
        if parsed.get(RAISED_ON) is None and not any(column == RAISED_ON for column, _ in typed):
            issues.append((RAISED_ON, "is blank: type the date the challenge was raised, such as 21/11/2026"))
        step_text = values.get(STEP, "").strip()
        step = self.step(step_text)
        if step is None:
            names = ", ".join(str(s.number) for s in self.procedure.steps)
            issues.append((STEP, f"{step_text!r} is not a {self.procedure.step_label.lower()} of this procedure "
                                 f"({names})"))
        if step is not None and step > 1 and not values.get(STEP_STARTED, "").strip():
            timescale = self.procedure.step(step).conclude_by
            if timescale is not None and timescale.counted_from == "step":
                # Its deadline counts from the day it started: without that date there is none.
                issues.append((STEP_STARTED, f"is blank: type the date {self.procedure.step_label.lower()} {step} "
                                             "started, such as 21/11/2026"))
        if typed or issues:
            return None, typed, issues
        raised_on = parsed[RAISED_ON]
        started = parsed.get(STEP_STARTED)
        if started and started < raised_on:
            return None, [], [(STEP_STARTED, f"{started:%d/%m/%Y} is before the challenge was raised "
                                             f"({raised_on:%d/%m/%Y})")]
        return ChallengeDates(
            raised_on=raised_on,
            step=step,
            step_started=started,
            resolved_on=parsed.get(RESOLVED_ON),
            withdrawn_on=parsed.get(WITHDRAWN_ON),
        ), [], []


    def read_distinct(self, tab: str, names: Sequence[str], keys: Iterable[tuple[str, ...]],
                      ) -> dict[tuple[str, ...], ChallengeDates | None]:
        """What each of ``keys`` (the texts of ``names``: ``RAISED_ON``, ``STEP`` and any other
        ``_PLACING`` columns, those not named being blank) reads as, as ``read`` gives it (None: it
        cannot be read).

        Quick for the usual key, whose dates are dates and whose step has its start date if it needs
        one: each distinct text is read once, and its ChallengeDates made without the frozen
        dataclass's checked sets. Any other key is read by ``read``, which says what is wrong.
        """
        where = {name: i for i, name in enumerate(names)}
        raised_at, step_at = where[RAISED_ON], where[STEP]
        optional = [where.get(c) for c in (STEP_STARTED, RESOLVED_ON, WITHDRAWN_ON)]
        keys = list(keys)
        texts = set()
        for i in (raised_at, *(i for i in optional if i is not None)):
            texts.update(map(itemgetter(i), keys))
        day = {text: self.day(text) if text else None for text in texts}
        step_of = {text: self.step(text.strip()) for text in set(map(itemgetter(step_at), keys))}
        started_at, resolved_at, withdrawn_at = optional
        date, new, put = dt.date, object.__new__, object.__setattr__
        read: dict[tuple[str, ...], ChallengeDates | None] = {}
        for key in keys:
            raised_on, step = day[key[raised_at]], step_of[key[step_at]]
            started = None if started_at is None else day[key[started_at]]
            resolved = None if resolved_at is None else day[key[resolved_at]]
            withdrawn = None if withdrawn_at is None else day[key[withdrawn_at]]
            if (type(raised_on) is date and step is not None
                    and (started is None and step == 1 or type(started) is date and started >= raised_on)
                    and (resolved is None or type(resolved) is date)
                    and (withdrawn is None or type(withdrawn) is date)):
                made = new(ChallengeDates)
                put(made, "__dict__", {"raised_on": raised_on, "step": step, "step_started": started,
                                       "resolved_on": resolved, "withdrawn_on": withdrawn, "earlier_starts": {}})
                read[key] = made
            else:
                read[key] = self.read(tab, dict(zip(names, key)))[0]
        return read


_Issue = tuple[str, str]  # (column, message)
# The date columns a ChallengeDates is made of.
_PLACING = frozenset((RAISED_ON, STEP_STARTED, RESOLVED_ON, WITHDRAWN_ON))


def _row_problems(record: Record, read: tuple[ChallengeDates | None, list[_Issue], list[_Issue]]) -> list[Problem]:
    """The problems that stop ``record`` being read: its dates', a blank Reference, then the rest."""
    _, typed, issues = read
    problems = [Problem(record.tab, record.row, column, message) for column, message in typed]
    if not record.reference:
        problems.append(Problem(record.tab, record.row, REFERENCE, "the row has no Reference"))
        if not typed and not issues:
            return problems  # a row with no Reference is not read further
    problems.extend(Problem(record.tab, record.row, column, message) for column, message in issues)
    return problems


def read_dates(record: Record, procedure: Procedure) -> tuple[ChallengeDates | None, list[Problem]]:
    """A row's ChallengeDates, or the problems that stop it being read."""
    read = _Reader(procedure).read(record.tab, record.values)
    problems = _row_problems(record, read)
    return (None, problems) if problems else (read[0], [])


@dataclass(frozen=True)
class Standing:
    """A challenge tab's readable rows, its unreadable ones, and where each row stands on a day
    (``where(dates)``, each distinct set of dates worked out once).

    Kept column-wise, for 100,000-row tabs: ``kept`` are the readable rows' places in the table
    (``table.record_at``) and ``dates`` what each of them reads as, in the same order; rows typed
    with the same dates and step share one ChallengeDates object, and ``distinct`` holds each of
    those objects once. ``placed()`` is where each of them stands. ``rows`` makes them ReadRows.
    """

    table: Table
    kept: Sequence[int]
    dates: Sequence[ChallengeDates]
    distinct: Sequence[ChallengeDates]
    problems: tuple[Problem, ...]
    where: Positions
    # Positions worked out, by id of a ChallengeDates in ``distinct`` (which keeps each id in use);
    # shared by every Standing made from the same read, so the reminders and the Summary place each once.
    _placed: dict[int, Position] = field(default_factory=dict, compare=False, repr=False)
    # What else is worked out once for these rows and shared the same way (``ids``).
    _memo: dict[str, list[int]] = field(default_factory=dict, compare=False, repr=False)

    def placed(self) -> dict[int, Position]:
        """Where each of ``distinct`` stands on the day, by ``id`` of the ChallengeDates."""
        made, where = self._placed, self.where
        for d in self.distinct:
            if id(d) not in made:
                made[id(d)] = where(d)
        return made

    def ids(self) -> list[int]:
        """``id`` of each row's ChallengeDates, in the order of ``kept``: the key of ``placed()``."""
        ids = self._memo.get("ids")
        if ids is None:
            ids = self._memo["ids"] = list(map(id, self.dates))
        return ids

    @cached_property
    def rows(self) -> tuple[ReadRow, ...]:
        return tuple(_read_rows(self.table, self.kept, self.dates))

    def row(self, j: int) -> TableRow:
        """The ``j``-th readable row."""
        return TableRow(self.table, self.kept[j], self.dates[j])

    def column(self, name: str) -> Sequence[str]:
        """Column ``name`` of the readable rows, in the order of ``kept``."""
        cells = self.table.column(name)
        if len(self.kept) == len(cells):
            return cells  # every row readable: ``kept`` is all of them, in order
        return [cells[i] for i in self.kept]

    def raised_by(self, today: dt.date, real_today: dt.date) -> tuple["Standing", list[Problem]]:
        """The rows raised on or before ``today``; later ones are left alone (a run for an earlier
        day, catching up, never acts on them), and one raised after ``real_today`` is a date typed
        wrong: a Problem."""
        if max((d.raised_on for d in self.distinct), default=today) <= today:
            return self, []  # the usual sheet: nothing raised after today
        kept: list[int] = []
        dates: list[ChallengeDates] = []
        problems: list[Problem] = []
        for i, d in zip(self.kept, self.dates):
            if d.raised_on <= today:
                kept.append(i)
                dates.append(d)
            elif d.raised_on > real_today:
                record = self.table.record_at(i)
                problems.append(Problem(record.tab, record.row, RAISED_ON,
                                        f"{d.raised_on:%d/%m/%Y} is in the future: type the date the challenge "
                                        "was raised"))
        return (replace(self, kept=kept, dates=dates, distinct=_distinct(dates), _placed=self._placed, _memo={}),
                problems)


def _distinct(dates: Sequence[ChallengeDates]) -> list[ChallengeDates]:
    """Each ChallengeDates object in ``dates`` once."""
    return list({id(d): d for d in dates}.values())


def _read_table(table: Table, procedure: Procedure) -> tuple[Sequence[int], Sequence[ChallengeDates],
                                                             Sequence[ChallengeDates], list[Problem]]:
    """Which rows of a challenge tab can be read, what each reads as (and each distinct set of dates
    once), and the problems of the others.

    Column by column: the cells that say where a challenge stands are read once for each distinct
    combination typed (a sheet of 100,000 rows holds a few thousand), and rows are looked at one by
    one only when some cannot be read. Rows sharing a Reference are all left out: which one is
    right is for a person to say.
    """
    tab = table.tab
    references = list(map(str.strip, table.column(REFERENCE)))
    distinct = set(references)
    unique = len(distinct) == len(references) and "" not in distinct  # the usual sheet
    counts = Counter() if unique else Counter(references)
    repeated = {reference for reference, n in counts.items() if n > 1 and reference}
    # The cells a ChallengeDates is made of, read once for each distinct combination; the tab's other
    # date columns (when the concern arose, Durham's stage dates) only have to be dates: each
    # distinct text is tried once.
    dated = DATE_COLUMNS.get(tab, ())
    names = (*(c for c in dated if c in _PLACING), STEP)
    # Each row's combination as numbers, not texts: for each column, the first row with the same text
    # (texts are hashed once each, and the numbers compare without looking at the texts again). A
    # column blank on every row (most sheets' Withdrawn on) is left out: blank is what it says.
    names = tuple(name for name in names if name in (RAISED_ON, STEP) or any(table.column(name)))
    columns = [table.column(name) for name in names]
    keys = list(zip(*(map({}.setdefault, cells, count()) for cells in columns)))
    combinations = list(dict.fromkeys(keys))
    reader = _Reader(procedure)
    texts = [tuple(map(getitem, columns, key)) for key in combinations]
    read = reader.read_distinct(tab, names, texts)
    dates = list(map(dict(zip(combinations, map(read.__getitem__, texts))).__getitem__, keys))
    mistyped: set[int] = set()
    for column in (c for c in dated if c not in _PLACING):
        cells = table.column(column)
        wrong = {text for text in set(cells) if text and isinstance(reader.day(text), ValueError)}
        if wrong:
            mistyped.update(compress(count(), map(wrong.__contains__, cells)))
    if unique and not mistyped and all(map(is_not, read.values(), repeat(None))):
        return range(len(keys)), dates, list(read.values()), []  # the usual sheet: every row read
    kept: list[int] = []
    read_dates_: list[ChallengeDates] = []
    problems: list[Problem] = []
    for i, (reference, d) in enumerate(zip(references, dates)):
        if repeated and reference in repeated:
            record = table.record_at(i)
            problems.append(Problem(tab, record.row, REFERENCE,
                                    f"{reference} is on {counts[reference]} rows; references must be unique"))
        elif d is None or not reference or i in mistyped:
            record = table.record_at(i)
            problems.extend(_row_problems(record, reader.read(tab, record.values)))
        else:
            kept.append(i)
            read_dates_.append(d)
    return kept, read_dates_, _distinct(read_dates_), problems


def read_challenges(table: Table, procedure: Procedure) -> tuple[list[ReadRow], list[Problem]]:
    """Every readable row of a challenge tab, and a Problem for each row that is not.

    Rows sharing a Reference are all left out: which one is right is for a person to say.
    """
    with collector_paused():
        kept, dates, _, problems = _read_table(table, procedure)
    return _read_rows(table, kept, dates), problems


def _read_rows(table: Table, kept: Sequence[int], dates: Sequence[ChallengeDates]) -> list[ReadRow]:
    record_at, new, put = table.record_at, object.__new__, object.__setattr__
    rows = []
    with collector_paused():
        for i, d in zip(kept, dates):
            row = new(ReadRow)  # ReadRow(record, dates), without the frozen dataclass's checked sets
            put(row, "__dict__", {"record": record_at(i), "dates": d})
            rows.append(row)
    return rows


# The last few tables asked about, newest first, with what was worked out from each (kept without
# the table itself, which only the weak reference holds). The list is replaced, never changed in
# place, so a reader in another thread (or a table freed mid-read) never sees it half made; at
# worst an entry is missed and worked out again.
_standing: list[tuple[weakref.ref, tuple, tuple]] = []
_STANDING_KEPT = 4


def read_positions(table: Table, procedure: Procedure, calendar: Calendar, today: dt.date, *,
                   due_soon_days: int = 1) -> Standing:
    """The table's rows read (as ``read_challenges``), and where they stand on ``today``.

    The daily job's reminders and its Summary tab work from the same tables read once: the
    second to ask about a table gets what the first worked out, kept while the table is alive
    (for the last few tables asked about).
    """
    global _standing
    key = (procedure, calendar, today, due_soon_days)
    for ref, known, worked_out in _standing:
        if ref() is table and known[0] is procedure and known[1] is calendar and known[2:] == key[2:]:
            return Standing(table, *worked_out)
    with collector_paused():
        kept, dates, distinct, problems = _read_table(table, procedure)
    worked_out = (kept, dates, distinct, tuple(problems),
                  Positions(procedure, calendar, today, due_soon_days=due_soon_days), {}, {})
    _standing = [(weakref.ref(table, _forget), key, worked_out), *_standing][:_STANDING_KEPT]
    return Standing(table, *worked_out)


def _forget(ref: weakref.ref) -> None:
    """A table was freed: what was worked out from it goes too."""
    global _standing
    if _standing:  # (None while the interpreter shuts down)
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
