""""Your challenges" and "Compliance challenges": how a signed-in person finds their challenges
without the emailed link, split into those they raised and those raised with them.

Business support see "All challenges": every challenge, searched, filtered, sorted and paged
(the query stays in the address), and the rows to correct."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, render_template, request

from procedures import Procedure
from partnership.config import Partnership
from sheets.schema import CHALLENGED_AGENCY, CHALLENGES, COMPLIANCE, THEME
from views import challenges, compliance, formatting, records
from views.auth import current_user, login_required
from views.challenge_list import FILTERS, PERIODS, SORTS, BadQuery, ChallengeList, ListQuery, challenge_list
from views.partnership import get_partnership

bp = Blueprint("lists", __name__, url_prefix="/<slug>")

records.reads_the_sheet(bp)

STATUS_NAMES = {"all": "All", "open": "Open", "overdue": "Overdue", "resolved": "Resolved", "withdrawn": "Withdrawn"}


def today() -> dt.date:
    """The day statuses are worked out for (a function, so tests can fix it)."""
    return formatting.today()



def _status_filter() -> str:
    """The ``status`` query value; 400 for one the page does not offer."""
    chosen = request.args.get("status", "all")
    if chosen not in FILTERS:
        abort(400)
    return chosen


def _options(found: ChallengeList, procedure: Procedure, theme: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The search form's drop-downs: (query parameter, label, [(value, text)])."""
    label = procedure.step_label
    return [
        ("status", "Status", [(f, STATUS_NAMES[f]) for f in FILTERS]),  # not a column: a label
        ("step", label, [("", f"Any {label.lower()}")]
         + [(str(s.number), f"{label} {s.number}: {s.name}") for s in procedure.steps]),
        ("period", "Raised in", [("", "Any time")] + [(key, found.period(key).heading) for key in PERIODS]),
        ("agency", "Agency (raising or challenged)", [("", "Any agency")] + [(a, a) for a in found.choices("agency")]),
        ("theme", theme, [("", "Any")] + [(t, t) for t in found.choices("theme")]),
        ("sort", "Sort by", list(SORTS.items())),
    ]


def _list_page(partnership: Partnership, *, tab: str, procedure: Procedure, email_columns: tuple[str, ...],
               agency_column: str, show_endpoint: str, title: str, all_title: str, endpoint: str):
    user = current_user()
    if user.is_business_support:
        try:
            query = ListQuery.from_args(request.args, procedure)
        except BadQuery:
            abort(400)
        found = challenge_list(partnership, tab, procedure, user, email_columns, agency_column, today())
        try:
            shown = found.search(query)
        except BadQuery:
            abort(404)
        return render_template("lists/all.html", partnership=partnership, procedure=procedure,
                               title=all_title, user=user, found=found, shown=shown, query=query, filters=FILTERS,
                               options=_options(found, procedure, theme=THEME[tab]),
                               show_endpoint=show_endpoint, endpoint=endpoint)
    chosen = _status_filter()
    found = challenge_list(partnership, tab, procedure, user, email_columns, agency_column, today())
    return render_template("lists/list.html", partnership=partnership, procedure=procedure, title=title,
                           user=user, found=found, groups=found.grouped(user, chosen), counts=found.counts(),
                           chosen=chosen, filters=FILTERS, show_endpoint=show_endpoint, endpoint=endpoint)


@bp.get("/challenges")
@login_required
def your_challenges(slug: str):
    partnership = get_partnership(slug)
    return _list_page(partnership, tab=CHALLENGES, procedure=partnership.procedure,
                      email_columns=challenges.EMAIL_COLUMNS, agency_column=CHALLENGED_AGENCY[CHALLENGES],
                      show_endpoint="challenges.show", title="Your challenges", all_title="All challenges",
                      endpoint="lists.your_challenges")


@bp.get("/compliance")
@login_required
def compliance_challenges(slug: str):
    partnership = get_partnership(slug)
    if partnership.compliance_procedure is None:
        abort(404)
    return _list_page(partnership, tab=COMPLIANCE, procedure=partnership.compliance_procedure,
                      email_columns=compliance.EMAIL_COLUMNS, agency_column=CHALLENGED_AGENCY[COMPLIANCE],
                      show_endpoint="compliance.show", title="Compliance challenges",
                      all_title="All compliance challenges", endpoint="lists.compliance_challenges")
