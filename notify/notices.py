"""Who is told what about one challenge, and each email's identity.

One place decides the emails that follow from what happened to a challenge (raised,
escalated, resolved, withdrawn): the page that records the event sends them at once, and the
daily job sends any that did not go (the page's send failed, the answer was kept for later, or
business support typed the row by hand). Both use the same ``Key``, kept in the Reminders tab,
so each goes once. Who is told comes from the procedure: the people its step names.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from typing import Callable, Iterable

from notify import Email
from notify import messages as mail
from procedures import Position, Procedure
from partnership.config import Partnership
from procedures.people import addresses, step_people
from procedures.values import format_date
from sheets.base import Table
from sheets.rows import People, ReadRow
from sheets.schema import CHALLENGES, COMPLIANCE, REFERENCE, REMINDER_KEY, ChallengesTab, ComplianceTab, RemindersTab

RAISED = "raised"
ESCALATED = "escalated"
RESOLVED = "resolved"
WITHDRAWN = "withdrawn"
COMPLIANCE_COPY = "compliance copy"

# An event older than this when the job first sees it (an old row typed in, or the job's first
# run on an existing sheet) is not announced again.
EVENT_LOOKBACK_DAYS = 14

RAISER_NAME = {CHALLENGES: ChallengesTab.RAISED_BY, COMPLIANCE: ComplianceTab.IRO}
RAISER_AGENCY = {CHALLENGES: ChallengesTab.RAISER_AGENCY, COMPLIANCE: ""}
# The columns an email quotes from its row (``events``), besides its reference and dates.
QUOTED = {CHALLENGES: (RAISER_NAME[CHALLENGES], RAISER_AGENCY[CHALLENGES]),
          COMPLIANCE: (RAISER_NAME[COMPLIANCE], ComplianceTab.PROFESSIONAL_AGENCY)}


@dataclass(frozen=True)
class Notice:
    """One email owed to someone, with its identity."""

    kind: str
    tab: str
    reference: str
    step: int | None
    recipient: str
    due: dt.date | None
    email: Email
    repeat: int = 1

    @property
    def kind_label(self) -> str:
        """The kind as logged: the nth overdue reminder for a step is "overdue 2", "overdue 3"..."""
        return self.kind if self.repeat <= 1 else f"{self.kind} {self.repeat}"

    @property
    def key(self) -> str:
        return reminder_key(self.tab, self.reference, self.step, self.kind_label, self.recipient, self.due)

    def log_row(self, sent_at: dt.datetime) -> dict[str, str]:
        """Its row in the Reminders tab."""
        return {RemindersTab.SENT_AT: sent_at.isoformat(sep=" ", timespec="seconds"), REFERENCE: self.reference,
                RemindersTab.STEP: str(self.step or ""), RemindersTab.KIND: self.kind_label,
                RemindersTab.RECIPIENT: self.recipient, RemindersTab.DUE_DATE: format_date(self.due),
                REMINDER_KEY: self.key}


def reminder_key(tab: str, reference: str, step: int | None, kind: str, recipient: str,
                 due: dt.date | None) -> str:
    """(reference, step, kind, recipient, due date) as one cell of text.

    A compliance challenge's reference is written ``Compliance:REF``: the two tabs number
    their rows separately, so the same reference could be on both.
    """
    where = f"{COMPLIANCE}:{reference}" if tab == COMPLIANCE else reference
    return "|".join((where, str(step or ""), kind, recipient.lower(), format_date(due)))


@dataclass(frozen=True)
class Due:
    """An email that follows from an event; its words are composed only if it is to be sent."""

    kind: str
    step: int | None
    to: str
    due: dt.date | None
    compose: Callable[[], Email]


def recent_event(day: dt.date | None, today: dt.date) -> bool:
    """Happened by ``today`` and no longer ago than the look-back."""
    return day is not None and today - dt.timedelta(days=EVENT_LOOKBACK_DAYS) <= day <= today


def link_holders(tab: str, procedure: Procedure) -> tuple[str, ...]:
    """Who is sent their own signed link instead of a notice when a compliance form is sent."""
    if tab != COMPLIANCE:
        return ()
    return procedure.step(procedure.starts_at).acts


def events(partnership: Partnership, tab: str, procedure: Procedure, row: ReadRow, pos: Position,
           people: People, today: dt.date, base_url: str, *, at_once: bool = False) -> list[Due]:
    """The emails that what happened to this challenge calls for, as of ``today``.

    ``at_once``: a page recording the event now, so however long ago it happened it is announced.
    """
    def recent(day: dt.date | None, today: dt.date) -> bool:
        return day is not None and day <= today if at_once else recent_event(day, today)

    reference, dates = row.reference, row.dates  # the row's record only read when an email quoting it is composed
    url = partial(mail.link, base_url, partnership, tab, reference)
    found: list[Due] = []
    named = people.addresses

    def each(persons: Iterable[str]) -> list[str]:
        return addresses(persons, named)

    if tab == COMPLIANCE and (pos.is_open or recent(dates.raised_on, today)) and dates.raised_on <= today:
        # Seed 004 5.5: a copy of every form to the business manager, to spot repeats.
        to = partnership.email.partnership_manager
        found.append(Due(COMPLIANCE_COPY, None, to, dates.raised_on, lambda to=to: mail.compliance_copy(
            partnership, reference, pos, dates.raised_on, row.record[ComplianceTab.PROFESSIONAL_AGENCY].strip(), to,
            url())))

    if pos.is_open and recent(dates.raised_on, today):
        first = procedure.step(min(procedure.starts_at, pos.step.number))
        raiser = each(["raiser"])
        for to in raiser:
            found.append(Due(RAISED, first.number, to, dates.raised_on, lambda to=to: mail.raised_confirmation(
                partnership, tab, reference, pos, to, url(), today)))
        skip = {"raiser", "iro", *link_holders(tab, procedure)} | ({"partnership_manager"} if tab == COMPLIANCE else set())
        for to in each(p for p in step_people(first) if p not in skip):
            if to.lower() in (r.lower() for r in raiser):
                continue
            found.append(Due(RAISED, first.number, to, dates.raised_on, lambda to=to: mail.raised_with_you(
                partnership, tab, reference, pos, row.record[RAISER_NAME[tab]].strip(),
                row.record[RAISER_AGENCY[tab]].strip() if RAISER_AGENCY[tab] else "", to, url(), today)))

    started = dates.step_started
    if pos.is_open and pos.step.number > procedure.starts_at and recent(started, today):
        # Whoever the escalation named is told, with everyone the step names.
        for to in each([*step_people(pos.step), "escalated_to"]):
            found.append(Due(ESCALATED, pos.step.number, to, started, lambda to=to: mail.escalated(
                partnership, tab, reference, pos, started, to, url(), today)))

    if pos.status == "resolved" and recent(dates.resolved_on, today):
        resolved_on = dates.resolved_on
        raisers = {a.lower() for a in each(["raiser"])}
        for to in each(["raiser", "challenged"]):
            found.append(Due(RESOLVED, pos.step.number, to, resolved_on, lambda to=to: mail.resolved(
                partnership, tab, reference, pos, resolved_on, to, url(), raiser=to.lower() in raisers)))

    if pos.status == "withdrawn" and recent(dates.withdrawn_on, today):
        withdrawn_on = dates.withdrawn_on
        for to in each(p for p in ("challenged", *pos.step.acts) if p not in ("raiser", "iro")):
            found.append(Due(WITHDRAWN, pos.step.number, to, withdrawn_on, lambda to=to: mail.withdrawn(
                partnership, tab, reference, pos, withdrawn_on, to, url())))
    return found


def notices(dues: Iterable[Due], tab: str, reference: str, sent: set[str]) -> list[Notice]:
    """The dues not yet sent, composed."""
    out: list[Notice] = []
    for due in dues:
        key = reminder_key(tab, reference, due.step, due.kind, due.to, due.due)
        if key not in sent:
            sent.add(key)
            out.append(Notice(due.kind, tab, reference, due.step, due.to, due.due, due.compose()))
    return out


def sent_keys(reminders: Table | None) -> set[str]:
    """The keys in the Reminders tab's rows."""
    keys = set(map(str.strip, reminders.column(REMINDER_KEY))) if reminders is not None else set()
    keys.discard("")
    return keys
