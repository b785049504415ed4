"""One working-day calendar: a UK nation's bank holidays plus a partnership's closure days."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

NATIONS = ("ENG", "WLS", "SCT", "NIR")


class Calendar:
    """Working days for one partnership.

    Weekends, the nation's bank holidays (substitute days included) and the
    partnership's own closure days are not working days.
    """

    def __init__(self, nation: str = "ENG", closures: dict[dt.date, str] | None = None):
        if nation not in NATIONS:
            raise ValueError(f"nation must be one of {', '.join(NATIONS)}, got {nation!r}")
        self.nation = nation
        self.closures = dict(closures or {})
        self._holidays = holidays.country_holidays("GB", subdiv=nation)
        self._holidays.update({day: name for day, name in self.closures.items()})
        # Each calendar memoises its own answers: the job asks the same few
        # hundred dates again and again for thousands of rows.
        self.is_working_day = lru_cache(maxsize=8192)(self._is_working_day)
        self.add_working_days = lru_cache(maxsize=65536)(self._add_working_days)
        self.working_days_between = lru_cache(maxsize=65536)(self._working_days_between)

    def holiday_name(self, day: dt.date) -> str | None:
        """The bank holiday or closure on ``day``, if any."""
        return self._holidays.get(day)

    def _is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self._holidays

    def next_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself if it is a working day, otherwise the next one."""
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def _add_working_days(self, day: dt.date, days: int) -> dt.date:
        """The working day ``days`` working days after ``day`` (``days`` >= 0).

        With ``days=0`` this is ``day`` moved on to a working day.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        day = self.next_working_day(day)
        while days:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                days -= 1
        return day

    def _working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
        if end < start:
            return -self._working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def add_days(self, day: dt.date, days: int, unit: str) -> dt.date:
        """Add working or calendar days."""
        if unit == "calendar":
            return day + dt.timedelta(days=days)
        return self.add_working_days(day, days)
