"""Every kind of person tries every action on a challenge and a compliance challenge, GET and POST.

The kinds: the raiser, the challenged professional, a person the step names (a line manager),
business support, a response-link holder, a user of another partnership, and an anonymous
visitor. What the permission table (procedures/people.py, printed in the README) allows works;
what it refuses answers 403 and leaves the workbook byte for byte as it was, and sends nothing.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from procedures.people import may, relations
from sheets.schema import CHALLENGES, COMPLIANCE
from tests.views.challenge_pages import (  # noqa: F401 (fixtures)
    LIST_AGENCIES,
    SUPPORT,
    app,
    outbox,
    page_urls,
    partnership,
    sign_in_as,
    workbook,
)
from tests.views.test_challenges import answers as raise_answers
from tests.views.test_compliance import answers as compliance_answers

TODAY = dt.date.today()
DAY = [str(TODAY.day), str(TODAY.month), str(TODAY.year)]
RAISER = "raiser@example.nhs.uk"
CHALLENGED = "challenged@example.police.uk"
MANAGER = "manager@example.nhs.uk"
IRO = "iro@demo-partnership.example"
PROFESSIONAL = "nurse@example.nhs.uk"
LINE_MANAGER = "nurse.manager@example.nhs.uk"

OPEN, RESOLVED = "DEMO-OPEN01", "DEMO-DONE01"
AT_RESPONSE, AT_MEETING = "DEMO-CMP002", "DEMO-CMP003"

# (kind, email, role, link reference, partnership)
PEOPLE = {
    "raiser": (RAISER, "practitioner"),
    "challenged": (CHALLENGED, "practitioner"),
    "named": (MANAGER, "practitioner"),
    "business_support": (SUPPORT, "business_support"),
    "response_link": (MANAGER, "responder"),
    "other_partnership": (SUPPORT, "business_support"),
    "anonymous": (None, None),
}
COMPLIANCE_PEOPLE = {
    "raiser": (IRO, "practitioner"),
    "challenged": (PROFESSIONAL, "practitioner"),
    "named": (LINE_MANAGER, "practitioner"),
    "business_support": (SUPPORT, "business_support"),
    "response_link": (LINE_MANAGER, "responder"),
    "other_partnership": (SUPPORT, "business_support"),
    "anonymous": (None, None),
}


def challenge_rows() -> list[dict[str, str]]:
    common = {"Raised on": TODAY.isoformat(), "Raised by": "Rae Raiser", "Raiser agency": "Health",
              "Raiser email": RAISER, "Line manager email": MANAGER, "Other agency": "Police",
              "Other professional email": CHALLENGED, "Case reference": "CASE-1", "Theme": "Timeliness",
              "Concern arose on": TODAY.isoformat()}
    return [{**common, "Reference": OPEN, "Step": "1", "Step started": TODAY.isoformat()},
            {**common, "Reference": RESOLVED, "Step": "1", "Step started": TODAY.isoformat(),
             "Resolved on": TODAY.isoformat(), "Raiser satisfied": ""}]


def compliance_rows() -> list[dict[str, str]]:
    common = {"Raised on": TODAY.isoformat(), "IRO": "Ira", "IRO email": IRO, "Professional email": PROFESSIONAL,
              "Professional agency": "Health", "Line manager email": LINE_MANAGER, "Family reference": "FAM-1"}
    return [{**common, "Reference": AT_RESPONSE, "Step": "2", "Step started": TODAY.isoformat(),
             "Line manager response": "Done", "Line manager responded on": TODAY.isoformat()},
            {**common, "Reference": AT_MEETING, "Step": "3", "Step started": TODAY.isoformat()}]


# (tab, endpoint, reference, the action the table names, what a person sends)
ACTIONS = [
    (CHALLENGES, "challenges.show", OPEN, "see", None),
    (CHALLENGES, "challenges.conversation", OPEN, "record",
     {"held_on": DAY, "with_whom": "Duty sergeant", "notes": "Talked it through"}),
    (CHALLENGES, "challenges.appendix_a", OPEN, "record",
     {"raiser_representation": "A", "other_representation": "B", "resolution_sought": "C"}),
    (CHALLENGES, "challenges.escalate", OPEN, "escalate",
     {"step": "2", "escalated_to": "Lead", "escalated_to_email": "lead@example.nhs.uk", "reason": "Stuck",
      "escalated_on": DAY}),
    (CHALLENGES, "challenges.resolve", OPEN, "resolve",
     {"resolved_on": DAY, "what_was_done": "Met", "outcome": "Agreed", "how_resolved": "Talked",
      "raiser_satisfied": "yes", "referred": "no"}),
    (CHALLENGES, "challenges.withdraw", OPEN, "withdraw", {"withdrawn_on": DAY, "reason": "In error"}),
    (CHALLENGES, "challenges.satisfied", RESOLVED, "answer_satisfied", {"raiser_satisfied": "yes"}),
    (CHALLENGES, "challenges.new", None, "raise", "raise"),
    (COMPLIANCE, "compliance.show", AT_RESPONSE, "see", None),
    (COMPLIANCE, "compliance.decide", AT_RESPONSE, "record", {"outcome": "progress", "decided_on": DAY}),
    (COMPLIANCE, "compliance.meeting", AT_MEETING, "record",
     {"meeting_on": DAY, "record": "Met", "outcome": "progress"}),
    (COMPLIANCE, "compliance.escalate", AT_MEETING, "escalate", {"reasons": "Still not done", "escalated_on": DAY}),
    (COMPLIANCE, "compliance.withdraw", AT_MEETING, "withdraw", {"withdrawn_on": DAY, "reason": "In error"}),
    (COMPLIANCE, "compliance.send_link", AT_RESPONSE, "escalate", {}),
    (COMPLIANCE, "compliance.new", None, "raise", "raise"),
]

RAISING = {"raiser", "challenged", "named", "business_support"}


def expected(kind: str, action: str, tab: str) -> bool:
    """What the table says, for this kind of person (they hold only that one relation here)."""
    if kind in ("other_partnership", "anonymous"):
        return False
    if action == "raise":
        return kind in RAISING
    return may(action, {kind})


@pytest.fixture
def books(app, workbook, partnership):
    workbook.append(CHALLENGES, challenge_rows())
    workbook.append(COMPLIANCE, compliance_rows())
    app.config["WTF_CSRF_ENABLED"] = False
    return workbook


def sign_in_kind(client, kind: str, tab: str, reference: str | None) -> None:
    email, role = (COMPLIANCE_PEOPLE if tab == COMPLIANCE else PEOPLE)[kind]
    if email is None:
        return
    slug = "other" if kind == "other_partnership" else "demo"
    link = reference if role == "responder" else None
    sign_in_as(client, email, role, reference=link, slug=slug)


def data_for(send, kind: str, tab: str) -> dict:
    if send == "raise":
        if tab == CHALLENGES:
            data = raise_answers(raiser_agency=LIST_AGENCIES[0], other_agency=LIST_AGENCIES[1])
            return {**data, "on_behalf_of": RAISER} if kind == "business_support" else data
        data = {k: v for k, v in compliance_answers(professional_agency=LIST_AGENCIES[0]).items() if k != "iro_email"}
        return {**data, "iro_email": IRO} if kind == "business_support" else data
    return dict(send or {})


@pytest.mark.parametrize("kind", list(PEOPLE))
def test_each_kind_of_person_may_do_what_the_table_says_and_nothing_else(app, books, kind):
    """Every action, GET and POST, from the same starting workbook each time."""
    urls = page_urls(app)
    path = Path(books.path)
    start = path.read_bytes()
    tried = []
    for tab, endpoint, reference, action, send in ACTIONS:
        path.write_bytes(start)
        client = app.test_client()
        url = urls(endpoint, reference=reference) if reference else urls(endpoint)
        sign_in_kind(client, kind, tab, reference)
        allowed = expected(kind, action, tab)
        before, mails = path.read_bytes(), len(outbox(app))
        if endpoint != "compliance.send_link":
            shown = client.get(url)
            if kind == "anonymous":
                assert shown.status_code == 302 and "/sign-in" in shown.location
            else:
                if endpoint == "challenges.new" and allowed:  # the raise form starts at its first question page
                    assert shown.status_code == 302 and "/challenges/new/immediate-risk" in shown.location
                    shown = client.get(shown.location)
                assert shown.status_code == (200 if allowed else 403), f"GET {url} as {kind}"
        tried.append((endpoint, allowed))
        if send is None:
            continue
        sent = client.post(url, data=data_for(send, kind, tab))
        if kind == "anonymous":
            assert sent.status_code == 302 and "/sign-in" in sent.location
        elif allowed:
            assert sent.status_code == 302, f"POST {url} as {kind}: {sent.status_code}"
            if endpoint != "compliance.send_link":
                assert path.read_bytes() != before, f"POST {url} as {kind} wrote nothing"
            continue
        else:
            assert sent.status_code == 403, f"POST {url} as {kind}: {sent.status_code}"
            assert "You cannot see this page" in sent.get_data(as_text=True)
        assert path.read_bytes() == before, f"POST {url} as {kind} changed the workbook"
        assert len(outbox(app)) == mails, f"POST {url} as {kind} sent an email"
    assert len(tried) == len(ACTIONS)
    # Each kind is refused something, except the raiser and business support; and allowed
    # something, except outsiders.
    assert any(not ok for _, ok in tried) == (kind not in ("raiser", "business_support"))
    assert any(ok for _, ok in tried) == (kind not in ("other_partnership", "anonymous"))


def test_the_challenged_professional_is_not_offered_resolve_or_withdraw(app, client, books):
    sign_in_as(client, CHALLENGED)
    shown = client.get(page_urls(app)("challenges.show", reference=OPEN)).get_data(as_text=True)
    assert "Record a conversation" in shown and "Escalate to the next step" in shown
    assert "Mark as resolved" not in shown and "Withdraw the challenge" not in shown


def test_a_named_person_resolving_leaves_satisfied_for_the_raiser_who_answers_later(app, client, books):
    urls = page_urls(app)
    sign_in_as(client, MANAGER)
    form = client.get(urls("challenges.resolve", reference=OPEN)).get_data(as_text=True)
    assert "raiser_satisfied" not in form and "will be asked whether they are satisfied" in form
    done = client.post(urls("challenges.resolve", reference=OPEN), data={
        "resolved_on": DAY, "what_was_done": "Met", "outcome": "Agreed", "how_resolved": "Talked", "referred": "no"})
    assert done.status_code == 302
    record = books.read(CHALLENGES).find(OPEN)
    assert (record["Resolved on"], record["Raiser satisfied"]) == (TODAY.isoformat(), "")
    sign_in_as(client, RAISER)
    assert "Tell us whether you are satisfied" in client.get(urls("challenges.show", reference=OPEN)).get_data(
        as_text=True)
    client.post(urls("challenges.satisfied", reference=OPEN), data={"raiser_satisfied": "no"})
    assert books.read(CHALLENGES).find(OPEN)["Raiser satisfied"] == "No"


def test_business_support_raise_on_someones_behalf_and_the_history_says_so(app, client, books):
    from sheets.schema import HISTORY
    sign_in_as(client, SUPPORT, "business_support")
    data = data_for("raise", "business_support", CHALLENGES)
    assert client.post(page_urls(app)("challenges.new"), data=data).status_code == 302
    row = books.read(CHALLENGES).records[-1]
    assert row["Raiser email"] == RAISER
    history = books.read(HISTORY).records[-1]
    assert (history["By"], history["Details"]) == (SUPPORT, f"Recorded by business support on behalf of {RAISER}")


def test_the_raiser_is_the_signed_in_person_whatever_the_form_says(app, client, books):
    sign_in_as(client, RAISER)
    data = {**data_for("raise", "raiser", CHALLENGES), "raiser_email": "someone.else@example.nhs.uk",
            "on_behalf_of": "someone.else@example.nhs.uk"}
    done = client.post(page_urls(app)("challenges.new"), data=data)
    assert done.status_code == 302
    assert books.read(CHALLENGES).records[-1]["Raiser email"] == RAISER


def test_relations_come_from_the_row_and_the_sign_in():
    people = {"raiser": ["a@x.uk"], "challenged": ["b@y.uk"], "raiser_line_manager": ["C@x.uk"],
              "business_support": ["bs@p.uk"], "partnership_manager": ["pm@p.uk"]}
    assert relations("a@x.uk", role="practitioner", reference="R", link_reference=None, people=people) == {"raiser"}
    assert relations("c@x.uk", role="practitioner", reference="R", link_reference=None, people=people) == {"named"}
    assert relations("pm@p.uk", role="practitioner", reference="R", link_reference=None, people=people) == {"named"}
    assert relations("bs@p.uk", role="business_support", reference="R", link_reference=None,
                     people=people) == {"business_support"}
    # A response link reaches its one challenge, whatever address it was sent to.
    assert relations("a@x.uk", role="responder", reference="R", link_reference="R", people=people) == {"response_link"}
    assert relations("a@x.uk", role="responder", reference="S", link_reference="R", people=people) == set()
    # The challenged professional never closes it, even if also named on it.
    assert not may("resolve", {"challenged", "named"}) and not may("withdraw", {"challenged", "business_support"})


def test_a_resolution_recorded_late_keeps_the_day_it_happened_and_counts_as_in_time(app, client, workbook,
                                                                                    partnership):
    """Raised on Monday 2 November 2026 (step 1 concludes that day), resolved that day, typed in today."""
    from procedures.values import parse_date
    from views import records
    raised = dt.date(2026, 11, 2)
    row = {**challenge_rows()[0], "Reference": "DEMO-LATE01", "Raised on": raised.isoformat(),
           "Step started": raised.isoformat(), "Concern arose on": "2026-10-30"}
    workbook.append(CHALLENGES, [row])
    app.config["WTF_CSRF_ENABLED"] = False
    sign_in_as(client, RAISER)
    url = page_urls(app)("challenges.resolve", reference="DEMO-LATE01")
    done = client.post(url, data={"resolved_on": ["2", "11", "2026"], "what_was_done": "Met", "outcome": "Agreed",
                                  "how_resolved": "Talked", "raiser_satisfied": "yes", "referred": "no"})
    assert done.status_code == 302
    saved = workbook.read(CHALLENGES).find("DEMO-LATE01")
    assert parse_date(saved["Resolved on"]) == raised
    with app.test_request_context():
        found = records.find(partnership, CHALLENGES, "DEMO-LATE01", partnership.procedure)
    assert found.position.status == "resolved" and found.position.resolved_in_time is True
    # A conversation held on 30 October, before the challenge was raised, is accepted too.
    workbook.append(CHALLENGES, [{**row, "Reference": "DEMO-LATE02"}])
    talk = client.post(page_urls(app)("challenges.conversation", reference="DEMO-LATE02"),
                       data={"held_on": ["30", "10", "2026"], "with_whom": "Duty sergeant", "notes": "Agreed"})
    assert talk.status_code == 302
