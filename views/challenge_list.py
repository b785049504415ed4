"""The rows of a challenge tab a signed-in person may see, where each stands today, in the order to act on them.

Status and deadlines come from the recorded dates (``procedures.Positions``), never from
the sheet's Status column, which the daily job writes and people may have edited.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from procedures import Position, Positions, Procedure
from procedures.config import Partnership
from sheets.base import Problem
from sheets.rows import read_challenges
from views import records
from views.auth import User, can_see

# The status filter's choices, in the order the page offers them.
FILTERS = ("all", "open", "overdue", "resolved", "withdrawn")


@dataclass(frozen=True)
class Listed:
    """One challenge as a list shows it: no case detail, only what its own page shows at the top."""

    reference: str
    raised_on: dt.date
    agency: str
    position: Position

    @property
    def status(self) -> str:
        return self.position.status

    def shown_by(self, status_filter: str) -> bool:
        if status_filter == "all":
            return True
        if status_filter == "open":
            return self.position.is_open
        return self.status == status_filter


@dataclass(frozen=True)
class ChallengeList:
    """What a list page shows: the visible challenges in order, and (for business support) rows to correct."""

    challenges: tuple[Listed, ...]
    problems: tuple[Problem, ...]

    def shown(self, status_filter: str) -> list[Listed]:
        return [c for c in self.challenges if c.shown_by(status_filter)]

    def counts(self) -> dict[str, int]:
        return {f: len(self.shown(f)) for f in FILTERS}


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


def challenge_list(partnership: Partnership, tab: str, procedure: Procedure, user: User,
                   email_columns: tuple[str, ...], agency_column: str, today: dt.date) -> ChallengeList:
    """The challenges on ``tab`` that ``user`` may see (``views.auth.can_see``), from one read of the tab.

    Rows that cannot be read are returned as Problems to business support only: a practitioner
    cannot correct the sheet, and a row that cannot be read cannot be shown to be theirs.
    """
    table = records.workbook(partnership).read_all([tab])[tab]
    rows, problems = read_challenges(table, procedure)
    positions = Positions(procedure, partnership.calendar, today, due_soon_days=partnership.reminders.due_soon_days)
    listed = [Listed(row.reference, row.dates.raised_on, row.record[agency_column].strip(), positions(row.dates))
              for row in rows if can_see(user, row.record.values, email_columns)]
    return ChallengeList(tuple(sorted(listed, key=order)),
                         tuple(problems) if user.is_business_support else ())
