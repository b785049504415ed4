"""Where a challenge stands today, recomputed from its recorded dates every time."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal, Mapping

from procedures.calendar import Calendar
from procedures.model import Procedure, Step, Timescale

Status = Literal["on track", "due soon", "overdue", "resolved", "withdrawn"]
STATUSES: tuple[str, ...] = ("on track", "due soon", "overdue", "resolved", "withdrawn")
OPEN_STATUSES: tuple[str, ...] = ("on track", "due soon", "overdue")


@dataclass(frozen=True)
class ChallengeDates:
    """What the record says happened: the only input to the engine besides ``today``."""

    raised_on: dt.date
    step: int = 1
    step_started: dt.date | None = None
    resolved_on: dt.date | None = None
    withdrawn_on: dt.date | None = None
    earlier_starts: Mapping[int, dt.date] = field(default_factory=dict)


@dataclass(frozen=True)
class StepDates:
    """One step on a challenge's timeline."""

    step: Step
    started: dt.date | None
    start_by: dt.date | None
    conclude_by: dt.date | None
    concluded: dt.date | None
    # "before": a step the procedure places before its records start (Durham's stage 1, held
    # before the form is sent); "not needed": after the step a challenge was resolved or withdrawn at.
    state: Literal["before", "done", "current", "to come", "not needed"]

    @property
    def late(self) -> bool:
        """Concluded (or, for the current step, still open) after its conclude-by date."""
        return bool(self.conclude_by and self.concluded and self.concluded > self.conclude_by)


@dataclass(frozen=True)
class Position:
    procedure: Procedure
    day1: dt.date
    step: Step
    next_step: Step | None
    start_by: dt.date | None
    conclude_by: dt.date | None
    status: Status
    working_days_elapsed: int
    timeline: tuple[StepDates, ...]
    overall_due: dt.date | None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def day_number(self) -> int:
        """Day 1 is the day the challenge started."""
        return self.working_days_elapsed + 1

    @property
    def resolved_in_time(self) -> bool | None:
        """For a resolved challenge, whether it was resolved by its step's conclude-by date."""
        if self.status != "resolved":
            return None
        current = self.timeline[self.step.number - 1]
        return current.conclude_by is None or not current.late


def day_one(calendar: Calendar, raised_on: dt.date) -> dt.date:
    """Day 1: the day the challenge was raised, or the next working day."""
    return calendar.next_working_day(raised_on)


def due_date(calendar: Calendar, timescale: Timescale, day1: dt.date, step_start: dt.date | None) -> dt.date | None:
    """The date a timescale falls on, or None when it counts from a step start not yet known."""
    if timescale.counted_from == "challenge":
        if timescale.unit == "calendar":
            return day1 + dt.timedelta(days=timescale.days - 1)
        return calendar.add_working_days(day1, max(timescale.days - 1, 0))
    if step_start is None:
        return None
    return calendar.add_days(step_start, timescale.days, timescale.unit)


def position(
    procedure: Procedure,
    calendar: Calendar,
    dates: ChallengeDates,
    today: dt.date,
    *,
    due_soon_days: int = 1,
) -> Position:
    """Work out a challenge's current step, its deadlines and its status on ``today``."""
    return _placed(procedure, calendar, _timeline(procedure, calendar, dates), dates, today, due_soon_days)


@dataclass(frozen=True)
class _Timeline:
    """A challenge's steps and deadlines, from its raised date, current step and step starts and
    whether it has ended (not when): the part of a Position that many challenges share."""

    day1: dt.date
    current: Step
    steps: tuple[StepDates, ...]  # the current step's ``concluded`` left blank: it is the day it ended
    overall_due: dt.date | None
    next_step: Step | None = None


def _timeline_key(dates: ChallengeDates) -> tuple:
    return (dates.raised_on, dates.step, dates.step_started, bool(dates.resolved_on or dates.withdrawn_on),
            tuple(sorted(dates.earlier_starts.items())) if dates.earlier_starts else ())


def _timeline(procedure: Procedure, calendar: Calendar, dates: ChallengeDates) -> _Timeline:
    current = procedure.step(dates.step)
    day1 = day_one(calendar, dates.raised_on)
    first = min(procedure.starts_at, current.number)
    starts = dict(dates.earlier_starts)
    starts[first] = starts.get(first, day1) if dates.step != first else (dates.step_started or day1)
    if dates.step != first:
        starts[dates.step] = dates.step_started or starts.get(dates.step)
    ended = bool(dates.resolved_on or dates.withdrawn_on)

    timeline: list[StepDates] = []
    previous_conclude: dt.date | None = None
    for step in procedure.steps:
        if step.number < first:
            timeline.append(_step_dates(step, None, None, None, None, "before"))
            continue
        state = "done" if step.number < current.number else "current" if step.number == current.number \
            else "not needed" if ended else "to come"
        if state == "not needed":
            timeline.append(_step_dates(step, None, None, None, None, state))
            continue
        started = starts.get(step.number) if state != "to come" else None
        # A step not started yet is projected to start when the one before it is due to conclude.
        base = started or (previous_conclude if state == "to come" else None)
        if step.start_by is not None:
            start_by = due_date(calendar, step.start_by, day1, previous_conclude)
        else:
            start_by = day1 if step.number == first else previous_conclude
        conclude_by = due_date(calendar, step.conclude_by, day1, base) if step.conclude_by else None
        concluded = _first_start_after(starts, step.number, current.number) if state == "done" else None
        timeline.append(_step_dates(step, started, start_by, conclude_by, concluded, state))
        previous_conclude = conclude_by
    overall_due = due_date(calendar, procedure.total, day1, day1) if procedure.total else None
    return _Timeline(day1, current, tuple(timeline), overall_due, procedure.next_step(current.number))


def _placed(procedure: Procedure, calendar: Calendar, timeline: _Timeline, dates: ChallengeDates, today: dt.date,
            due_soon_days: int) -> Position:
    """The Position of a challenge with these dates, on ``today``, from its timeline."""
    current, steps = timeline.current, timeline.steps
    here_at = current.number - 1
    ended = dates.resolved_on or dates.withdrawn_on
    if ended:  # the current step concluded the day the challenge ended
        was = steps[here_at]
        steps = (*steps[:here_at], _step_dates(was.step, was.started, was.start_by, was.conclude_by, ended, was.state),
                 *steps[here_at + 1:])
    here = steps[here_at]
    end = ended or today
    elapsed = max(calendar.working_days_between(timeline.day1, end), 0)
    # Position(...) without the frozen dataclass's ten checked attribute sets: the same object in
    # every way, made quicker (a 100,000-row tab places thousands).
    made = _new(Position)
    _put(made, "__dict__", {
        "procedure": procedure,
        "day1": timeline.day1,
        "step": current,
        "next_step": timeline.next_step,
        "start_by": here.start_by,
        "conclude_by": here.conclude_by,
        "status": ("resolved" if dates.resolved_on else "withdrawn") if ended else
                  _status(calendar, dates, here.conclude_by, today, due_soon_days),
        "working_days_elapsed": elapsed,
        "timeline": steps,
        "overall_due": timeline.overall_due,
    })
    return made


_new, _put = object.__new__, object.__setattr__


def _step_dates(step: Step, started: dt.date | None, start_by: dt.date | None, conclude_by: dt.date | None,
                concluded: dt.date | None, state: str) -> StepDates:
    """StepDates(...) made quicker, as Position in ``_placed``."""
    made = _new(StepDates)
    _put(made, "__dict__", {"step": step, "started": started, "start_by": start_by, "conclude_by": conclude_by,
                            "concluded": concluded, "state": state})
    return made


class Positions:
    """Where many challenges stand on one day: rows with the same recorded dates stand in the
    same place, so each distinct set of dates is worked out once (a sheet of 100,000 rows
    holds a few thousand), and the timelines they share (the same raised date, step and step
    starts; ended or not) once for each of those (a few hundred)."""

    def __init__(self, procedure: Procedure, calendar: Calendar, today: dt.date, *, due_soon_days: int = 1):
        self.procedure, self.calendar, self.today, self.due_soon_days = procedure, calendar, today, due_soon_days
        self._known: dict[tuple, Position] = {}
        self._timelines: dict[tuple, _Timeline] = {}

    def __call__(self, dates: ChallengeDates) -> Position:
        key = (dates.raised_on, dates.step, dates.step_started, dates.resolved_on, dates.withdrawn_on,
               tuple(sorted(dates.earlier_starts.items())) if dates.earlier_starts else ())
        found = self._known.get(key)
        if found is None:
            shared = _timeline_key(dates)
            timeline = self._timelines.get(shared)
            if timeline is None:
                timeline = self._timelines[shared] = _timeline(self.procedure, self.calendar, dates)
            found = self._known[key] = _placed(self.procedure, self.calendar, timeline, dates, self.today,
                                               self.due_soon_days)
        return found


def _first_start_after(starts: Mapping[int, dt.date | None], number: int, current: int) -> dt.date | None:
    for later in range(number + 1, current + 1):
        if starts.get(later):
            return starts[later]
    return None


def _status(calendar: Calendar, dates: ChallengeDates, conclude_by: dt.date | None, today: dt.date, due_soon_days: int) -> Status:
    if dates.resolved_on:
        return "resolved"
    if dates.withdrawn_on:
        return "withdrawn"
    if conclude_by is None:
        return "on track"
    if today > conclude_by:
        return "overdue"
    if calendar.working_days_between(today, conclude_by) <= due_soon_days:
        return "due soon"
    return "on track"
