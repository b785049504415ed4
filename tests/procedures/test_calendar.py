"""Working days, with named dates."""
import datetime as dt

import pytest

from procedures import Calendar

england = Calendar("ENG")
scotland = Calendar("SCT")

friday_2_january_2026 = dt.date(2026, 1, 2)
saturday_21_november_2026 = dt.date(2026, 11, 21)
monday_23_november_2026 = dt.date(2026, 11, 23)
monday_30_november_2026 = dt.date(2026, 11, 30)
tuesday_1_december_2026 = dt.date(2026, 12, 1)
tuesday_22_december_2026 = dt.date(2026, 12, 22)
thursday_24_december_2026 = dt.date(2026, 12, 24)
monday_28_december_2026 = dt.date(2026, 12, 28)
tuesday_29_december_2026 = dt.date(2026, 12, 29)
thursday_25_march_2027 = dt.date(2027, 3, 25)
good_friday_2027 = dt.date(2027, 3, 26)
easter_monday_2027 = dt.date(2027, 3, 29)
tuesday_30_march_2027 = dt.date(2027, 3, 30)


def test_three_working_days_over_christmas_skips_boxing_day_observed_on_monday_28th():
    assert england.add_working_days(tuesday_22_december_2026, 3) == tuesday_29_december_2026
    assert not england.is_working_day(monday_28_december_2026)
    assert england.holiday_name(monday_28_december_2026) == "Boxing Day (observed)"


def test_easter_2027_good_friday_and_easter_monday_are_not_working_days():
    assert not england.is_working_day(good_friday_2027)
    assert not england.is_working_day(easter_monday_2027)
    assert england.add_working_days(thursday_25_march_2027, 1) == tuesday_30_march_2027


def test_scotland_and_england_differ_on_2_january_and_st_andrews_day():
    assert england.is_working_day(friday_2_january_2026)
    assert not scotland.is_working_day(friday_2_january_2026)
    assert england.is_working_day(monday_30_november_2026)
    assert not scotland.is_working_day(monday_30_november_2026)
    assert england.add_working_days(saturday_21_november_2026, 5) == dt.date(2026, 11, 30)
    assert scotland.add_working_days(saturday_21_november_2026, 5) == tuesday_1_december_2026


def test_a_saturday_moves_to_the_next_working_day():
    assert england.next_working_day(saturday_21_november_2026) == monday_23_november_2026
    assert england.add_working_days(saturday_21_november_2026, 0) == monday_23_november_2026


def test_partnership_closure_days_are_not_working_days():
    closed = Calendar("ENG", {thursday_24_december_2026: "Office closed"})
    assert england.is_working_day(thursday_24_december_2026)
    assert not closed.is_working_day(thursday_24_december_2026)
    assert closed.add_working_days(tuesday_22_december_2026, 2) == tuesday_29_december_2026
    assert closed.holiday_name(thursday_24_december_2026) == "Office closed"


def test_working_days_between_counts_days_after_the_start():
    assert england.working_days_between(tuesday_22_december_2026, tuesday_29_december_2026) == 3
    assert england.working_days_between(tuesday_29_december_2026, tuesday_22_december_2026) == -3
    assert england.working_days_between(monday_23_november_2026, monday_23_november_2026) == 0


def test_calendar_days_are_plain_days():
    assert england.add_days(tuesday_22_december_2026, 7, "calendar") == tuesday_29_december_2026 + dt.timedelta(days=0)


@pytest.mark.parametrize("nation", ["ENG", "WLS", "SCT", "NIR"])
def test_holiday_data_covers_next_year(nation):
    """Fails when the holidays package stops knowing next year's bank holidays."""
    next_year = dt.date.today().year + 1
    calendar = Calendar(nation)
    christmas = dt.date(next_year, 12, 25)
    new_year = dt.date(next_year, 1, 1)
    assert calendar.holiday_name(christmas) or christmas.weekday() >= 5
    assert calendar.holiday_name(new_year) or new_year.weekday() >= 5
    named = [d for d in (dt.date(next_year, 1, 1) + dt.timedelta(n) for n in range(365)) if calendar.holiday_name(d)]
    assert len(named) >= 8


def test_unknown_nation_is_refused():
    with pytest.raises(ValueError, match="nation must be one of ENG, WLS, SCT, NIR"):
        Calendar("GB")
