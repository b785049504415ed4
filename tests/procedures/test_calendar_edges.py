"""Working days at the calendar's edges: a partnership closed for a long spell, and the last day
of the years the calendar indexes, where counting goes on day by day. Every answer is checked
against the holidays package walked day by day, and must come back promptly."""
from __future__ import annotations

import contextlib
import datetime as dt
import signal

import holidays
import pytest

from procedures import Calendar


@contextlib.contextmanager
def answered_within(seconds: float):
    """Fail, rather than hang, if the calendar takes more than ``seconds`` of CPU time to answer
    (CPU time, so that a busy machine does not fail it)."""
    def too_slow(signum, frame):
        raise AssertionError(f"the calendar gave no answer within {seconds} s of CPU time")

    previous = signal.signal(signal.SIGVTALRM, too_slow)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


def closed(first: dt.date, last: dt.date) -> dict[dt.date, str]:
    return {first + dt.timedelta(days=i): "Office closed" for i in range((last - first).days + 1)}


# A partnership whose office is closed for three whole years: no working day from 2030 to 2032.
THREE_YEARS_CLOSED = closed(dt.date(2030, 1, 1), dt.date(2032, 12, 31))
tuesday_4_january_2033 = dt.date(2033, 1, 4)  # Monday 3 January 2033 is New Year's Day (observed)


def walked(closures: dict[dt.date, str], day: dt.date, n: int) -> dt.date:
    ref = holidays.country_holidays("GB", subdiv="ENG")
    ref.update(closures)
    return ref.get_nth_working_day(ref.get_nth_working_day(day, 0), n)


@pytest.mark.parametrize("n", [0, 5, 250, 700])
def test_working_days_counted_across_a_closure_of_years_land_after_it(n):
    calendar = Calendar("ENG", THREE_YEARS_CLOSED)
    with answered_within(10):
        found = calendar.add_working_days(dt.date(2030, 1, 1), n)
    assert found == walked(THREE_YEARS_CLOSED, dt.date(2030, 1, 1), n)
    assert found >= tuesday_4_january_2033
    if n == 0:
        assert found == tuesday_4_january_2033


def test_a_day_inside_a_closure_of_years_moves_to_the_first_working_day_after_it():
    calendar = Calendar("ENG", THREE_YEARS_CLOSED)
    with answered_within(10):
        assert calendar.next_working_day(dt.date(2031, 6, 18)) == tuesday_4_january_2033
        assert calendar.add_working_days(dt.date(2031, 6, 18), 1) == dt.date(2033, 1, 5)
        assert calendar.working_days_between(dt.date(2029, 12, 31), dt.date(2033, 1, 5)) == 2


def test_the_working_day_after_the_last_indexed_one_is_in_the_next_year():
    """31 December 2199 is the index's last day; the day after it is walked to."""
    calendar = Calendar("ENG")
    last = dt.date(2199, 12, 31)
    assert calendar.is_working_day(last)
    with answered_within(10):
        after = calendar.add_working_days(last, 1)
    assert after == walked({}, last, 1)
    assert after.year == 2200


@pytest.mark.parametrize("n", [1, 10, 300])
def test_working_days_counted_from_the_indexed_years_into_the_years_after_them(n):
    calendar = Calendar("ENG")
    start = dt.date(2199, 12, 1)
    with answered_within(10):
        assert calendar.add_working_days(start, n) == walked({}, start, n)


@pytest.mark.parametrize("early, late", [
    (dt.date(1066, 10, 13), dt.date(1066, 10, 27)),  # a mistyped year, far before the index
    (dt.date(1899, 12, 20), dt.date(1900, 1, 10)),  # from before the index into it
    (dt.date(2199, 12, 1), dt.date(2200, 2, 1)),  # from the index's last year past its end
])
def test_working_days_between_dates_outside_the_index_count_back_as_negative(early, late):
    calendar = Calendar("ENG")
    ref = holidays.country_holidays("GB", subdiv="ENG")
    forwards = ref.get_working_days_count(early, late) - ref.is_working_day(early)
    assert forwards > 0
    with answered_within(10):
        assert calendar.working_days_between(early, late) == forwards
        assert calendar.working_days_between(late, early) == -forwards


def test_no_working_days_lie_between_a_date_outside_the_index_and_itself():
    calendar = Calendar("ENG")
    for day in (dt.date(1066, 10, 14), dt.date(1899, 12, 31), dt.date(2200, 1, 1)):
        with answered_within(10):
            assert calendar.working_days_between(day, day) == 0


def test_the_first_date_there_is_is_answered_day_by_day():
    """Monday 1 January of year 1, which a mistyped year can give, is a working day like any Monday
    the holidays package knows no holiday on."""
    calendar, first = Calendar("ENG"), dt.date.min
    assert calendar.is_working_day(first)
    assert calendar.next_working_day(first) == first
    assert calendar.add_working_days(first, 2) == walked({}, first, 2)
    assert calendar.working_days_between(first, first) == 0
    assert calendar.working_days_between(first, first + dt.timedelta(days=9)) == 7  # Tuesday to Wednesday week
