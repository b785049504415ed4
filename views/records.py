"""What the pages read and write, in the partnership's spreadsheet, through the Workbook interface.

Views call these domain-named functions; they never build spreadsheet calls themselves.
"""
from __future__ import annotations

import datetime as dt
import math
import secrets
import uuid
from dataclasses import asdict, dataclass
from typing import Callable, Iterable, Mapping

from flask import Blueprint, current_app, g, render_template, request
from werkzeug.exceptions import NotFound

from notify import Email, EmailFailed, notices, send_email, send_kept_email
from procedures import ChallengeDates, Position, Procedure, position
from partnership.config import Partnership
from procedures.values import format_date, parse_date
from sheets.base import Problem, Record, SheetUnavailable, UnknownReference, Workbook
from sheets.rows import ReadRow, people_on, read_dates
from sheets.schema import (
    AGENCIES, DEFAULT_THEMES, HAPPENED_ON, HISTORY, IROS, MOVES, RAISED_ON, REFERENCE, REFERENCED_TABS, REMINDER_KEY,
    STEP, SUBMISSION_ID, THEMES, HistoryTab,
)
from notify.journal import SentJournal
from sheets import pending
from state import store_for
from views.auth import User
from views.formatting import history_time, now as formatting_now, today as local_today
from views.lists_cache import lists_table
from views.partnership import partnership_in_url

# Used only until business support fill in the Agencies column of the Lists tab.
DEFAULT_AGENCIES = (
    "Children's social care",
    "Adult social care",
    "Police",
    "Health",
    "Education",
    "Probation",
    "Voluntary and community sector",
    "Other",
)

# No 0/O, 1/I/L: a reference is read aloud and typed from paper.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Lists:
    agencies: tuple[str, ...]
    themes: tuple[str, ...]
    iros: tuple[str, ...] = ()  # addresses, lower case

    def sends_compliance(self, user: User) -> bool:
        """Whether ``user`` is offered the compliance form: business support, and the IROs once
        any are listed (until then, everyone who may raise a challenge)."""
        if user.role == "responder":
            return False
        return user.is_business_support or not self.iros or user.email in self.iros


@dataclass(frozen=True)
class Saved:
    """What happened to a submission."""

    reference: str
    pending: bool = False   # kept in the state store: the spreadsheet could not be reached; written shortly
    repeated: bool = False  # the same form was sent again; the first one stands
    email_failed: bool = False


def workbook(partnership: Partnership) -> Workbook:
    """The partnership's workbook for a page: a copy of the sheet it is shown because the quota
    was in use is noted (``shown_stale``), for the page to say how old it is."""
    from sheets.open import open_workbook
    return open_workbook(partnership, purpose="web", config=current_app.config, on_stale=shown_stale)


def shown_stale(age: float) -> None:
    """This page shows the sheet as it was ``age`` seconds ago (see ``sheet_age``)."""
    g.sheet_age = max(age, g.get("sheet_age", 0.0))


def sheet_age() -> dict[str, int | None]:
    """For every template: the minutes since the copy of the sheet this page shows was read,
    when it is an older copy shown because the quota was in use (``partials/stale.html``)."""
    age = g.get("sheet_age")
    return {"sheet_age_minutes": None if age is None else max(1, math.ceil(age / 60))}


def lists(partnership: Partnership) -> Lists:
    """The Lists tab's agencies and themes (cached: ``views.lists_cache``), or the defaults."""
    table = lists_table(partnership)
    records = table.records if table is not None else ()
    return Lists(_column(records, AGENCIES) or DEFAULT_AGENCIES, _column(records, THEMES) or DEFAULT_THEMES,
                 tuple(e.lower() for e in _column(records, IROS) if "@" in e))


def _column(records: Iterable[Record], column: str) -> tuple[str, ...]:
    values: list[str] = []
    for record in records:
        value = record[column].strip()
        if value and value not in values:
            values.append(value)
    return tuple(values)


# How long a submission's id is remembered, so the same form sent again is recorded once.
SUBMISSION_SECONDS = 30 * 86400


def new_reference(prefix: str, taken: Iterable[str] = ()) -> str:
    """``PREFIX-`` and six characters nobody misreads, not already used."""
    taken = set(taken)
    while True:
        reference = f"{prefix}-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        if reference not in taken:
            return reference


def history_row(tab: str, reference: str, action: str, step: int | str, by: str, details: str = "",
                now: dt.datetime | None = None, happened_on: dt.date | None = None) -> dict[str, str]:
    """One line of the append-only History tab: who did what to which challenge, when it was
    recorded, and the day it happened (which may be earlier)."""
    return {HistoryTab.WHEN: history_time(now or dt.datetime.now(dt.timezone.utc)), REFERENCE: reference,
            HistoryTab.TAB: tab, HistoryTab.ACTION: action, STEP: str(step), HistoryTab.BY: by,
            HistoryTab.DETAILS: details,
            HAPPENED_ON: format_date(happened_on or local_today())}


def save_new(partnership: Partnership, tab: str, record: Mapping[str, str], *, submission_id: str, by: str,
             action: str, email_for: Callable[[str], Email] | None = None, details: str = "") -> Saved:
    """Add a new challenge row (given its Reference here) and its History row, once per submission id.

    When the spreadsheet cannot be reached the submission is kept in the state store and written later.
    """
    config = current_app.config
    book = _open_and_catch_up(partnership)
    with pending.lock(config, partnership.slug):
        kept = pending.find(config, partnership.slug, submission_id)
        if kept:
            return Saved(kept["reference"], pending=True, repeated=True)
        try:
            if book is None:
                raise SheetUnavailable("the spreadsheet could not be opened")
            # The same form sent twice (a double click, a resend): the state store knows it without
            # reading the sheet; only then is the sheet read, for the first one's reference.
            if not store_for(config).claim("submission", f"{partnership.slug}:{submission_id}", SUBMISSION_SECONDS):
                tables = book.read_all(REFERENCED_TABS)
                earlier = next((r for r in tables[tab].records if r[SUBMISSION_ID] == submission_id), None)
                if earlier:
                    return Saved(earlier.reference, repeated=True)
            # References are random (31^6 of them): unique across both challenge tabs, as far as the
            # rows last read show (a responder's link grants one reference); no read to check.
            reference = new_reference(partnership.reference_prefix, book.known_references(REFERENCED_TABS))
        except SheetUnavailable:
            book, reference = None, new_reference(partnership.reference_prefix)
        row = {**record, REFERENCE: reference, SUBMISSION_ID: submission_id}
        writes = [
            {"op": "append", "tab": tab, "rows": [row], "key": submission_id},
            {"op": "append", "tab": HISTORY, "rows": [history_row(tab, reference, action, row.get(STEP, ""), by,
                                                                  details)],
             "key": None},
        ]
        email = email_for(reference) if email_for else None
        if _write_or_keep(partnership, book, submission_id, reference, writes, email, keys_checked=True):
            return Saved(reference, pending=True)
    return Saved(reference, email_failed=not send(partnership, email) if email else False)


def change(partnership: Partnership, tab: str, reference: str, values: Mapping[str, str], *, by: str,
           action: str, step: int | str, details: str = "", happened_on: dt.date | None = None) -> bool:
    """Change named columns of one challenge and add its History row. True if kept for later."""
    return _record(partnership, reference, [
        {"op": "update", "changes": {tab: {reference: dict(values)}}},
        {"op": "append", "tab": HISTORY,
         "rows": [history_row(tab, reference, action, step, by, details, happened_on=happened_on)], "key": None},
    ])


def record_event(partnership: Partnership, tab: str, procedure: Procedure, challenge: "Challenge",
                 values: Mapping[str, str], *, by: str, action: str, step: int | str, happened_on: dt.date,
                 tell_kind: str | None = None, details: str = "") -> bool:
    """Record something that happened to a challenge (its columns and History row) and, once it is
    in the sheet, email at once the people the procedure names for it (``tell_kind``).
    True if kept for later (the job then sends the emails)."""
    kept = change(partnership, tab, challenge.reference, values, by=by, action=action, step=step, details=details,
                  happened_on=happened_on)
    if not kept and tell_kind:
        changed = Record(tab, challenge.record.row, {**challenge.record.values, **values})
        tell(partnership, tab, procedure, changed, [tell_kind])
    return kept


def note(partnership: Partnership, tab: str, reference: str, *, by: str, action: str, step: int | str,
         details: str, happened_on: dt.date | None = None) -> bool:
    """Add a History row only (a conversation, an Appendix A). True if kept for later."""
    return _record(partnership, reference, [
        {"op": "append", "tab": HISTORY,
         "rows": [history_row(tab, reference, action, step, by, details, happened_on=happened_on)], "key": None},
    ])


def tell(partnership: Partnership, tab: str, procedure: Procedure, record: Record, kinds: Iterable[str],
         today: dt.date | None = None) -> int:
    """Email at once the people the procedure names for what was just recorded (``kinds``: raised,
    escalated, resolved, withdrawn, compliance copy), and note each sent one in the Reminders tab
    so the daily job does not send it again. One that cannot be sent is left for the job.
    Returns how many were sent."""
    today = today or local_today()
    dates, _ = read_dates(record, procedure)
    if dates is None:
        return 0
    where = position(procedure, partnership.calendar, dates, today,
                     due_soon_days=partnership.reminders.due_soon_days)
    people = people_on(record, business_support=partnership.email.business_support,
                       partnership_manager=partnership.email.partnership_manager)
    wanted = set(kinds)
    dues = [d for d in notices.events(partnership, tab, procedure, ReadRow(record, dates), where, people, today,
                                      current_app.config["BASE_URL"], at_once=True) if d.kind in wanted]
    # Each is noted in the sent journal (the state store), as the daily job notes its own; the job's
    # one write puts them in the Reminders tab. So telling people costs the sheet no call.
    journal = SentJournal(store_for(current_app.config), partnership.slug)
    sent = 0
    for notice in notices.notices(dues, tab, record.reference, set()):
        row = notice.log_row(formatting_now().replace(tzinfo=None))
        journal.intent(row)
        delivered = send(partnership, notice.email)
        journal.result(row[REMINDER_KEY], delivered)
        sent += delivered
    return sent


def _record(partnership: Partnership, reference: str, writes: list[pending.Write]) -> bool:
    """Make the writes for a step recorded on an existing challenge, or keep them in the state store."""
    return _write_or_keep(partnership, _open_and_catch_up(partnership), uuid.uuid4().hex, reference, writes, None)


def _open_and_catch_up(partnership: Partnership) -> Workbook | None:
    """The workbook for a form's writes, with the answers kept earlier written first so that this
    one lands after them; None when it cannot be opened (the form's answers are kept too)."""
    try:
        book = workbook(partnership)
    except SheetUnavailable:
        return None
    write_kept(partnership, book)
    return book


def _write_or_keep(partnership: Partnership, book: Workbook | None, submission_id: str, reference: str,
                   writes: list[pending.Write], email: Email | None, *, keys_checked: bool = False) -> bool:
    config = current_app.config
    email_data = asdict(email) if email else None
    try:
        if book is None:
            raise SheetUnavailable("the spreadsheet could not be opened")
        # One write for all of them (the row's cells and its History row): all land or none.
        with book.batch():
            pending.apply(book, writes, keys_checked=keys_checked)
    except SheetUnavailable:
        pending.save(config, partnership.slug, submission_id, reference, writes, email_data)
        return True
    return False


def send(partnership: Partnership, email: Email) -> bool:
    """Send one email; False if it could not be sent (the page says so and offers to try again)."""
    try:
        send_email(email, from_address=partnership.email.from_address, config=current_app.config)
    except EmailFailed:
        current_app.logger.warning("email not sent: %s", email.subject)
        return False
    return True


def sheet_unavailable(error: SheetUnavailable):
    """The page shown when a page's reading of the spreadsheet fails: 503, saying whether answers were kept."""
    current_app.logger.warning("spreadsheet unavailable: %s", error)
    return render_template("partials/sheet_unavailable.html", partnership=partnership_in_url(),
                           posted=request.method == "POST"), 503


def row_gone(error: UnknownReference):
    """A write found no row with the challenge's Reference (deleted or renamed since the page was
    opened): 404, as for a reference that never was."""
    return NotFound().get_response()


def reads_the_sheet(bp: Blueprint) -> None:
    """Set up a blueprint whose pages read the spreadsheet: a clear 503 page when it cannot be
    reached, a 409 when a row needs correcting, a 404 when a row went meanwhile."""
    bp.register_error_handler(SheetUnavailable, sheet_unavailable)
    bp.register_error_handler(NeedsCorrecting, needs_correcting)
    bp.register_error_handler(UnknownReference, row_gone)


def write_kept(partnership: Partnership, book: Workbook) -> int:
    """Write the form answers kept for this partnership while its sheet was away, and send the
    email each was kept with (cheap when there are none). A form's own write calls it first; the
    daily job and ``flask jobs write-kept`` do too. Pages that only read never write."""
    config = current_app.config
    if not pending.waiting(config, partnership.slug):
        return 0
    try:
        return pending.flush_pending(config, partnership, book, on_written=lambda data: send_kept_email(
            data, from_address=partnership.email.from_address, config=config))
    except SheetUnavailable:
        return 0  # another worker is writing them; the form's own answers go on regardless


@dataclass(frozen=True)
class Challenge:
    """A challenge row as a page shows it: the record, its History, and where it stands."""

    record: Record
    history: tuple[Record, ...]
    position: Position | None
    problems: tuple[Problem, ...]

    @property
    def reference(self) -> str:
        return self.record.reference

    @property
    def is_open(self) -> bool:
        return self.position is not None and self.position.is_open

    def since_current_step(self) -> dict[str, object]:
        """A form's date bounds for an event on the current step: not before the day that step started,
        not after today where the partnership is."""
        where = self.position
        if where is None:
            return {"earliest": None, "earliest_what": "", "today": local_today}
        started = where.timeline[where.step.number - 1].started or where.day1
        label = where.procedure.step_label.lower()
        return {"earliest": started, "today": local_today,
                "earliest_what": f"the day {label} {where.step.number} started ({started:%d/%m/%Y})"}

    @property
    def raised_on(self) -> dt.date | None:
        """The date in the row's Raised on column (day 1 may be the next working day)."""
        try:
            return parse_date(self.record[RAISED_ON])
        except ValueError:
            return None


def find(partnership: Partnership, tab: str, reference: str, procedure: Procedure,
         today: dt.date | None = None) -> Challenge | None:
    """The challenge with this Reference in ``tab`` (one read of it and History), or None."""
    tables = workbook(partnership).read_all([tab, HISTORY])
    matches = [r for r in tables[tab].records if r.reference == reference]
    if not matches:
        return None
    record = matches[0]
    history = tuple(r for r in tables[HISTORY].records if r.reference == reference and r[HistoryTab.TAB] in (tab, ""))
    dates, problems = read_dates(record, procedure)
    if len(matches) > 1:
        # Which row is right is for a person to say: the challenge can only be read until then.
        rows = ", ".join(str(r.row) for r in matches)
        problems = [Problem(tab, None, REFERENCE, f"{reference} is on {len(matches)} rows ({rows}); references "
                                                  "must be unique"), *problems]
        dates = None
    where = None
    if dates is not None:
        dates = ChallengeDates(dates.raised_on, dates.step, dates.step_started, dates.resolved_on,
                               dates.withdrawn_on, earlier_starts=_step_starts(history, procedure, dates.step))
        where = position(procedure, partnership.calendar, dates, today or local_today(),
                         due_soon_days=partnership.reminders.due_soon_days)
    return Challenge(record, history, where, tuple(problems))


class NeedsCorrecting(Exception):
    """Something was sent about a challenge whose row cannot be acted on (a repeated Reference, a date
    that cannot be read): refused, nothing written, the answers shown again."""

    def __init__(self, challenge: Challenge):
        super().__init__(challenge.reference)
        self.challenge = challenge


def refuse_changes_if_needs_correcting(challenge: Challenge) -> None:
    """Call once the person may see the challenge: a form sent about a row that needs correcting is
    refused (409) with the problems and what they typed, never half-written."""
    if challenge.position is None and request.method == "POST":
        raise NeedsCorrecting(challenge)


# Form fields that are not answers: the page's own machinery.
_NOT_ANSWERS = frozenset({"csrf_token", "at_step", "submission_id", "submit"})


def needs_correcting(error: NeedsCorrecting):
    """The refusal page: what is wrong with the row, and every answer sent, to copy and send again."""
    partnership = partnership_in_url()
    answers = [(name.replace("_", " ").capitalize(), value) for name, values in request.form.lists()
               if name not in _NOT_ANSWERS for value in values if value.strip()]
    return render_template("partials/needs_correcting.html", partnership=partnership, challenge=error.challenge,
                           answers=answers), 409


def _step_starts(history: Iterable[Record], procedure: Procedure, current: int) -> dict[int, dt.date]:
    """When earlier steps started, from the History rows of moves to a step (the day each happened)."""
    starts: dict[int, dt.date] = {}
    for row in history:
        if row[HistoryTab.ACTION] not in MOVES:
            continue
        step = procedure.parse_step(row[STEP]) if row[STEP].strip() else None
        try:
            when = parse_date(row[HAPPENED_ON].strip() or row[HistoryTab.WHEN].strip()[:10])
        except ValueError:
            continue
        if step and when and step < current:
            starts[step] = when
    return starts
