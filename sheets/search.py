"""Finding a person's data for a subject access request: every row, on every tab, that holds
an email address or a name.

Pure: tables in, matches out. A cell matches when it contains what was searched for, ignoring
case and runs of spaces, so "sam  JONES" finds "Sam Jones" in a name column and in free text
("spoke to Sam Jones on Monday"), and an address finds itself in a list of recipients. Every
column is searched, business support's own columns too. The Summary tab holds counts only and
is not searched.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from sheets.base import Record, Table
from sheets.schema import SUMMARY, TABS

SEARCHED_TABS = tuple(t for t in TABS if t != SUMMARY)
MINIMUM = 3


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


@dataclass(frozen=True)
class Match:
    """A row holding the term, and the columns it was found in."""

    record: Record
    columns: tuple[str, ...]

    @property
    def tab(self) -> str:
        return self.record.tab


@dataclass(frozen=True)
class Found:
    """Every row found, tab by tab, with each tab's header row (for the download)."""

    headers: Mapping[str, tuple[str, ...]]
    matches: tuple[Match, ...]

    def on(self, tab: str) -> list[Match]:
        return [m for m in self.matches if m.tab == tab]

    @property
    def tabs(self) -> list[str]:
        return [t for t in SEARCHED_TABS if self.on(t)]

    @property
    def references(self) -> list[str]:
        return sorted({m.record.reference for m in self.matches if m.record.reference})

    def rows(self, tab: str) -> list[list[str]]:
        """The tab's header row (with "Row" first) and every matching row in full, as text."""
        headers = self.headers[tab]
        return [["Row", *headers], *([str(m.record.row), *(m.record.get(h, "") for h in headers)]
                                     for m in self.on(tab))]


def find_person(tables: Mapping[str, Table], term: str) -> Found:
    """Every row of the searched tabs with a cell containing ``term`` (at least MINIMUM characters)."""
    wanted = normalise(term)
    if len(wanted) < MINIMUM:
        raise ValueError(f"search for at least {MINIMUM} characters")
    matches: list[Match] = []
    headers: dict[str, tuple[str, ...]] = {}
    for tab in SEARCHED_TABS:
        table = tables.get(tab)
        if table is None:
            continue
        headers[tab] = tuple(h for h in table.headers if h)
        for record in table.records:
            columns = tuple(c for c, v in record.values.items() if wanted in normalise(v))
            if columns:
                matches.append(Match(record, columns))
    return Found(headers, tuple(matches))
