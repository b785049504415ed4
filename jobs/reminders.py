"""The daily reminders: who must be told what, today, and sending it exactly once.

``plan_reminders`` is pure: tables in, a Plan out (the emails due and not yet sent, the
``Status`` and ``Step due by`` values each row should show, and the rows that could not be
read). ``run_reminders`` does the I/O around it: one read of the workbook, the sends, one
append to the Reminders tab and one update of the challenge tabs.

A reminder's identity is its ``Key``: reference, step, kind, recipient and due date. The
Reminders tab holds the key of every email sent, so a second run on the same day, or a run
after a crash, sends nothing already sent. A failed send is not recorded, so it goes again
next run. Every date is worked out by ``procedures.position`` from the recorded dates; no
counter is ever stored.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import compress, count, repeat
from operator import and_, itemgetter, ne, not_
from typing import Callable, Iterable, Mapping, Sequence

from notify.journal import SentJournal
from notify import Email, EmailFailed, notices
from notify import messages as mail
from procedures import ChallengeDates, Position, Procedure, Step
from partnership.config import Partnership
from procedures.people import addresses
from procedures.values import format_date
from sheets.base import Problem, Record, SheetError, Table, Workbook
from sheets.rows import EMAIL_ADDRESS, People, ReadRow, Standing, TableRow, people_on, read_positions
from sheets.schema import (
    CHALLENGES,
    COMPLIANCE,
    LAST_REMINDER,
    PERSON_COLUMNS,
    REFERENCE,
    REMINDER_KEY,
    REMINDERS,
    STATUS,
    STEP_DUE_BY,
    ComplianceTab,
)
from sheets.tables import collector_paused

DUE_SOON = "due soon"
OVERDUE = "overdue"
ESCALATE = "escalate"
THRESHOLD = "reporting threshold"
RESOLVED = notices.RESOLVED
COMPLIANCE_COPY = notices.COMPLIANCE_COPY
REPEATED = "repeated agency"
PROBLEMS = "problems"
STUCK = "stuck"

# Kept for the callers that speak of the job's emails as reminders.
Reminder = notices.Notice
reminder_key = notices.reminder_key
RESOLVED_LOOKBACK_DAYS = notices.EVENT_LOOKBACK_DAYS

AGENCY = ComplianceTab.PROFESSIONAL_AGENCY

# Who is chased for a person the row does not name yet.
STANDS_IN = {"escalated_to": "raiser_line_manager"}


@dataclass
class Plan:
    """What today's run should do."""

    reminders: list[Reminder] = field(default_factory=list)
    updates: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    scanned: int = 0
    already_sent: int = 0


@dataclass
class RunResult:
    """What a run did, for the job's one line per partnership."""

    partnership: str
    scanned: int
    sent: list[Reminder]
    failed: list[tuple[Reminder, str]]
    not_attempted: list[Reminder]
    problems: list[Problem]
    already_sent: int
    dry_run: bool
    would_send: list[Reminder] = field(default_factory=list)
    resent: int = 0  # emails whose sending a crash had cut off, sent again (same Message-ID)

    @property
    def ok(self) -> bool:
        """Every email due was sent (or, in a dry run, could have been)."""
        return not self.failed and not self.not_attempted


def updates_row(reminder: Reminder) -> bool:
    """Whether sending it sets the challenge row's ``Last reminder``."""
    return reminder.tab in (CHALLENGES, COMPLIANCE) and reminder.kind != REPEATED


def plan_reminders(partnership: Partnership, tables: Mapping[str, Table], today: dt.date, *,
                   base_url: str = "", also_sent: Iterable[str] = (), real_today: dt.date | None = None) -> Plan:
    """Work out which emails are due today and not yet sent, and what the job columns should say.

    ``tables`` holds the Challenges tab, the Reminders tab and, for a partnership with a
    compliance procedure, the Compliance tab. ``also_sent`` are keys sent but not yet in the
    Reminders tab. No email is due on a day that is not a working day; the columns are
    still brought up to date. Rows raised after ``today`` are left alone; one raised after
    ``real_today`` (the day the job really runs; ``today`` if not given) is reported to correct.
    """
    sent = notices.sent_keys(tables.get(REMINDERS))
    sent.update(also_sent)
    with collector_paused():
        return _plan(partnership, tables, today, base_url, sent, real_today)


def _plan(partnership: Partnership, tables: Mapping[str, Table], today: dt.date, base_url: str, sent: set[str],
          real_today: dt.date | None) -> Plan:
    plan = Plan()
    planner = _Planner(partnership, today, base_url, plan, sent)
    tabs = [(CHALLENGES, partnership.procedure)]
    if partnership.compliance_procedure is not None:
        tabs.append((COMPLIANCE, partnership.compliance_procedure))
    for tab, procedure in tabs:
        if tab not in tables:
            continue
        # Read, and placed, once for the reminders and the Summary tab.
        standing = read_positions(tables[tab], procedure, partnership.calendar, today,
                                  due_soon_days=partnership.reminders.due_soon_days)
        standing, future = standing.raised_by(today, max(today, real_today or today))
        problems = [*standing.problems, *future]
        plan.problems.extend(problems)
        plan.scanned += len(standing.kept) + len({p.row for p in problems})
        planner.plan_tab(tab, procedure, standing)
    if planner.working_day:
        planner.plan_stuck()
    if planner.working_day and plan.problems:
        to = partnership.email.business_support
        planner.add(PROBLEMS, "", "", None, to, today, lambda: mail.problems(partnership, plan.problems, today, to))
    plan.reminders = planner.reminders
    plan.already_sent = len(planner.already_sent) + planner.already_counted
    return plan


def _where(tab: str, reference: str) -> str:
    """The first part of a reminder key (``notices.reminder_key``)."""
    return f"{COMPLIANCE}:{reference}" if tab == COMPLIANCE else reference


def _person_columns(tab: str) -> tuple[str, ...]:
    """The columns ``sheets.rows.people_on`` reads on this tab."""
    return _PERSON_COLUMNS.get(tab, ())


_PERSON_COLUMNS = {tab: tuple(columns.values()) for tab, columns in PERSON_COLUMNS.items()}


def _picker(indices: list[int]) -> Callable[[Sequence], Sequence]:
    """What picks the values at ``indices`` (one at least) out of a sequence, in C, as a sequence."""
    if len(indices) == 1:
        index = indices[0]
        return lambda values: (values[index],)
    return itemgetter(*indices)


def digest_day(partnership: Partnership, today: dt.date) -> dt.date | None:
    """The digest day this week if the stuck-challenge digest is due on ``today``: on that day, or
    on the first working day after it in the same week when it falls on a holiday."""
    calendar = partnership.calendar
    day = today - dt.timedelta(days=(today.weekday() - partnership.reminders.digest_day) % 7)
    if day.isocalendar()[:2] != today.isocalendar()[:2] or not calendar.is_working_day(today):
        return None
    first = day
    while first < today and not calendar.is_working_day(first):
        first += dt.timedelta(days=1)
    return day if first == today else None


class _Planner:
    """Walks one partnership's rows, collecting reminders and column updates into a Plan."""

    def __init__(self, partnership: Partnership, today: dt.date, base_url: str, plan: Plan, sent: set[str]):
        self.partnership, self.today, self.base_url, self.plan = partnership, today, base_url, plan
        self.calendar = partnership.calendar
        self.working_day = self.calendar.is_working_day(today)
        self._events_since = today - dt.timedelta(days=notices.EVENT_LOOKBACK_DAYS)  # see notices.recent_event
        self.sent = sent
        self.reminders: list[Reminder] = []
        self.already_sent: set[str] = set()
        self.already_counted = 0  # keys already sent, counted but not kept (``_sent_already``)
        self._keys: set[str] = set()
        self._reported: set[Problem] = set()
        self.settings = partnership.reminders
        self.stuck: list[tuple[str, str, str, str, int]] = []
        self._overdue_sent: Counter | None = None
        # What a row standing in a given place and naming given people was found to owe (see plan_row).
        self._owed: dict[tuple, tuple[tuple[tuple[str, int, str], ...], tuple[str, str, int] | None]] = {}
        self._recording: list[tuple[str, str, str]] | None = None
        self._patterns: dict[str, dict[tuple, tuple[tuple[int, ...], list[str]] | None]] = {}  # by tab
        self._partnership_addresses = (partnership.email.business_support.lower(),
                                       partnership.email.partnership_manager.lower())
        self._stuck_entry: tuple[str, str, int] | None = None
        # Planning a row only for its templates: its emails and stuck entry are recorded, not planned.
        self._dry = False

    def add(self, kind: str, tab: str, reference: str, step: int | None, to: str, due: dt.date | None,
            email: Callable[[], Email], repeat: int = 1) -> None:
        """Plan one email, unless it was already sent; its words are only composed when it is due."""
        label = kind if repeat <= 1 else f"{kind} {repeat}"
        key = reminder_key(tab, reference, step, label, to, due)
        if self._recording is not None:
            # The key as template: its head (after the reference), the address, its tail (the due date).
            lowered, cut = to.lower(), key.rindex("|")
            self._recording.append((key[len(_where(tab, reference)):cut - len(lowered)], lowered, key[cut:]))
            if self._dry:
                return
        if key in self.sent:
            self.already_sent.add(key)
        elif key not in self._keys:
            self._keys.add(key)
            # The key travels with the email: its Message-ID is derived from it, so an email sent
            # again after a crash carries the same Message-ID and mail clients show it once.
            self.reminders.append(Reminder(kind, tab, reference, step, to, due, replace(email(), key=key), repeat))

    def overdue_sent(self, tab: str, reference: str, step: int, to: str) -> int:
        """How many overdue reminders for this step the Reminders tab shows this person was sent."""
        if self._overdue_sent is None:
            counts: Counter = Counter()
            for key in self.sent:
                if OVERDUE not in key:
                    continue
                parts = key.split("|")
                if len(parts) == 5 and parts[2].split(" ")[0] == OVERDUE:
                    counts[(parts[0], parts[1], parts[3])] += 1
            self._overdue_sent = counts
        where = f"{COMPLIANCE}:{reference}" if tab == COMPLIANCE else reference
        return self._overdue_sent[(where, str(step), to.lower())]

    def plan_tab(self, tab: str, procedure: Procedure, standing: Standing) -> None:
        """The tab's job columns brought up to date, and the emails its rows owe planned.

        Column by column, for 100,000-row tabs: rows read with the same dates share one
        ChallengeDates (``sheets.rows``), and so where they stand and what follows from it, worked
        out once for each; rows are then looked at one by one only where a job column changes or
        an email may be owed.
        """
        placed_at = standing.placed()
        self._owed = {}
        # By id of each distinct ChallengeDates: the Status and Step due by it gives, and whether it may owe an email.
        columns: dict[int, tuple[str, str]] = {}
        may_owe: dict[int, bool] = {}
        working_day, owes = self.working_day, self.may_owe_email
        for dates in standing.distinct:
            key = id(dates)
            pos = placed_at[key]
            columns[key] = (pos.status, format_date(pos.conclude_by) if pos.is_open else "")
            may_owe[key] = working_day and owes(tab, procedure, pos, dates)
        placed = standing.ids()
        was_status, was_due_by = standing.column(STATUS), standing.column(STEP_DUE_BY)
        references = standing.column(REFERENCE)
        changes: dict[str, dict[str, str]] = {}
        for j in compress(count(), map(ne, map(columns.__getitem__, placed), zip(was_status, was_due_by))):
            status, due_by = columns[placed[j]]
            change = {}
            if was_status[j] != status:
                change[STATUS] = status
            if was_due_by[j] != due_by:  # never read: a typed value is overwritten
                change[STEP_DUE_BY] = due_by
            changes[references[j].strip()] = change
        if changes:
            self.plan.updates[tab] = changes
        owing = list(compress(count(), map(may_owe.__getitem__, placed)))
        if owing:
            self.plan_owing(tab, procedure, standing, owing, placed_at)
        if tab == COMPLIANCE and self.working_day:
            self.plan_repeated(standing)

    def may_owe_email(self, tab: str, procedure: Procedure, pos: Position, dates: ChallengeDates) -> bool:
        """Whether a challenge standing here could owe anyone an email today (most rows on track do not).
        An event is recent as ``notices.recent_event`` says (compared here without a call for each date)."""
        today, since = self.today, self._events_since
        if since <= dates.raised_on <= today:
            return True
        if pos.is_open:
            reporting = procedure.reporting_step
            started = dates.step_started
            return (tab == COMPLIANCE or pos.status != "on track" or started is not None and since <= started <= today
                    or (reporting is not None and pos.step.number >= reporting.number))
        resolved, withdrawn = dates.resolved_on, dates.withdrawn_on
        return (resolved is not None and since <= resolved <= today
                or withdrawn is not None and since <= withdrawn <= today)

    def people(self, record: Record) -> People:
        """The row's people; a mistyped address is reported once, not used."""
        p = self.partnership
        found = people_on(record, business_support=p.email.business_support,
                          partnership_manager=p.email.partnership_manager)
        for problem in found.mistyped:
            if problem not in self._reported:
                self._reported.add(problem)
                self.plan.problems.append(problem)
        return found

    def acting(self, people: People, step: Step) -> list[str]:
        """Who acts at ``step``, as the procedure names them; the raiser, then business support,
        when the row gives none of their addresses. Until the row names whoever the challenge was
        escalated to, the raiser's line manager, who escalated it, is chased in their place."""
        named = people.addresses
        acts = [STANDS_IN.get(p, p) if not named.get(p) else p for p in step.acts]
        return addresses(acts, named) or addresses(["raiser"], named) or [self.partnership.email.business_support]

    # Which emails a row owes follows from where it stands and from which of the people it names
    # are there and which of them share an address (the keys compare addresses without case). So for
    # every row standing in the same place with people in the same pattern, the emails' keys are the
    # same but for the reference and the addresses: worked out in full for the first such row, they
    # are kept as templates. A later row all of whose keys are already in the Reminders tab (the usual
    # row on the usual day) is counted as already sent without composing anything; any other row is
    # planned in full. ``short_cut = False`` plans every row in full (tests compare the two).
    short_cut = True

    def plan_owing(self, tab: str, procedure: Procedure, standing: Standing, owing: list[int],
                   placed: Mapping[int, Position]) -> None:
        """Plan the emails of the rows that may owe one (``owing``: places in ``standing``), in order.

        Rows are grouped by where they stand and the pattern of their people. The first row of a
        group not met before is planned dry, leaving its emails' keys as templates; then every
        row's keys are made from the templates and looked up in the Reminders tab's keys a whole
        group at a time, and only the rows with a key not found are planned in full, in order.
        """
        table, kept, all_dates = standing.table, standing.kept, standing.dates
        # Each owing row's addresses, as the pattern they make (None: one is mistyped).
        rows = list(map(kept.__getitem__, owing))
        columns = _person_columns(tab)
        pick = _picker(rows)
        cells = list(zip(*map(pick, map(table.column, columns)))) if columns else [()] * len(rows)
        patterns = self._patterns.setdefault(tab, {})
        for typed in set(cells).difference(patterns):
            patterns[typed] = self._people_pattern(typed)
        found = list(map(patterns.__getitem__, cells))
        dates = list(map(all_dates.__getitem__, owing))
        where = list(map(placed.__getitem__, map(id, dates)))
        in_full: list[int] = []
        if self.short_cut:
            pattern_of = {typed: people and people[0] for typed, people in patterns.items()}
            groups: defaultdict[tuple[int, tuple[int, ...] | None], list[int]] = defaultdict(list)
            for k, signature in enumerate(zip(map(id, where), map(pattern_of.__getitem__, cells))):
                groups[signature].append(k)
            for signature in [s for s in groups if s[1] is None]:  # a mistyped address: planned in full
                in_full.extend(groups.pop(signature))
            for signature, ks in groups.items():
                if signature not in self._owed:
                    k = ks[0]
                    self._dry = True
                    try:
                        self.plan_row(tab, procedure, TableRow(table, rows[k], dates[k]), where[k], found[k])
                    finally:
                        self._dry = False
            in_full.extend(self._sent_already(tab, table, rows, found, groups))
            in_full.sort()
        else:
            in_full = list(range(len(rows)))
        for k in in_full:
            self.plan_row(tab, procedure, TableRow(table, rows[k], dates[k]), where[k], found[k])

    def _sent_already(self, tab: str, table: Table, rows: list[int], found: list, groups: Mapping) -> list[int]:
        """Of the grouped rows (by place and pattern of people, each group's templates known from its
        first row), those some of whose emails' keys are not in the Reminders tab. The others are
        counted as already sent, and any stuck among them goes in the digest."""
        references = table.column(REFERENCE)
        head_of = _where(tab, "")
        wheres = list(map(head_of.__add__, map(str.strip, map(references.__getitem__, rows))))
        lowered = [people[1] if people is not None else None for people in found]
        sent, already, stuck = self.sent, self.already_sent, self.stuck
        # A key is its reference then "|": with no "|" in any reference, different rows' keys differ, and
        # differ from the rows' planned in full, so they are counted rather than kept.
        count_only = "|" not in "".join(wheres)
        left: list[int] = []
        for signature, ks in groups.items():
            owed = self._owed.get(signature)
            if owed is None:  # an email to someone not on the row: planned in full
                left.extend(ks)
                continue
            templates, stuck_entry = owed
            pick = _picker(ks)
            where, people = pick(wheres), pick(lowered)
            ok = [True] * len(ks)
            keys = []
            for head, slot, tail in templates:
                made = list(map("".join, zip(where, repeat(head), map(itemgetter(slot), people), repeat(tail))))
                ok = list(map(and_, ok, map(sent.__contains__, made)))
                keys.append(made)
            if count_only:
                self.already_counted += len(keys) * ok.count(True)
            else:
                for made in keys:
                    already.update(compress(made, ok))
            if stuck_entry is not None:
                stuck.extend(zip(repeat(tab), map(str.strip, map(references.__getitem__, compress(pick(rows), ok))),
                                 *map(repeat, stuck_entry)))
            left.extend(compress(ks, map(not_, ok)))
        return left

    def plan_row(self, tab: str, procedure: Procedure, row: ReadRow | TableRow, pos: Position,
                 people: tuple[tuple[int, ...], list[str]] | None = None) -> None:
        """Plan the emails one row owes, in full; the first row of its place and pattern of people
        (``people``, from ``_people_pattern``) leaves its emails' keys as templates for the rest."""
        if people is None:  # a mistyped address, reported by row: planned in full
            self._plan_row(tab, procedure, row, pos)
            return
        pattern, lowered = people
        signature = (id(pos), pattern)
        recorded: list[tuple[str, str, str]] = []
        self._recording, self._stuck_entry = recorded, None
        try:
            # Planned dry, only the keys count: the row's people are its addresses in lower case, as the keys have them.
            self._plan_row(tab, procedure, row, pos, self._people_of(tab, lowered) if self._dry else None)
        finally:
            self._recording = None
        if signature not in self._owed and all(to in lowered for _, to, _ in recorded):
            templates = dict.fromkeys((head, lowered.index(to), tail) for head, to, tail in recorded)
            self._owed[signature] = (tuple(templates), self._stuck_entry)

    def _people_pattern(self, typed: tuple[str | None, ...]) -> tuple[tuple[int, ...], list[str]] | None:
        """A row's addresses (its ``_person_columns`` cells) and the partnership's, as
        ``sheets.rows.people_on`` reads them, in lower case (blank when not given), and their
        pattern: for each, the first place its address is found (-1 when blank). None when an
        address is mistyped."""
        found: tuple[tuple[int, ...], list[str]] | None
        lowered = [self._partnership_addresses[0], self._partnership_addresses[1]]
        for value in typed:
            value = (value or "").strip()
            if value and not EMAIL_ADDRESS.match(value):
                found = None
                break
            lowered.append(value.lower())
        else:
            found = tuple(lowered.index(a) if a else -1 for a in lowered), lowered
        return found

    def _people_of(self, tab: str, lowered: list[str]) -> People:
        """The people ``_people_pattern`` found (``lowered``: the partnership's addresses, then the row's
        ``_person_columns`` cells), as ``people`` gives them but in lower case."""
        named = {"business_support": (lowered[0],), "partnership_manager": (lowered[1],)}
        named.update((person, (address,)) for person, address in zip(PERSON_COLUMNS.get(tab, ()), lowered[2:])
                     if address)
        return People(named)

    def _plan_row(self, tab: str, procedure: Procedure, row: ReadRow, pos: Position,
                  people: People | None = None) -> None:
        """Plan the row's emails in full (``people``: the row's, if already known)."""
        reference, p = row.reference, self.partnership
        url = partial(mail.link, self.base_url, p, tab, reference)  # composed only when an email is due
        number = pos.step.number
        if people is None:
            people = self.people(row.record)
        for due in notices.events(p, tab, procedure, row, pos, people, self.today, self.base_url):
            self.add(due.kind, tab, reference, due.step, due.to, due.due, due.compose)
        if not pos.is_open:
            return
        reporting = procedure.reporting_step
        if reporting is not None and number >= reporting.number:
            to = p.email.business_support
            due = pos.timeline[reporting.number - 1].conclude_by
            self.add(THRESHOLD, tab, reference, reporting.number, to, due,
                     lambda: mail.threshold(p, tab, reference, pos, reporting, to, url()))
        if pos.status == "due soon":
            for to in self.acting(people, pos.step):
                self.add(DUE_SOON, tab, reference, number, to, pos.conclude_by,
                         lambda: mail.due_soon(p, tab, reference, pos, to, url()))
        elif pos.status == "overdue":
            self.plan_overdue(tab, procedure, row, pos, people, url)

    def plan_overdue(self, tab: str, procedure: Procedure, row: ReadRow, pos: Position, people: People,
                     url: Callable[[], str]) -> None:
        """The first working day after the deadline: escalate (if there is a next step) and overdue;
        then an overdue reminder every ``overdue_every`` working days until the step moves on."""
        reference, p = row.reference, self.partnership
        late_by = self.calendar.working_days_between(pos.conclude_by, self.today)
        if late_by < 1:
            return
        acting = self.acting(people, pos.step)
        if late_by > procedure.stuck_after:
            self._stuck_entry = (f"{procedure.step_label} {pos.step.number}", pos.step.role, late_by)
            if not self._dry:
                self.stuck.append((tab, reference, *self._stuck_entry))
        repeat = (late_by - 1) // self.settings.overdue_every + 1
        escalated: list[str] = []
        if pos.next_step is not None:
            # Those the step names, and those who act at the next step, are prompted to escalate.
            escalated = addresses([*pos.step.acts, *pos.step.told, *pos.next_step.acts], people.addresses) or acting
            for to in escalated:
                self.add(ESCALATE, tab, reference, pos.step.number, to, pos.conclude_by,
                         lambda: mail.escalate(p, tab, reference, pos, to, url(), self.today))
        for to in acting:
            # The escalate email already tells its recipients the step is overdue.
            if repeat == 1 and to.lower() in (e.lower() for e in escalated):
                continue
            # Its words say how many reminders came before: counted only when it is to be sent.
            self.add(OVERDUE, tab, reference, pos.step.number, to, pos.conclude_by,
                     lambda: mail.overdue(p, tab, reference, pos, to, url(),
                                          self.overdue_sent(tab, reference, pos.step.number, to) + 1), repeat)

    def plan_stuck(self) -> None:
        """The weekly digest of stuck challenges, to business support and the partnership manager."""
        day = digest_day(self.partnership, self.today)
        if day is None or not self.stuck:
            return
        stuck = self.stuck
        p = self.partnership
        for to in dict.fromkeys((p.email.business_support, p.email.partnership_manager)):
            # Sorted only when the digest is composed: most days it was already sent.
            self.add(STUCK, "", "", None, to, day, lambda: mail.stuck(p, sorted(stuck, key=lambda s: (-s[4], s[1])),
                                                                      self.today, to, self.base_url))

    def plan_repeated(self, standing: Standing) -> None:
        """Durham: an agency sent ``repeated_challenges`` compliance challenges within the window is
        flagged to the business manager, once for each challenge that keeps it at or over the count."""
        settings, p = self.settings, self.partnership
        since = self.today - dt.timedelta(days=settings.repeated_window_days)
        by_agency: dict[str, list[ReadRow | TableRow]] = defaultdict(list)
        for j, (agency, dates) in enumerate(zip(standing.column(AGENCY), standing.dates)):
            agency = agency.strip()
            if agency and since < dates.raised_on <= self.today and dates.withdrawn_on is None:
                by_agency[agency.casefold()].append(standing.row(j))
        for group in by_agency.values():
            if len(group) < settings.repeated_challenges:
                continue
            group.sort(key=lambda r: (r.dates.raised_on, r.reference))
            latest = group[-1]
            agency = latest.record[AGENCY].strip()
            to = p.email.partnership_manager
            self.add(REPEATED, COMPLIANCE, latest.reference, None, to, latest.dates.raised_on,
                     lambda: mail.repeated_agency(p, agency, [r.reference for r in group],
                                                  settings.repeated_window_days, to, self.base_url))


# ---------------------------------------------------------------------------------------------
# The run: one read, the sends, one append, one update.

Send = Callable[[Email], None]


def job_tabs(partnership: Partnership) -> list[str]:
    """The tabs a run reads."""
    return [CHALLENGES, REMINDERS] + ([COMPLIANCE] if partnership.compliance_procedure else [])


def run_reminders(workbook: Workbook, partnership: Partnership, today: dt.date, *, send: Send,
                  dry_run: bool = False, base_url: str, journal: SentJournal | None = None,
                  tables: Mapping[str, Table] | None = None, max_failures: int = 3,
                  now: Callable[[], dt.datetime] = dt.datetime.now) -> RunResult:
    """Send today's reminders for one partnership and bring its job columns up to date.

    ``journal`` is the write-ahead sent journal (``notify.journal``): each email is noted
    before it is sent and again once sent, so a crash before the Reminders tab is written
    loses no record of it, and one cut off mid-send is sent again (same Message-ID) by the
    next run. After ``max_failures`` sends fail in a row (the mail server is down) the rest
    are left for the next run rather than each waiting for its own timeout. ``tables`` may
    be passed when already read (one read for the whole job).
    """
    if tables is None:
        tables = workbook.read_all(job_tabs(partnership))
    reminders = tables.get(REMINDERS)
    if reminders is not None and reminders.count and REMINDER_KEY not in reminders.headers:
        # Without the keys every reminder would look unsent: refuse rather than email everyone again.
        raise SheetError(f"The {REMINDERS} tab has no \"{REMINDER_KEY}\" column, so the job cannot tell which "
                         f"emails were already sent; put the column back (`flask sheet check` shows what is "
                         f"missing). Nothing was sent.")
    pending = journal.sent_rows() if journal is not None else []
    in_flight = set(journal.in_flight()) if journal is not None else set()
    plan = plan_reminders(partnership, tables, today, base_url=base_url, also_sent=[r[REMINDER_KEY] for r in pending],
                          real_today=now().date())
    result = RunResult(partnership.slug, plan.scanned, [], [], [], plan.problems, plan.already_sent, dry_run)
    if dry_run:
        result.would_send = plan.reminders
        return result

    failures_in_a_row = 0
    for reminder in plan.reminders:
        if failures_in_a_row >= max_failures:
            result.not_attempted.append(reminder)
            continue
        row = reminder.log_row(now())
        key = row[REMINDER_KEY]
        if journal is not None:
            journal.intent(row)
        try:
            send(reminder.email)
        except EmailFailed as e:
            if journal is not None:
                journal.result(key, False)
            result.failed.append((reminder, str(e)))
            failures_in_a_row += 1
            continue
        if journal is not None:
            journal.result(key, True)
        if key in in_flight:
            result.resent += 1
        in_flight.discard(key)
        failures_in_a_row = 0
        pending.append(row)
        result.sent.append(reminder)

    to_log: list[dict[str, str]] = []
    if pending:
        logged = notices.sent_keys(tables.get(REMINDERS))
        to_log = [row for row in pending if row[REMINDER_KEY] not in logged]
    if to_log:
        workbook.append(REMINDERS, to_log)
    if journal is not None:
        # Logged now; and an interrupted email no longer due is not sent again.
        journal.forget([row[REMINDER_KEY] for row in pending] + sorted(in_flight))

    updates = {tab: {ref: dict(change) for ref, change in rows.items()} for tab, rows in plan.updates.items()}
    for reminder in result.sent:
        if updates_row(reminder):
            updates.setdefault(reminder.tab, {}).setdefault(reminder.reference, {})[LAST_REMINDER] = format_date(today)
    if updates:
        workbook.update(updates)
    return result
