"""The words of every email about a challenge: reference, step, dates and a link, never case detail.

Pure functions from what the job or a page worked out to an ``Email``; nothing here reads a
row's free-text columns (the case reference, the decision challenged, the outcome). The one
thing a person is told beyond that is who raised a challenge with them, from which agency.
Every date is said as it stands on the day the email is written: a date already passed is
said as passed.
"""
from __future__ import annotations

import datetime as dt
import html
from urllib.parse import quote

from notify import Email
from procedures import Position, Procedure, Step
from partnership.config import Partnership
from procedures.values import display_date
from sheets.base import Problem
from sheets.schema import COMPLIANCE

FOOTER = ("This email comes from {name}'s professional challenge tracker. It carries no case detail: "
          "follow the link and sign in to see the challenge.")


def link(base_url: str, partnership: Partnership, tab: str, reference: str) -> str:
    """The page of one challenge: BASE_URL/<slug>/challenges/<reference> (or /compliance/)."""
    path = "compliance" if tab == COMPLIANCE else "challenges"
    return f"{base_url.rstrip('/')}/{partnership.slug}/{path}/{quote(reference, safe='')}"


def what(tab: str) -> str:
    return "Compliance challenge" if tab == COMPLIANCE else "Professional challenge"


def step_title(procedure: Procedure, step: Step) -> str:
    return f"{procedure.step_label} {step.number}: {step.name}"


def compose(partnership: Partnership, to: str, subject: str, paragraphs: list[str], url: str | None) -> Email:
    """An email with the same paragraphs as plain text and as HTML, and the link last."""
    footer = FOOTER.format(name=partnership.name)
    paragraphs = [p for p in paragraphs if p]
    text_parts = list(paragraphs)
    html_parts = [f"<p>{html.escape(p)}</p>" for p in paragraphs]
    if url:
        text_parts.append(f"Open it: {url}")
        html_parts.append(f'<p><a href="{html.escape(url)}">Open {html.escape(subject.split(":")[0])}</a></p>')
    text_parts.append(footer)
    html_parts.append(f'<p style="color:#505a5f">{html.escape(footer)}</p>')
    return Email(to=to, subject=subject, text="\n\n".join(text_parts) + "\n", html="\n".join(html_parts),
                 reply_to=partnership.email.business_support)


def by(verb: str, day: dt.date | None, today: dt.date) -> str:
    """"conclude by Friday 4 December 2026", or "was due to conclude by ..." once that day has passed."""
    if day is None:
        return ""
    return f"was due to {verb} by {display_date(day)}" if day < today else f"{verb} by {display_date(day)}"


def step_dates(pos: Position, number: int, today: dt.date) -> str:
    """When a step should start and conclude, as a sentence: "It should start by ... and conclude by ...";
    a date already passed is said as passed ("It was due to start by Friday 20 November 2026 ...")."""
    planned = pos.timeline[number - 1]
    parts = []
    if planned.start_by and not planned.started:
        parts.append(("start", planned.start_by))
    if planned.conclude_by:
        parts.append(("conclude", planned.conclude_by))
    if not parts:
        return f"The procedure sets no date for this {pos.procedure.step_label.lower()}."
    said = [f"{'was due to' if day < today else 'should'} {verb} by {display_date(day)}" for verb, day in parts]
    if len(said) == 2 and said[0].split(" ", 1)[0] == said[1].split(" ", 1)[0] == "should":
        said[1] = said[1].removeprefix("should ")
    return f"It {' and '.join(said)}."


def due_soon(partnership: Partnership, tab: str, reference: str, pos: Position, to: str, url: str) -> Email:
    p, step = pos.procedure, pos.step
    return compose(partnership, to, f"{reference}: {p.step_label} {step.number} is due by {display_date(pos.conclude_by)}", [
        f"{what(tab)} {reference} is at {step_title(p, step)}.",
        f"Who acts: {step.role}.",
        f"This {p.step_label.lower()} is due to conclude by {display_date(pos.conclude_by)}. "
        f"Record its outcome by then, or escalate it.",
    ], url)


def overdue(partnership: Partnership, tab: str, reference: str, pos: Position, to: str, url: str,
            number: int) -> Email:
    """``number`` counts the overdue reminders for this step this person was already sent, plus one."""
    p, step = pos.procedure, pos.step
    again = f" (reminder {number})" if number > 1 else ""
    return compose(partnership, to, f"{reference}: {p.step_label} {step.number} is overdue{again}", [
        f"{what(tab)} {reference} is at {step_title(p, step)}.",
        f"Who acts: {step.role}.",
        f"This {p.step_label.lower()} was due to conclude by {display_date(pos.conclude_by)} and no outcome "
        f"has been recorded. Record the outcome, or escalate it.",
    ], url)


def escalate(partnership: Partnership, tab: str, reference: str, pos: Position, to: str, url: str,
             today: dt.date) -> Email:
    p, step, nxt = pos.procedure, pos.step, pos.next_step
    assert nxt is not None
    return compose(partnership, to, f"{reference}: escalate to {p.step_label} {nxt.number}", [
        f"{what(tab)} {reference} was due to conclude {p.step_label} {step.number} ({step.name}) "
        f"by {display_date(pos.conclude_by)} and has not been resolved.",
        f"The next {p.step_label.lower()} is {step_title(p, nxt)}.",
        f"Who acts: {nxt.role}.",
        step_dates(pos, nxt.number, today),
    ], url)


def threshold(partnership: Partnership, tab: str, reference: str, pos: Position, reporting: Step, to: str,
              url: str) -> Email:
    p = pos.procedure
    due = pos.timeline[reporting.number - 1].conclude_by
    lines = [
        f"{what(tab)} {reference} has reached {step_title(p, reporting)}, the point at which it is "
        f"reported to the partnership.",
        f"It is now at {p.step_label} {pos.step.number}; who acts: {pos.step.role}.",
    ]
    if due:
        lines.append(f"{p.step_label} {reporting.number} is due to conclude by {display_date(due)}.")
    return compose(partnership, to, f"{reference}: reporting threshold reached ({p.step_label} {reporting.number})",
                   lines, url)


def resolved(partnership: Partnership, tab: str, reference: str, pos: Position, resolved_on: dt.date, to: str,
             url: str, *, raiser: bool = True) -> Email:
    p = pos.procedure
    whose = ", which you raised," if raiser else ""
    return compose(partnership, to, f"{reference}: resolved", [
        f"{what(tab)} {reference}{whose} was resolved at {step_title(p, pos.step)} "
        f"on {display_date(resolved_on)}.",
        "The outcome is recorded on the challenge: follow the link to read it.",
    ], url)


def compliance_copy(partnership: Partnership, reference: str, pos: Position, raised_on: dt.date, agency: str,
                    to: str, url: str) -> Email:
    p = pos.procedure
    lines = [f"Compliance challenge {reference} was sent on {display_date(raised_on)}"
             + (f" to {agency}." if agency else "."),
             f"It is at {step_title(p, pos.step)}."]
    if pos.overall_due:
        lines.append(f"The whole process should be complete by {display_date(pos.overall_due)}.")
    return compose(partnership, to, f"{reference}: compliance challenge sent (copy for the business manager)",
                   lines, url)


def repeated_agency(partnership: Partnership, agency: str, references: list[str], window_days: int, to: str,
                    base_url: str) -> Email:
    lines = [f"{agency} has received {len(references)} compliance challenges in the last {window_days} days, "
             f"which reaches the partnership's threshold of {partnership.reminders.repeated_challenges}.",
             "Consider raising it with the appropriate board member. The challenges:"]
    lines += [f"{ref}: {link(base_url, partnership, COMPLIANCE, ref)}" for ref in references]
    return compose(partnership, to, f"Repeated compliance challenges to {agency}", lines, None)


def problems(partnership: Partnership, found: list[Problem], today: dt.date, to: str) -> Email:
    lines = [f"The daily job on {display_date(today)} could not read {len(found)} "
             f"thing{'s' if len(found) != 1 else ''} in {partnership.name}'s spreadsheet. "
             "The rows named below were skipped (no reminders, no status) until they are corrected; "
             "every other row was processed."]
    lines += [str(problem) for problem in found]
    return compose(partnership, to, f"{partnership.name}: rows to correct in the spreadsheet", lines, None)


WHAT_IT_IS = ("A professional challenge is how practitioners in different agencies resolve a disagreement about "
              "a decision that affects a child's or an adult's safety. It is not a complaint: it asks you to talk "
              "it through together and, if you cannot agree, it goes step by step to your managers and then to "
              "the safeguarding partnership.")


def raised_with_you(partnership: Partnership, tab: str, reference: str, pos: Position, raiser: str, agency: str,
                    to: str, url: str, today: dt.date) -> Email:
    """To the people the first step names: a challenge was raised, by whom, and what happens first."""
    p, step = pos.procedure, pos.step
    who = raiser + (f" ({agency})" if agency else "") if raiser else "A professional"
    return compose(partnership, to, f"{reference}: a {what(tab).lower()} has been raised with you", [
        f"{who} has raised {what(tab).lower()} {reference} through {partnership.name}, and you are named "
        f"at its first {p.step_label.lower()}.",
        WHAT_IT_IS if tab != COMPLIANCE else "",
        f"It is at {step_title(p, step)}. Who acts: {step.role}.",
        step_dates(pos, step.number, today),
    ], url)


def raised_confirmation(partnership: Partnership, tab: str, reference: str, pos: Position, to: str, url: str,
                        today: dt.date) -> Email:
    """To the raiser: the challenge is recorded, its reference, and what happens first."""
    p, step = pos.procedure, pos.step
    return compose(partnership, to, f"{reference}: your {what(tab).lower()} is recorded", [
        f"Your {what(tab).lower()} is recorded with reference {reference}.",
        f"It is at {step_title(p, step)}. Who acts: {step.role}.",
        step_dates(pos, step.number, today),
        "The people named at this step have been told. You will be reminded as deadlines come near.",
    ], url)


def escalated(partnership: Partnership, tab: str, reference: str, pos: Position, started: dt.date, to: str,
              url: str, today: dt.date) -> Email:
    """To the people a step names, when a challenge reaches it."""
    p, step = pos.procedure, pos.step
    return compose(partnership, to, f"{reference}: now at {p.step_label} {step.number}", [
        f"{what(tab)} {reference} reached {step_title(p, step)} on {display_date(started)}, "
        f"and you are named at this {p.step_label.lower()}.",
        f"Who acts: {step.role}.",
        step_dates(pos, step.number, today),
    ], url)


def withdrawn(partnership: Partnership, tab: str, reference: str, pos: Position, withdrawn_on: dt.date, to: str,
              url: str) -> Email:
    p = pos.procedure
    return compose(partnership, to, f"{reference}: withdrawn", [
        f"{what(tab)} {reference} was withdrawn at {step_title(p, pos.step)} on {display_date(withdrawn_on)}.",
        "Nothing more is needed from you.",
    ], url)


def stuck(partnership: Partnership, rows: list[tuple[str, str, str, str, int]], today: dt.date, to: str,
          base_url: str) -> Email:
    """The weekly digest of challenges overdue by more than the procedure's ``stuck_after``:
    rows of (tab, reference, step, who acts, working days overdue)."""
    lines = [f"{len(rows)} challenge{'s are' if len(rows) != 1 else ' is'} overdue by more than the procedure "
             f"allows before a challenge counts as stuck, on {display_date(today)}. Each needs someone to act "
             "or to escalate it:"]
    for tab, reference, step, acts, late in rows:
        lines.append(f"{reference} ({what(tab).lower()}): {step}; who acts: {acts}; {late} working "
                     f"day{'s' if late != 1 else ''} overdue. {link(base_url, partnership, tab, reference)}")
    return compose(partnership, to, f"{partnership.name}: {len(rows)} stuck challenge{'s' if len(rows) != 1 else ''}",
                   lines, None)
