"""Hand-made mutants of the engine and the reminders: each is a mistake a user would notice, and
the tests written for it must fail while it is in place (and pass without it: they run in the
suite as well). `make mutation` does the same for every mutant mutmut makes."""
from __future__ import annotations

import datetime as dt

import pytest

from jobs import reminders
from procedures import Calendar, engine
from tests.jobs import test_reminders_edges as reminder_tests
from tests.jobs import test_summary_edges as summary_tests
from tests.procedures import test_engine_edges as engine_tests

original_status = engine._status
original_due_date = engine.due_date


def steps_two_days(self, day):
    while not self.is_working_day(day):
        day += dt.timedelta(days=2)
    return day


def no_deadline_is_closed(calendar, dates, conclude_by, today, due_soon_days):
    return "resolved" if conclude_by is None else original_status(calendar, dates, conclude_by, today, due_soon_days)


def calendar_days_from_day_2(calendar, timescale, day1, step_start):
    if timescale.counted_from == "challenge" and timescale.unit == "calendar":
        return day1 + dt.timedelta(days=timescale.days)
    return original_due_date(calendar, timescale, day1, step_start)


def key_without_earlier_starts(self, dates):
    key = (dates.raised_on, dates.step, dates.step_started, dates.resolved_on, dates.withdrawn_on)
    if key not in self._known:
        self._known[key] = engine.position(self.procedure, self.calendar, dates, self.today,
                                           due_soon_days=self.due_soon_days)
    return self._known[key]


def raiser_when_nobody_named(self, people, step):
    return reminders.addresses(step.acts, people.addresses) or reminders.addresses(["raiser"], people.addresses)


MUTANTS = {
    "next_working_day steps two days": (
        (Calendar, "next_working_day", steps_two_days),
        [engine_tests.test_a_challenge_raised_on_a_sunday_starts_on_the_monday_not_the_tuesday,
         engine_tests.test_a_saturday_before_a_bank_holiday_monday_starts_on_the_tuesday]),
    "a step with no deadline counts as closed": (
        (engine, "_status", no_deadline_is_closed),
        [engine_tests.test_durham_stage_5_has_no_deadline_and_stays_open_on_track_months_later,
         summary_tests.test_a_compliance_challenge_at_durham_stage_5_is_open_not_closed]),
    "calendar days counted from day 2": (
        (engine, "due_date", calendar_days_from_day_2),
        [engine_tests.test_calendar_day_timescales_count_days_of_the_challenge_weekends_included]),
    "rows placed by dates that leave out earlier stage starts": (
        (engine.Positions, "__call__", key_without_earlier_starts),
        [engine_tests.test_rows_differing_in_any_recorded_date_are_placed_apart]),
    "the raiser chased for an escalation nobody is named for": (
        (reminders._Planner, "acting", raiser_when_nobody_named),
        [reminder_tests.test_at_step_3_with_nobody_named_as_escalated_to_the_line_manager_is_reminded_not_the_raiser]),
}


@pytest.mark.parametrize("mutant", MUTANTS)
def test_the_tests_notice_the_mutant(mutant, monkeypatch, tmp_path):
    (target, name, mutated), tests = MUTANTS[mutant]
    monkeypatch.setattr(target, name, mutated)
    # A fresh calendar: the shared one remembers answers worked out before the mutant.
    monkeypatch.setattr(engine_tests, "england", Calendar("ENG"))
    for test in tests:
        with pytest.raises(AssertionError):
            test(tmp_path) if "tmp_path" in test.__code__.co_varnames[:test.__code__.co_argcount] else test()
