"""Raising a challenge a question page at a time, then checking the answers before sending.

The answers are kept in the person's (server-side) session until the challenge is sent from the
check-your-answers page (``challenges.new``). Each question page checks only its own questions;
the check page checks them all again and sends the person back to the first page that needs
an answer. A person's name, role, agency and line manager are remembered from the last challenge
they raised.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Mapping

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from werkzeug.datastructures import MultiDict

from forms.challenge import RaiseChallengeForm
from partnership.config import Partnership
from procedures.values import display_date, parse_date
from sheets.base import SheetError
from sheets.schema import CHALLENGES, RAISED_ON, RAISER_EMAIL, ChallengesTab
from views import formatting, permissions, records
from views.auth import User, current_user, login_required
from views.partnership import get_partnership

bp = Blueprint("raising", __name__, url_prefix="/<slug>/challenges/new")

ANSWERS = "raising"
# The raiser's own details, remembered from their last challenge: field -> column.
REMEMBERED = {"raiser_name": ChallengesTab.RAISED_BY, "raiser_role": ChallengesTab.RAISER_ROLE,
              "raiser_agency": ChallengesTab.RAISER_AGENCY, "line_manager_email": ChallengesTab.LINE_MANAGER_EMAIL}


@dataclass(frozen=True)
class QuestionPage:
    slug: str
    title: str
    fields: tuple[str, ...]


PAGES = (
    QuestionPage("immediate-risk", "Is anyone at immediate risk of harm?", ("immediate_risk",)),
    QuestionPage("about-you", "About you",
                 ("on_behalf_of", "raiser_name", "raiser_role", "raiser_agency", "line_manager_email")),
    QuestionPage("who", "Who you are challenging",
                 ("other_agency", "other_professional", "other_professional_email", "other_line_manager_email")),
    QuestionPage("case", "The case", ("child_or_adult", "case_reference", "concern_arose")),
    QuestionPage("challenge", "Your challenge", ("theme", "decision", "outcome_sought")),
)
BY_SLUG = {p.slug: p for p in PAGES}
FIELDS = {name for p in PAGES for name in p.fields} | {"submission_id"}


def new_form(partnership: Partnership, user: User, formdata: MultiDict | None = None) -> RaiseChallengeForm:
    found = records.lists(partnership)
    return RaiseChallengeForm(formdata=formdata, agencies=found.agencies, themes=found.themes,
                              on_behalf=user.is_business_support, today=formatting.today)


def answers() -> MultiDict:
    """The answers given so far on the question pages."""
    return MultiDict([(k, v) for k, values in session.get(ANSWERS, {}).items() for v in values])


def keep_resent() -> None:
    """Answers sent with an expired form (``views.security.stale_form`` runs the page again as a
    GET with them in ``g.kept_answers``) are kept, so nothing typed is lost."""
    resent = g.get("kept_answers")
    if resent:
        keep({name: resent.getlist(name) for name in resent if name in FIELDS})


def keep(form_data: Mapping[str, list[str]]) -> None:
    kept = dict(session.get(ANSWERS, {}))
    kept.update(form_data)
    session[ANSWERS] = kept


def forget() -> None:
    session.pop(ANSWERS, None)


def remembered(partnership: Partnership, user: User) -> dict[str, list[str]]:
    """The person's details from the last challenge they raised (none for business support, who
    raise on others' behalf)."""
    if user.is_business_support:
        return {}
    try:
        table = records.workbook(partnership).read(CHALLENGES)
    except SheetError:  # remembering is a convenience: the person can type them
        return {}
    theirs = [r for r in table.records if r[RAISER_EMAIL[CHALLENGES]].strip().lower() == user.email]
    if not theirs:
        return {}
    last = max(theirs, key=lambda r: (_day(r[RAISED_ON]), r.row))
    return {field: [last[column].strip()] for field, column in REMEMBERED.items() if last[column].strip()}


def _day(text: str) -> dt.date:
    try:
        return parse_date(text) or dt.date.min
    except ValueError:
        return dt.date.min


def _present(form: RaiseChallengeForm, page: QuestionPage) -> tuple[str, ...]:
    return tuple(name for name in page.fields if name in form._fields)


def page_errors(form: RaiseChallengeForm, page: QuestionPage) -> dict[str, list[str]]:
    form.validate()
    return {name: form[name].errors for name in _present(form, page) if form[name].errors}


def first_unanswered(partnership: Partnership, user: User) -> QuestionPage | None:
    """The first question page whose answers are missing or no longer valid (a list changed)."""
    form = new_form(partnership, user, answers())
    form.validate()
    for page in PAGES:
        if any(form[name].errors for name in _present(form, page)):
            return page
    return None


def _next(page: QuestionPage) -> str | None:
    index = PAGES.index(page)
    return PAGES[index + 1].slug if index + 1 < len(PAGES) else None


def _back(shown: QuestionPage, slug: str, changing: bool) -> str:
    index = PAGES.index(shown)
    if changing:
        return url_for("challenges.new", slug=slug)
    if index == 0:
        return url_for("challenges.start", slug=slug)
    return url_for("raising.question", slug=slug, page=PAGES[index - 1].slug)


@bp.route("/<page>", methods=["GET", "POST"])
@login_required
def question(slug: str, page: str):
    partnership = get_partnership(slug)
    user = current_user()
    permissions.require_raise(user)
    shown = BY_SLUG.get(page)
    if shown is None:
        abort(404)
    started = ANSWERS in session
    if not started:
        session[ANSWERS] = {**remembered(partnership, user), "submission_id": [uuid.uuid4().hex]}
    changing = request.args.get("change") == "1"
    if request.method == "POST":
        mine = {name: request.form.getlist(name) for name in shown.fields}
        data = answers()
        for name, values in mine.items():
            data.setlist(name, values)
        form = new_form(partnership, user, data)
        errors = page_errors(form, shown)
        if not errors:
            if shown.slug == "immediate-risk" and form.at_immediate_risk:
                return render_template("challenges/immediate_risk.html", partnership=partnership)
            keep(mine)
            following = _next(shown)
            if changing or following is None:
                return redirect(url_for("challenges.new", slug=slug))
            return redirect(url_for("raising.question", slug=slug, page=following))
        status = 400
    else:
        keep_resent()
        errors = {}
        form = new_form(partnership, user, answers())
        status = 200
    return render_page(partnership, user, form, shown, errors, changing,
                       remembered=not started and any(session[ANSWERS].get(f) for f in REMEMBERED)), status


def render_page(partnership: Partnership, user: User, form: RaiseChallengeForm, shown: QuestionPage,
                errors: Mapping[str, list[str]], changing: bool = False, remembered: bool = False) -> str:
    """A question page showing only its own questions and only their errors."""
    for name in form._fields:
        form[name].errors = list(errors.get(name, ()))
    return render_template("challenges/question.html", partnership=partnership, form=form, page=shown,
                           fields=_present(form, shown), user=user, back=_back(shown, partnership.slug, changing),
                           changing=changing, remembered=remembered, number=PAGES.index(shown) + 1,
                           pages=len(PAGES))


def check_rows(form: RaiseChallengeForm) -> list[tuple[str, str, str, str]]:
    """(page, field name, question, answer as a person reads it) for the check-your-answers page."""
    rows = []
    for page in PAGES[1:]:
        for name in _present(form, page):
            field = form[name]
            value = field.data
            if name == "concern_arose":
                value = display_date(value)
            elif field.type == "RadioField":
                labels = {str(c.value): c.label for c in field.choices}
                value = labels.get(str(value), value)
            rows.append((page.slug, name, field.label.text, value or "Not given"))
    return rows
