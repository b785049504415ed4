"""The rows of a challenge tab a signed-in person may see, where each stands today, in the order to act on them.

Status and deadlines come from the recorded dates (``procedures.Positions``), never from
the sheet's Status column, which the daily job writes and people may have edited.

Business support search, filter, sort and page through every challenge (``ListQuery``, kept in
the page's address); a practitioner's challenges are split into those they raised and those
raised with them.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, fields, replace
from typing import Mapping

from reports.summary_figures import Period, reporting_periods
from procedures import Position, Positions, Procedure
from partnership.config import Partnership
from sheets.base import Problem
from sheets.rows import read_challenges
from sheets.schema import CHALLENGED_EMAIL, RAISER_EMAIL, RAISING_AGENCY, THEME
from views import records
from views.auth import User, can_see

# The status filter's choices, in the order the page offers them.
FILTERS = ("all", "open", "overdue", "resolved", "withdrawn")
SORTS = {"due": "Most urgent first", "newest": "Newest first", "oldest": "Oldest first",
         "reference": "Reference"}  # not a column: the sort's label
PERIODS = ("current", "previous", "year")
PAGE_SIZE = 50
SEARCH_LIMIT = 100


@dataclass(frozen=True)
class Listed:
    """One challenge as a list shows it: no case detail, only what its own page shows at the top."""

    reference: str
    raised_on: dt.date
    agency: str
    position: Position
    raising_agency: str = ""
    themes: tuple[str, ...] = ()
    raiser_email: str = ""
    challenged_email: str = ""

    @property
    def status(self) -> str:
        return self.position.status

    def shown_by(self, status_filter: str) -> bool:
        if status_filter == "all":
            return True
        if status_filter == "open":
            return self.position.is_open
        return self.status == status_filter


class BadQuery(ValueError):
    """A list address with a value the page does not offer."""


@dataclass(frozen=True)
class ListQuery:
    """What business support asked the list for; every field is a query parameter of the page."""

    q: str = ""
    status: str = "all"
    step: str = ""
    agency: str = ""
    theme: str = ""
    period: str = ""
    sort: str = "due"
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str], procedure: Procedure) -> "ListQuery":
        """The query in a page address; BadQuery for a value the page does not offer."""
        value = {f.name: args.get(f.name, "").strip() for f in fields(cls)}
        if args.get("status") is not None and value["status"] not in FILTERS:
            raise BadQuery("status")
        if value["step"] and value["step"] not in {str(s.number) for s in procedure.steps}:
            raise BadQuery("step")
        if value["period"] and value["period"] not in PERIODS:
            raise BadQuery("period")
        if value["sort"] and value["sort"] not in SORTS:
            raise BadQuery("sort")
        if any(len(value[k]) > SEARCH_LIMIT for k in ("q", "agency", "theme")):
            raise BadQuery("too long")
        page = value["page"] or "1"
        if not page.isdigit() or int(page) < 1 or len(page) > 6:
            raise BadQuery("page")
        return cls(q=value["q"], status=value["status"] or "all", step=value["step"], agency=value["agency"],
                   theme=value["theme"], period=value["period"], sort=value["sort"] or "due", page=int(page))

    def args(self, **changes: object) -> dict[str, object]:
        """This query (with ``changes``) as the address's parameters, leaving out the defaults."""
        query = replace(self, **changes)
        default = ListQuery()
        return {f.name: getattr(query, f.name) for f in fields(query)
                if getattr(query, f.name) != getattr(default, f.name)}

    @property
    def narrowed(self) -> bool:
        """Whether anything but the status, sort and page is chosen."""
        return bool(self.q or self.step or self.agency or self.theme or self.period)

    def matches(self, listed: Listed, periods: Mapping[str, Period]) -> bool:
        """Whether ``listed`` is one this query asks for (the status apart)."""
        if self.q:
            needle = self.q.casefold()
            if not any(needle in text.casefold()
                       for text in (listed.reference, listed.agency, listed.raising_agency, *listed.themes)):
                return False
        if self.step and str(listed.position.step.number) != self.step:
            return False
        if self.agency and self.agency.casefold() not in (listed.agency.casefold(), listed.raising_agency.casefold()):
            return False
        if self.theme and self.theme.casefold() not in (t.casefold() for t in listed.themes):
            return False
        if self.period and listed.raised_on not in periods[self.period]:
            return False
        return True


def _sorted(found: list[Listed], sort: str) -> list[Listed]:
    if sort == "newest":
        return sorted(found, key=lambda c: (-c.raised_on.toordinal(), c.reference))
    if sort == "oldest":
        return sorted(found, key=lambda c: (c.raised_on, c.reference))
    if sort == "reference":
        return sorted(found, key=lambda c: c.reference)
    return sorted(found, key=order)


@dataclass(frozen=True)
class Page:
    """One page of a searched list."""

    challenges: tuple[Listed, ...]
    total: int
    number: int
    pages: int
    counts: dict[str, int]

    @property
    def first(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.number * PAGE_SIZE, self.total)


@dataclass(frozen=True)
class ChallengeList:
    """What a list page shows: the visible challenges in order, and (for business support) rows to correct."""

    challenges: tuple[Listed, ...]
    problems: tuple[Problem, ...]
    periods: tuple[Period, Period, Period] | None = None

    def shown(self, status_filter: str) -> list[Listed]:
        return [c for c in self.challenges if c.shown_by(status_filter)]

    def counts(self) -> dict[str, int]:
        return {f: len(self.shown(f)) for f in FILTERS}

    def period(self, key: str) -> Period:
        assert self.periods is not None
        return dict(zip(PERIODS, self.periods))[key]

    def search(self, query: ListQuery) -> Page:
        """The page of challenges ``query`` asks for, with counts per status among those it matches.
        A page past the last is BadQuery."""
        periods = dict(zip(PERIODS, self.periods or ()))
        matching = [c for c in self.challenges if query.matches(c, periods)]
        counts = {f: sum(1 for c in matching if c.shown_by(f)) for f in FILTERS}
        found = _sorted([c for c in matching if c.shown_by(query.status)], query.sort)
        pages = max(1, math.ceil(len(found) / PAGE_SIZE))
        if query.page > pages:
            raise BadQuery("page")
        start = (query.page - 1) * PAGE_SIZE
        return Page(tuple(found[start:start + PAGE_SIZE]), len(found), query.page, pages, counts)

    def choices(self, attribute: str) -> list[str]:
        """The agencies (challenged or raising) or themes found in the rows, for a filter's options."""
        values: dict[str, str] = {}
        for c in self.challenges:
            found = (c.agency, c.raising_agency) if attribute == "agency" else c.themes
            for v in found:
                if v:
                    values.setdefault(v.casefold(), v)
        return sorted(values.values(), key=str.casefold)

    def grouped(self, user: User, status_filter: str) -> list[tuple[str, str, list[Listed]]]:
        """A person's challenges as (id, heading, challenges): those they raised, those raised
        with them, and any others that name them (as line manager, escalated to, or by a link)."""
        shown = self.shown(status_filter)
        mine = [c for c in shown if c.raiser_email == user.email]
        with_me = [c for c in shown if c.challenged_email == user.email and c not in mine]
        others = [c for c in shown if c not in mine and c not in with_me]
        return [("raised-by-you", "Raised by you", mine), ("raised-with-you", "Raised with you", with_me),
                ("other-challenges", "Other challenges you are part of", others)]


def order(listed: Listed) -> tuple:
    """Overdue first, then the other open ones by conclude-by date (soonest first), then closed ones
    most recently raised first."""
    where = listed.position
    if where.is_open:
        rank = 0 if where.status == "overdue" else 1
        when = where.conclude_by.toordinal() if where.conclude_by else dt.date.max.toordinal()
    else:
        rank, when = 2, -listed.raised_on.toordinal()
    return rank, when, listed.reference


def _themes(cell: str) -> tuple[str, ...]:
    """A theme cell may name several, separated by ``;`` or new lines."""
    return tuple(t.strip() for t in cell.replace("\n", ";").split(";") if t.strip())


def challenge_list(partnership: Partnership, tab: str, procedure: Procedure, user: User,
                   email_columns: tuple[str, ...], agency_column: str, today: dt.date) -> ChallengeList:
    """The challenges on ``tab`` that ``user`` may see (``views.auth.can_see``), from one read of the tab.

    Rows that cannot be read are returned as Problems to business support only: a practitioner
    cannot correct the sheet, and a row that cannot be read cannot be shown to be theirs.
    """
    table = records.workbook(partnership).read_all([tab])[tab]
    rows, problems = read_challenges(table, procedure)
    positions = Positions(procedure, partnership.calendar, today, due_soon_days=partnership.reminders.due_soon_days)
    raising = RAISING_AGENCY.get(tab)
    listed = [Listed(row.reference, row.dates.raised_on, row.record[agency_column].strip(), positions(row.dates),
                     raising_agency=row.record[raising].strip() if raising else "",
                     themes=_themes(row.record[THEME[tab]]),
                     raiser_email=row.record[RAISER_EMAIL[tab]].strip().lower(),
                     challenged_email=row.record[CHALLENGED_EMAIL[tab]].strip().lower())
              for row in rows if can_see(user, row.record.values, email_columns)]
    return ChallengeList(tuple(sorted(listed, key=order)),
                         tuple(problems) if user.is_business_support else (),
                         reporting_periods(today, partnership.period_start_months))


__all__ = ["BadQuery", "ChallengeList", "FILTERS", "ListQuery", "Listed", "PAGE_SIZE", "PERIODS",
           "SORTS", "challenge_list"]
