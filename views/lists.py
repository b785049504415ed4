""""Your challenges" and "Compliance challenges": how a signed-in person finds their challenges
without the emailed link. Business support see every challenge, and the rows to correct."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, render_template, request

from procedures import Procedure
from procedures.config import Partnership
from sheets.schema import CHALLENGES, COMPLIANCE
from views import challenges, compliance, records
from views.auth import current_user, login_required
from views.challenge_list import FILTERS, challenge_list
from views.partnership import get_partnership

bp = Blueprint("lists", __name__, url_prefix="/<slug>")

records.reads_the_sheet(bp)


def today() -> dt.date:
    """The day statuses are worked out for (a function, so tests can fix it)."""
    return dt.date.today()



def _status_filter() -> str:
    """The ``status`` query value; 400 for one the page does not offer."""
    chosen = request.args.get("status", "all")
    if chosen not in FILTERS:
        abort(400)
    return chosen


def _list_page(partnership: Partnership, *, tab: str, procedure: Procedure, email_columns: tuple[str, ...],
               agency_column: str, show_endpoint: str, title: str, endpoint: str):
    chosen = _status_filter()
    user = current_user()
    found = challenge_list(partnership, tab, procedure, user, email_columns, agency_column, today())
    return render_template("lists/list.html", partnership=partnership, procedure=procedure, title=title,
                           user=user, found=found, shown=found.shown(chosen), counts=found.counts(),
                           chosen=chosen, filters=FILTERS, show_endpoint=show_endpoint, endpoint=endpoint)


@bp.get("/challenges")
@login_required
def your_challenges(slug: str):
    partnership = get_partnership(slug)
    return _list_page(partnership, tab=CHALLENGES, procedure=partnership.procedure,
                      email_columns=challenges.EMAIL_COLUMNS, agency_column="Other agency",
                      show_endpoint="challenges.show", title="Your challenges", endpoint="lists.your_challenges")


@bp.get("/compliance")
@login_required
def compliance_challenges(slug: str):
    partnership = get_partnership(slug)
    if partnership.compliance_procedure is None:
        abort(404)
    return _list_page(partnership, tab=COMPLIANCE, procedure=partnership.compliance_procedure,
                      email_columns=compliance.EMAIL_COLUMNS, agency_column="Professional agency",
                      show_endpoint="compliance.show", title="Compliance challenges",
                      endpoint="lists.compliance_challenges")
