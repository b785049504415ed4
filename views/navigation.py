"""The service navigation under the header of every partnership page: what a person may go to from here.

Signed-out visitors (and people signed in to another partnership) see Start only; the header
already offers Sign in. The page being shown is marked ``current`` (aria-current="page"); the
list a challenge's own pages belong to is marked ``active`` (aria-current="true").
"""
from __future__ import annotations

from flask import has_request_context, request, url_for

from state.base import StateUnavailable
from views.auth import User, current_user
from views.partnership import partnership_in_url
from views.records import lists

# Pages that belong to a section of the navigation without being its page.
SECTION_OF = {
    "challenges.raised": "challenges.new",
    "raising.question": "challenges.new",
    "compliance.sent": "compliance.new",
    # Business support's data protection and sign-in pages are offered on the dashboard: eight
    # items would take two lines of navigation at desktop widths.
    "subject_access.search": "dashboard.dashboard",
    "sessions.end_sessions": "dashboard.dashboard",
    "dashboard.board_paper_page": "dashboard.dashboard",
}
# A challenge's own pages (they take a ``reference``) belong to their list.
LIST_OF_BLUEPRINT = {"challenges": "lists.your_challenges", "compliance": "lists.compliance_challenges"}


def items_for(slug: str, has_compliance: bool, user: User | None, endpoint: str | None,
              view_args: dict, sends_compliance: bool = False) -> list[dict]:
    """The navigation's items (govukServiceNavigation's ``navigation`` parameter)."""
    wanted = [("challenges.start", "Start")]
    if user is not None and user.partnership == slug:
        staff = user.role != "responder"
        if staff:
            wanted.append(("challenges.new", "Raise a challenge"))
        wanted.append(("lists.your_challenges", "All challenges" if user.is_business_support else "Your challenges"))
        if has_compliance:
            wanted.append(("lists.compliance_challenges", "Compliance challenges"))
            if sends_compliance:
                wanted.append(("compliance.new", "New compliance challenge"))
        if user.is_business_support:
            wanted.append(("dashboard.dashboard", "Dashboard"))
    section = SECTION_OF.get(endpoint or "")
    if section is None and "reference" in view_args:
        section = LIST_OF_BLUEPRINT.get((endpoint or "").partition(".")[0])
    return [{"href": url_for(target, slug=slug), "text": text,
             "current": target == endpoint, "active": target == section}
            for target, text in wanted]


def _sends_compliance(partnership, user: User) -> bool:
    """Whether to offer the compliance form; not when the Lists tab's cache cannot be asked (the
    state store is away: the page being drawn may be the one saying so)."""
    try:
        return lists(partnership).sends_compliance(user)
    except StateUnavailable:
        return False


def service_navigation() -> dict:
    """``service_navigation``: the items for this request's partnership, or None off partnership pages."""
    if not has_request_context():
        return {"service_navigation": None}
    partnership = partnership_in_url()
    if partnership is None:
        return {"service_navigation": None}
    user = current_user()
    has_compliance = partnership.compliance_procedure is not None
    sends = bool(has_compliance and user is not None and user.partnership == partnership.slug
                 and _sends_compliance(partnership, user))
    items = items_for(partnership.slug, has_compliance, user, request.endpoint, request.view_args or {}, sends)
    return {"service_navigation": items}
