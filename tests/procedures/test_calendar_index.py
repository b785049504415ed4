"""The calendar's index of working days gives the same answers as walking day by day with the
holidays package, for every nation, with and without closure days, over random dates and offsets."""
import datetime as dt

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procedures import Calendar
from procedures.calendar import NATIONS

CLOSURES = {dt.date(2026, 12, 24): "Office closed", dt.date(2027, 1, 4): "Office closed",
            dt.date(2031, 8, 1): "Office closed"}
# Each calendar is made once and asked many questions: its index grows as the dates move about.
CALENDARS = {(nation, closed): Calendar(nation, CLOSURES if closed else None)
             for nation in NATIONS for closed in (False, True)}

dates = st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2060, 12, 31))
few_days = st.integers(min_value=0, max_value=400)
calendars = st.sampled_from(sorted(CALENDARS))


def reference(nation: str, closed: bool) -> holidays.HolidayBase:
    found = holidays.country_holidays("GB", subdiv=nation)
    if closed:
        found.update(CLOSURES)
    return found


REFERENCES = {key: reference(*key) for key in CALENDARS}


@settings(max_examples=300, deadline=None)
@given(calendars, dates)
def test_is_working_day_agrees_with_holidays(which, day):
    assert CALENDARS[which].is_working_day(day) == REFERENCES[which].is_working_day(day)


@settings(max_examples=300, deadline=None)
@given(calendars, dates, few_days)
def test_add_working_days_agrees_with_holidays(which, day, n):
    ref = REFERENCES[which]
    # The next working day on or after ``day``, then ``n`` working days after it.
    expected = ref.get_nth_working_day(ref.get_nth_working_day(day, 0), n)
    assert CALENDARS[which].add_working_days(day, n) == expected
    if n == 0:
        assert CALENDARS[which].next_working_day(day) == expected


@settings(max_examples=300, deadline=None)
@given(calendars, dates, st.integers(min_value=-500, max_value=500))
def test_working_days_between_agrees_with_holidays(which, start, offset):
    end = start + dt.timedelta(days=offset)
    ref = REFERENCES[which]
    # Working days after the earlier date up to and including the later one, signed.
    low, high = sorted((start, end))
    count = ref.get_working_days_count(low, high) - ref.is_working_day(low)
    assert CALENDARS[which].working_days_between(start, end) == (count if end >= start else -count)


@pytest.mark.parametrize("nation", NATIONS)
def test_dates_outside_the_index_are_still_answered(nation):
    """A mistyped year (1066, 2999) is walked day by day, as before, not indexed."""
    calendar, ref = Calendar(nation), reference(nation, False)
    for day in (dt.date(1066, 10, 13), dt.date(1899, 12, 29), dt.date(2999, 12, 24)):
        assert calendar.is_working_day(day) == ref.is_working_day(day)
        assert calendar.add_working_days(day, 3) == ref.get_nth_working_day(ref.get_nth_working_day(day, 0), 3)
    assert calendar.working_days_between(dt.date(1899, 12, 20), dt.date(1900, 1, 10)) == (
        ref.get_working_days_count(dt.date(1899, 12, 21), dt.date(1900, 1, 10)))
    # Across the index's far end: the walk takes over where the index stops.
    late = dt.date(2199, 12, 20)
    assert calendar.add_working_days(late, 20) == ref.get_nth_working_day(ref.get_nth_working_day(late, 0), 20)


def test_a_calendar_answers_the_same_whichever_years_it_was_asked_first():
    forward, backward = Calendar("ENG", CLOSURES), Calendar("ENG", CLOSURES)
    days = [dt.date(2000, 1, 1) + dt.timedelta(days=97 * i) for i in range(120)]
    first = [(d, forward.add_working_days(d, 9), forward.working_days_between(days[0], d)) for d in days]
    second = [(d, backward.add_working_days(d, 9), backward.working_days_between(days[0], d)) for d in reversed(days)]
    assert first == list(reversed(second))
