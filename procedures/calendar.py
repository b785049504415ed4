"""One working-day calendar: a UK nation's bank holidays plus a partnership's closure days."""
from __future__ import annotations

import datetime as dt
from array import array

import holidays

NATIONS = ("ENG", "WLS", "SCT", "NIR")

# Dates between these are answered from the calendar's index of working days (built a few years
# at a time, as dates are asked); dates outside them, which only a mistyped year gives, day by day.
_FIRST = dt.date(1900, 1, 1).toordinal()
_LAST = dt.date(2199, 12, 31).toordinal()
ONE_DAY = dt.timedelta(days=1)


class Calendar:
    """Working days for one partnership.

    Weekends, the nation's bank holidays (substitute days included) and the
    partnership's own closure days are not working days.

    The daily job asks the same questions of thousands of rows, so each calendar keeps an index
    of the years asked about: for each day, how many working days came before it, and the list
    of working days. Adding working days or counting them is then two lookups, not a walk.
    """

    def __init__(self, nation: str = "ENG", closures: dict[dt.date, str] | None = None):
        if nation not in NATIONS:
            raise ValueError(f"nation must be one of {', '.join(NATIONS)}, got {nation!r}")
        self.nation = nation
        self.closures = dict(closures or {})
        self._holidays = holidays.country_holidays("GB", subdiv=nation)
        self._holidays.update({day: name for day, name in self.closures.items()})
        # (first day's ordinal, last day's ordinal, working days before each day, the working days'
        # ordinals); replaced whole when it grows, so a reader in another thread sees one version.
        self._index: tuple[int, int, array, array] = (0, -1, array("l"), array("l"))

    def holiday_name(self, day: dt.date) -> str | None:
        """The bank holiday or closure on ``day``, if any."""
        return self._holidays.get(day)

    def _is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self._holidays

    # The index

    def _cover(self, first: int, last: int) -> tuple[int, int, array, array]:
        """The index, grown (by whole years, a year either side) to hold ``first`` to ``last``."""
        start, end, _, _ = index = self._index
        if start <= first and last <= end:
            return index
        if end >= start:
            first, last = min(first, start), max(last, end)
        first, last = max(first, _FIRST), min(last, _LAST)
        start = max(dt.date(dt.date.fromordinal(first).year - 1, 1, 1).toordinal(), _FIRST)
        end = min(dt.date(dt.date.fromordinal(last).year + 1, 12, 31).toordinal(), _LAST)
        before, days = array("l"), array("l")
        count = 0
        day = dt.date.fromordinal(start)
        for ordinal in range(start, end + 1):
            before.append(count)
            if self._is_working_day(day):
                days.append(ordinal)
                count += 1
            day += ONE_DAY
        before.append(count)  # one past the end: working days up to and including the last day
        self._index = index = (start, end, before, days)
        return index

    def _nth(self, ordinal: int, n: int) -> int | None:
        """The ordinal of the ``n``-th working day after the first working day on or after
        ``ordinal`` (n >= 0); None when that is outside the indexed years."""
        if not _FIRST <= ordinal <= _LAST:
            return None
        start, end, before, days = self._cover(ordinal, ordinal + n * 2 + 40)
        k = before[ordinal - start] + n
        while k >= len(days):
            if end >= _LAST:
                return None
            start, end, before, days = self._cover(start, end + (k - len(days)) * 2 + 400)
            k = before[ordinal - start] + n
        return days[k]

    # The questions

    def is_working_day(self, day: dt.date) -> bool:
        ordinal = day.toordinal()
        start, end, before, _ = self._index
        if not start <= ordinal <= end:
            if not _FIRST <= ordinal <= _LAST:
                return self._is_working_day(day)
            start, end, before, _ = self._cover(ordinal, ordinal)
        i = ordinal - start
        return before[i + 1] > before[i]

    def next_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself if it is a working day, otherwise the next one."""
        return self.add_working_days(day, 0)

    def add_working_days(self, day: dt.date, days: int) -> dt.date:
        """The working day ``days`` working days after ``day`` (``days`` >= 0).

        With ``days=0`` this is ``day`` moved on to a working day.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        ordinal = day.toordinal()
        start, end, before, found = self._index
        if start <= ordinal <= end:
            k = before[ordinal - start] + days
            if k < len(found):
                return dt.date.fromordinal(found[k])
        nth = self._nth(ordinal, days)
        if nth is not None:
            return dt.date.fromordinal(nth)
        return self._walk_working_days(day, days)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
        a, b = start.toordinal(), end.toordinal()
        first, last, before, _ = self._index
        if not (first <= a <= last and first <= b <= last):
            if not (_FIRST <= a <= _LAST and _FIRST <= b <= _LAST):
                return self._count_working_days(start, end)
            first, last, before, _ = self._cover(min(a, b), max(a, b))
        # before[i + 1] is the number of working days up to and including day i.
        return before[b - first + 1] - before[a - first + 1]

    def add_days(self, day: dt.date, days: int, unit: str) -> dt.date:
        """Add working or calendar days."""
        if unit == "calendar":
            return day + dt.timedelta(days=days)
        return self.add_working_days(day, days)

    # Day by day, for dates outside the indexed years.

    def _walk_working_days(self, day: dt.date, days: int) -> dt.date:
        while not self._is_working_day(day):
            day += ONE_DAY
        while days:
            day += ONE_DAY
            if self._is_working_day(day):
                days -= 1
        return day

    def _count_working_days(self, start: dt.date, end: dt.date) -> int:
        if end < start:
            return -self._count_working_days(end, start)
        count = 0
        day = start
        while day < end:
            day += ONE_DAY
            if self._is_working_day(day):
                count += 1
        return count

