"""The words of every email about a challenge: reference, step, dates and a link, never case detail.

Pure functions from what the job or a page worked out to an ``Email``; nothing here reads a
row's free-text columns (the case reference, the decision challenged, the outcome). The one
thing a person is told beyond that is who raised a challenge with them, from which agency.
Every date is said as it stands on the day the email is written: a date already passed is
said as passed.

The words are in templates/email, one template per kind (``kinds()``), each rendered as plain
text and as HTML from the same source (see templates/email/_email.jinja). Rendering needs no
Flask application: the daily job and the pages use the same environment.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from notify import Email
from procedures import Position, Procedure, Step
from partnership.config import Partnership
from procedures.values import display_date
from sheets.base import Problem
from sheets.schema import COMPLIANCE

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "email"
BREAK = "\u2028"  # a line break inside a paragraph, until the paragraphs are laid out
DOCUMENT = ('<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8" /><title>{title}</title></head>\n'
            '<body style="font-family:Arial,sans-serif;font-size:16px;line-height:1.5;color:#0b0c0c">\n'
            '{paragraphs}</body>\n</html>\n')
QUIET = ' style="color:#505a5f"'


def _keep_breaks(value):
    """A value's own line breaks stay inside its paragraph."""
    return value.replace("\n", BREAK) if isinstance(value, str) else value


@lru_cache(maxsize=None)
def environment(as_html: bool) -> jinja2.Environment:
    """The email templates' environment: plain text unescaped, HTML escaped; the same templates."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=as_html,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                             auto_reload=False, finalize=_keep_breaks)
    env.globals["br"] = BREAK
    env.filters["date"] = display_date
    env.filters["link"] = ((lambda url: Markup('<a href="{0}">{0}</a>').format(url)) if as_html
                           else (lambda url: url))
    return env


def kinds() -> list[str]:
    """Every kind of email: one template each in templates/email (the shared ones start with ``_``)."""
    return sorted(path.stem for path in TEMPLATES.glob("*.jinja") if not path.name.startswith("_"))


def _paragraphs(env: jinja2.Environment, kind: str, context: dict, subject: bool = False) -> tuple[str, list[str]]:
    """The kind's subject (if asked) and its paragraphs, then the closing ones: one a line, blank
    lines dropped. One rendering context serves every block (the job writes thousands)."""
    template = env.get_template(f"{kind}.jinja")
    ctx = template.new_context(context)
    body = "".join(template.blocks["body"](ctx))
    if context["closing"]:
        body += "".join(env.get_template("_closing.jinja").root_render_func(ctx))
    said = "".join(template.blocks["subject"](ctx)).strip() if subject else ""
    return said, [line for line in body.split("\n") if line.strip()]


def render(kind: str, *, closing: bool = True, **context) -> tuple[str, str, str]:
    """(subject, text, html) of the email ``kind``, from its one template: the same paragraphs
    as plain text and as a simple HTML document (language, title, Arial); ``closing``: end with
    _closing.jinja's link to the challenge and what the email is (the emails about a challenge)."""
    context["closing"] = closing
    context.setdefault("url", None)
    subject, plain = _paragraphs(environment(False), kind, context, subject=True)
    text = "\n\n".join(plain).replace(BREAK, "\n") + "\n"
    paragraphs = _paragraphs(environment(True), kind, context)[1]
    tags = ["<p>"] * len(paragraphs)
    if closing:
        tags[-1] = f"<p{QUIET}>"
    body = DOCUMENT.format(title=escape(subject), paragraphs="".join(
        f"{tag}{paragraph.replace(BREAK, '<br />' + chr(10))}</p>\n" for tag, paragraph in zip(tags, paragraphs)))
    return subject, text, body


def compose(partnership: Partnership, to: str, kind: str, url: str | None, **context) -> Email:
    """The email ``kind`` about a challenge to ``to``: its words from templates/email/<kind>.jinja,
    as plain text and as HTML, and replies going to the partnership's business support."""
    subject, text, body = render(kind, partnership=partnership, url=url, **context)
    return Email(to=to, subject=subject, text=text, html=body, reply_to=partnership.email.business_support)


def link(base_url: str, partnership: Partnership, tab: str, reference: str) -> str:
    """The page of one challenge: BASE_URL/<slug>/challenges/<reference> (or /compliance/)."""
    path = "compliance" if tab == COMPLIANCE else "challenges"
    return f"{base_url.rstrip('/')}/{partnership.slug}/{path}/{quote(reference, safe='')}"


def what(tab: str) -> str:
    return "Compliance challenge" if tab == COMPLIANCE else "Professional challenge"


def step_title(procedure: Procedure, step: Step) -> str:
    return f"{procedure.step_label} {step.number}: {step.name}"


def step_dates(pos: Position, number: int, today: dt.date) -> list[tuple[str, dt.date, bool]]:
    """When a step should start and conclude, as (verb, day, already passed) for the templates'
    ``step_dates`` sentence: "It should start by ... and conclude by ..."; a date already passed
    is said as passed ("It was due to start by Friday 20 November 2026 ...")."""
    planned = pos.timeline[number - 1]
    parts = []
    if planned.start_by and not planned.started:
        parts.append(("start", planned.start_by))
    if planned.conclude_by:
        parts.append(("conclude", planned.conclude_by))
    return [(verb, day, day < today) for verb, day in parts]


def about(tab: str, reference: str, pos: Position) -> dict:
    """What every email about one challenge says: what it is, its reference, its step."""
    return {"what": what(tab), "reference": reference, "label": pos.procedure.step_label, "step": pos.step,
            "compliance": tab == COMPLIANCE}


def due_soon(partnership: Partnership, tab: str, reference: str, pos: Position, to: str, url: str) -> Email:
    return compose(partnership, to, "due_soon", url, conclude_by=pos.conclude_by, **about(tab, reference, pos))


def overdue(partnership: Partnership, tab: str, reference: str, pos: Position, to: str, url: str,
            number: int) -> Email:
    """``number`` counts the overdue reminders for this step this person was already sent, plus one."""
    return compose(partnership, to, "overdue", url, conclude_by=pos.conclude_by, number=number,
                   **about(tab, reference, pos))


def escalate(partnership: Partnership, tab: str, reference: str, pos: Position, to: str, url: str,
             today: dt.date) -> Email:
    nxt = pos.next_step
    assert nxt is not None
    return compose(partnership, to, "escalate", url, conclude_by=pos.conclude_by, next=nxt,
                   dates=step_dates(pos, nxt.number, today), **about(tab, reference, pos))


def threshold(partnership: Partnership, tab: str, reference: str, pos: Position, reporting: Step, to: str,
              url: str) -> Email:
    return compose(partnership, to, "threshold", url, reporting=reporting,
                   due=pos.timeline[reporting.number - 1].conclude_by, **about(tab, reference, pos))


def resolved(partnership: Partnership, tab: str, reference: str, pos: Position, resolved_on: dt.date, to: str,
             url: str, *, raiser: bool = True) -> Email:
    return compose(partnership, to, "resolved", url, resolved_on=resolved_on, raiser=raiser,
                   **about(tab, reference, pos))


def compliance_copy(partnership: Partnership, reference: str, pos: Position, raised_on: dt.date, agency: str,
                    to: str, url: str) -> Email:
    return compose(partnership, to, "compliance_copy", url, raised_on=raised_on, agency=agency,
                   overall_due=pos.overall_due, **about(COMPLIANCE, reference, pos))


def repeated_agency(partnership: Partnership, agency: str, references: list[str], window_days: int, to: str,
                    base_url: str) -> Email:
    challenges = [(ref, link(base_url, partnership, COMPLIANCE, ref)) for ref in references]
    return compose(partnership, to, "repeated_agency", None, agency=agency, challenges=challenges,
                   window_days=window_days)


def problems(partnership: Partnership, found: list[Problem], today: dt.date, to: str) -> Email:
    return compose(partnership, to, "problems", None, found=[str(problem) for problem in found], today=today)


def raised_with_you(partnership: Partnership, tab: str, reference: str, pos: Position, raiser: str, agency: str,
                    to: str, url: str, today: dt.date) -> Email:
    """To the people the first step names: a challenge was raised, by whom, and what happens first."""
    return compose(partnership, to, "raised_with_you", url, raiser=raiser, agency=agency,
                   dates=step_dates(pos, pos.step.number, today), **about(tab, reference, pos))


def raised_confirmation(partnership: Partnership, tab: str, reference: str, pos: Position, to: str, url: str,
                        today: dt.date) -> Email:
    """To the raiser: the challenge is recorded, its reference, and what happens first."""
    return compose(partnership, to, "raised_confirmation", url, dates=step_dates(pos, pos.step.number, today),
                   **about(tab, reference, pos))


def escalated(partnership: Partnership, tab: str, reference: str, pos: Position, started: dt.date, to: str,
              url: str, today: dt.date) -> Email:
    """To the people a step names, when a challenge reaches it."""
    return compose(partnership, to, "escalated", url, started=started,
                   dates=step_dates(pos, pos.step.number, today), **about(tab, reference, pos))


def withdrawn(partnership: Partnership, tab: str, reference: str, pos: Position, withdrawn_on: dt.date, to: str,
              url: str) -> Email:
    return compose(partnership, to, "withdrawn", url, withdrawn_on=withdrawn_on, **about(tab, reference, pos))


def stuck(partnership: Partnership, rows: list[tuple[str, str, str, str, int]], today: dt.date, to: str,
          base_url: str) -> Email:
    """The weekly digest of challenges overdue by more than the procedure's ``stuck_after``:
    rows of (tab, reference, step, who acts, working days overdue)."""
    listed = [(reference, what(tab), step, acts, late, link(base_url, partnership, tab, reference))
              for tab, reference, step, acts, late in rows]
    return compose(partnership, to, "stuck", None, rows=listed, today=today)


def response_needed(partnership: Partnership, reference: str, stage: Step, due: dt.date | None, to: str,
                    url: str) -> Email:
    """To a compliance challenge's line manager: the reference, the deadline and the signed link
    (``url``), which is the line manager's own: no footer inviting anyone to sign in."""
    subject, text, body = render("response_needed", closing=False, partnership=partnership, reference=reference,
                                 step=stage, label=partnership.compliance_procedure.step_label, due=due, url=url)
    return Email(to=to, subject=subject, text=text, html=body)


def responded(partnership: Partnership, reference: str, to: str, url: str) -> Email:
    """To the people told at a compliance challenge's first stage: the line manager has responded."""
    subject, text, body = render("responded", closing=False, partnership=partnership, reference=reference, url=url)
    return Email(to=to, subject=subject, text=text, html=body)


def sign_in(partnership: Partnership, to: str, url: str, minutes: int) -> Email:
    """The sign-in link (``url``), which works once and for ``minutes`` minutes."""
    subject, text, body = render("sign_in", closing=False, partnership=partnership, url=url, minutes=minutes)
    return Email(to=to, subject=subject, text=text, html=body)
