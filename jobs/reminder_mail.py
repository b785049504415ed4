"""The words of the job's emails: reference, step, deadline and a link, never case detail.

Pure functions from what the job worked out to an ``Email``; nothing here reads a row's
free-text columns (names, case reference, the decision challenged, the outcome).
"""
from __future__ import annotations

import datetime as dt
import html
from urllib.parse import quote

from notify import Email
from procedures import Position, Procedure, Step
from procedures.config import Partnership
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
    text_parts = list(paragraphs)
    html_parts = [f"<p>{html.escape(p)}</p>" for p in paragraphs]
    if url:
        text_parts.append(f"Open it: {url}")
        html_parts.append(f'<p><a href="{html.escape(url)}">Open {html.escape(subject.split(":")[0])}</a></p>')
    text_parts.append(footer)
    html_parts.append(f'<p style="color:#505a5f">{html.escape(footer)}</p>')
    return Email(to=to, subject=subject, text="\n\n".join(text_parts) + "\n", html="\n".join(html_parts),
                 reply_to=partnership.email.business_support)


def due_soon(partnership: Partnership, tab: str, reference: str, pos: Position, to: str, url: str) -> Email:
    p, step = pos.procedure, pos.step
    return compose(partnership, to, f"{reference}: {p.step_label} {step.number} is due by {display_date(pos.conclude_by)}", [
        f"{what(tab)} {reference} is at {step_title(p, step)}.",
        f"Who acts: {step.role}.",
        f"This {p.step_label.lower()} is due to conclude by {display_date(pos.conclude_by)}. "
        f"Record its outcome by then, or escalate it.",
    ], url)


def overdue(partnership: Partnership, tab: str, reference: str, pos: Position, to: str, url: str,
            repeat: int) -> Email:
    p, step = pos.procedure, pos.step
    again = f" (reminder {repeat})" if repeat > 1 else ""
    return compose(partnership, to, f"{reference}: {p.step_label} {step.number} is overdue{again}", [
        f"{what(tab)} {reference} is at {step_title(p, step)}.",
        f"Who acts: {step.role}.",
        f"This {p.step_label.lower()} was due to conclude by {display_date(pos.conclude_by)} and no outcome "
        f"has been recorded. Record the outcome, or escalate it.",
    ], url)


def escalate(partnership: Partnership, tab: str, reference: str, pos: Position, to: str, url: str) -> Email:
    p, step, nxt = pos.procedure, pos.step, pos.next_step
    assert nxt is not None
    planned = pos.timeline[nxt.number - 1]
    by_when = []
    if planned.start_by:
        by_when.append(f"start by {display_date(planned.start_by)}")
    if planned.conclude_by:
        by_when.append(f"conclude by {display_date(planned.conclude_by)}")
    return compose(partnership, to, f"{reference}: escalate to {p.step_label} {nxt.number}", [
        f"{what(tab)} {reference} was due to conclude {p.step_label} {step.number} ({step.name}) "
        f"by {display_date(pos.conclude_by)} and has not been resolved.",
        f"The next {p.step_label.lower()} is {step_title(p, nxt)}.",
        f"Who acts: {nxt.role}.",
        f"By when: {' and '.join(by_when)}." if by_when else "By when: as soon as possible (the procedure sets no date).",
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
             url: str) -> Email:
    p = pos.procedure
    return compose(partnership, to, f"{reference}: resolved", [
        f"{what(tab)} {reference}, which you raised, was resolved at {step_title(p, pos.step)} "
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
