""""Your challenges", "Compliance challenges" and the service navigation, as a person sees them."""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from partnership import partnerships_of
from procedures.values import format_date
from sheets.schema import CHALLENGES, COMPLIANCE
from tests.views.challenge_pages import (  # noqa: F401 (fixtures)
    COLLEAGUE,
    RAISER,
    SUPPORT,
    app,
    page,
    partnership,
    sign_in_as,
    text,
    workbook,
)
from views import lists

TODAY = dt.date(2026, 11, 2)  # a Monday; no bank holiday near it
IRO = "iro.one@demo-partnership.example"


def challenge(reference: str, raised_on: dt.date | str, step: str = "1", **values: str) -> dict[str, str]:
    row = {"Reference": reference, "Raised on": raised_on if isinstance(raised_on, str) else format_date(raised_on),
           "Raiser email": RAISER, "Other agency": "Police", "Case reference": f"CASE-{reference}", "Step": step}
    row.update(values)
    return row


# Where each stands on TODAY (Pan Cheshire: working days of the challenge; step 1 ends day 1, step 2 day 9,
# step 3 day 14): A and B overdue (1 and 30 October), C due today, E on track to 10 November,
# D to 16 November, G withdrawn (raised 1 October), F resolved (raised 1 September).
ROWS = [
    challenge("DEMO-AAAAAA", dt.date(2026, 10, 1), Status="Resolved"),  # the Status column is not read
    challenge("DEMO-BBBBBB", dt.date(2026, 10, 20), "2", **{"Step started": "2026-10-22"}),
    challenge("DEMO-CCCCCC", TODAY, **{"Raiser email": COLLEAGUE, "Line manager email": RAISER.upper()}),
    challenge("DEMO-DDDDDD", dt.date(2026, 10, 28), "3", **{"Escalated to email": RAISER}),
    challenge("DEMO-EEEEEE", dt.date(2026, 10, 29), "2", **{"Other agency": "Health"}),
    challenge("DEMO-FFFFFF", dt.date(2026, 9, 1), **{"Resolved on": "2026-09-03"}),
    challenge("DEMO-GGGGGG", dt.date(2026, 10, 1), **{"Withdrawn on": "2026-10-05"}),
    challenge("DEMO-OTHERS", dt.date(2026, 10, 30), **{"Raiser email": COLLEAGUE}),
    challenge("DEMO-BADDAY", "31/02/2026"),
    challenge("DEMO-BADSTP", dt.date(2026, 10, 30), "9"),
]
ORDER = ["DEMO-AAAAAA", "DEMO-BBBBBB", "DEMO-CCCCCC", "DEMO-EEEEEE", "DEMO-DDDDDD", "DEMO-GGGGGG", "DEMO-FFFFFF"]


@pytest.fixture
def rows(workbook, monkeypatch):
    monkeypatch.setattr(lists, "today", lambda: TODAY)
    workbook.append(CHALLENGES, ROWS)
    return workbook


def references(response, table: str = "table.govuk-table") -> list[str]:
    """The references listed, in order, in every list table of the page (or the one selected)."""
    return [a.get_text(strip=True) for a in page(response).select(f"{table} tbody th a")]


def groups(response) -> dict[str, list[str]]:
    """A person's list: each heading and the references under it."""
    return {h2.get_text(strip=True): references(response, f"#{h2['id'].removesuffix('-heading')}")
            for h2 in page(response).select("h2[id$=-heading]")}


def table_rows(response) -> dict[str, list[str]]:
    return {tr.th.get_text(strip=True): [td.get_text(" ", strip=True) for td in tr.select("td")]
            for tr in page(response).select("table.govuk-table:not(#problems) tbody tr")}


def problems(response) -> list[list[str]]:
    return [[td.get_text(" ", strip=True) for td in tr.select("td")] for tr in page(response).select("#problems tbody tr")]


def test_business_support_see_every_readable_challenge_overdue_first_then_by_conclude_by_date(client, rows):
    sign_in_as(client, SUPPORT, role="business_support")
    response = client.get("/demo/challenges")
    assert response.status_code == 200
    # DEMO-OTHERS (step 1, raised 30 October) is overdue from the same day as DEMO-BBBBBB: by reference.
    assert references(response) == ORDER[:2] + ["DEMO-OTHERS"] + ORDER[2:]
    shown = table_rows(response)
    assert shown["DEMO-AAAAAA"] == ["1 October 2026", "Police", "Step 1: Professionals resolving disagreements",
                                    "1 October 2026", "Overdue"]
    assert shown["DEMO-BBBBBB"][2:] == ["Step 2: Line managers and safeguarding leads", "30 October 2026",
                                        "Overdue"]
    assert shown["DEMO-CCCCCC"][3:] == ["2 November 2026", "Due soon"]
    assert shown["DEMO-EEEEEE"][1:] == ["Health", "Step 2: Line managers and safeguarding leads",
                                        "10 November 2026", "On track"]
    assert shown["DEMO-FFFFFF"][3:] == ["Closed", "Resolved"]
    assert shown["DEMO-GGGGGG"][3:] == ["Closed", "Withdrawn"]
    link = page(response).select_one("#challenges tbody th a")["href"]
    assert link == "/demo/challenges/DEMO-AAAAAA"
    assert "CASE-" not in text(response)


def test_business_support_are_shown_the_rows_to_correct(client, rows):
    sign_in_as(client, SUPPORT, role="business_support")
    response = client.get("/demo/challenges")
    assert page(response).select_one("#rows-to-correct").get_text(strip=True) == "Rows to correct in the spreadsheet"
    found = problems(response)
    assert [p[:2] for p in found] == [["Challenges", "10"], ["Challenges", "11"]]
    assert found[0][2].startswith('Column "Raised on"')
    assert found[1][2].startswith('Column "Step": \'9\' is not a step')


def test_a_practitioner_sees_only_the_challenges_that_name_them_and_no_rows_to_correct(client, rows):
    sign_in_as(client, RAISER)
    response = client.get("/demo/challenges")
    assert response.status_code == 200
    # Not DEMO-OTHERS; not the two rows that cannot be read. DEMO-CCCCCC names them as line manager.
    assert groups(response) == {"Raised by you": [r for r in ORDER if r != "DEMO-CCCCCC"],
                                "Raised with you": [], "Other challenges you are part of": ["DEMO-CCCCCC"]}
    assert page(response).select_one("#raised-with-you-none").get_text(strip=True) == "None."
    assert page(response).select_one("#problems") is None
    assert "Rows to correct" not in text(response)
    assert "CASE-" not in text(response)


def test_a_colleague_sees_only_theirs(client, rows):
    sign_in_as(client, COLLEAGUE)
    assert references(client.get("/demo/challenges")) == ["DEMO-OTHERS", "DEMO-CCCCCC"]


def test_challenges_raised_with_a_professional_are_listed_apart_from_those_they_raised(client, workbook, monkeypatch):
    monkeypatch.setattr(lists, "today", lambda: TODAY)
    challenged = "pat.officer@example.nhs.uk"
    workbook.append(CHALLENGES, [
        challenge("DEMO-RAISED", TODAY, **{"Raiser email": challenged}),
        challenge("DEMO-WITHME", TODAY, **{"Other professional email": challenged.upper()}),
        challenge("DEMO-NOTHER", TODAY, **{"Other professional email": COLLEAGUE}),
    ])
    sign_in_as(client, challenged)
    response = client.get("/demo/challenges")
    assert groups(response) == {"Raised by you": ["DEMO-RAISED"], "Raised with you": ["DEMO-WITHME"]}
    assert page(response).h1.get_text(strip=True) == "Your challenges"
    # The professional challenged sees it from the other side only: it is not among those they raised.
    sign_in_as(client, RAISER)
    assert groups(client.get("/demo/challenges"))["Raised by you"] == ["DEMO-NOTHER", "DEMO-WITHME"]


def test_a_responder_sees_only_the_challenge_their_link_was_for(client, rows):
    sign_in_as(client, "manager@example.nhs.uk", role="responder", reference="DEMO-EEEEEE")
    assert references(client.get("/demo/challenges")) == ["DEMO-EEEEEE"]


@pytest.mark.parametrize("status, expected", [
    ("open", ORDER[:5]),
    ("overdue", ORDER[:2]),
    ("resolved", ["DEMO-FFFFFF"]),
    ("withdrawn", ["DEMO-GGGGGG"]),
    ("all", ORDER),
])
def test_the_status_filter(client, rows, status, expected):
    sign_in_as(client, RAISER)
    response = client.get(f"/demo/challenges?status={status}")
    assert response.status_code == 200
    assert sorted(references(response)) == sorted(expected)
    assert references(response, "#raised-by-you") == [r for r in expected if r != "DEMO-CCCCCC"]
    chosen = page(response).select_one('nav[aria-label="Filter by status"] [aria-current="page"]')
    assert chosen.get_text(strip=True).lower() == f"{status} ({len(expected)})"


def test_a_filter_with_nothing_to_show_says_so(client, rows):
    sign_in_as(client, COLLEAGUE)
    response = client.get("/demo/challenges?status=withdrawn")
    assert references(response) == []
    assert page(response).select_one("#none").get_text(strip=True) == "No challenges are withdrawn."


@pytest.mark.parametrize("status", ["bogus", "", "OPEN", "<script>"])
def test_an_unknown_status_is_a_400_page_not_a_crash(client, rows, status):
    sign_in_as(client, RAISER)
    response = client.get("/demo/challenges", query_string={"status": status})
    assert response.status_code == 400
    assert "Sorry, there is a problem with your request" in text(response)


def test_an_anonymous_visitor_is_sent_to_sign_in(client, rows):
    for path in ("/demo/challenges", "/demo/compliance"):
        response = client.get(path + "?status=open")
        assert response.status_code == 302
        location = urlsplit(response.headers["Location"])
        assert location.path == "/demo/sign-in"
        assert parse_qs(location.query)["next"] == [path + "?status=open"]


def test_a_user_of_another_partnership_is_refused(client, rows):
    sign_in_as(client, "support@other.example", role="business_support", slug="other")
    assert client.get("/demo/challenges").status_code == 403
    assert client.get("/demo/compliance").status_code == 403


def test_when_the_sheet_cannot_be_read_the_page_says_so(client, rows, app):
    Path(app.config["BASE_DIR"], "instance", "demo.xlsx").unlink()
    sign_in_as(client, RAISER)
    response = client.get("/demo/challenges")
    assert response.status_code == 503


# --- compliance challenges ---------------------------------------------------

def compliance(reference: str, raised_on: dt.date, step: str = "2", **values: str) -> dict[str, str]:
    row = {"Reference": reference, "Raised on": format_date(raised_on), "IRO email": IRO,
           "Line manager email": "lm@example.nhs.uk", "Professional agency": "Children's social care",
           "Family reference": f"FAM-{reference}", "Step": step, "Step started": format_date(raised_on)}
    row.update(values)
    return row


@pytest.fixture
def compliance_rows(workbook, monkeypatch):
    monkeypatch.setattr(lists, "today", lambda: TODAY)
    workbook.append(COMPLIANCE, [
        compliance("DEMO-CMPONE", dt.date(2026, 10, 1)),
        compliance("DEMO-CMPTWO", TODAY, "3"),
        compliance("DEMO-CMPTHR", TODAY, **{"IRO email": "iro.two@demo-partnership.example",
                                            "Line manager email": "other.lm@example.nhs.uk",
                                            "Safeguarding lead email": IRO.upper()}),
        compliance("DEMO-CMPFOR", TODAY, **{"IRO email": "iro.two@demo-partnership.example",
                                            "Line manager email": "other.lm@example.nhs.uk"}),
        compliance("DEMO-CMPBAD", TODAY, "Stage seven"),
    ])
    return workbook


def test_compliance_challenges_for_the_people_they_name(client, compliance_rows):
    sign_in_as(client, IRO)
    response = client.get("/demo/compliance")
    assert response.status_code == 200
    assert page(response).h1.get_text(strip=True) == "Compliance challenges"
    assert groups(response) == {"Raised by you": ["DEMO-CMPONE", "DEMO-CMPTWO"], "Raised with you": [],
                                "Other challenges you are part of": ["DEMO-CMPTHR"]}
    shown = table_rows(response)
    assert shown["DEMO-CMPONE"] == ["1 October 2026", "Children's social care",
                                    "Stage 2: Line manager's response", "6 October 2026", "Overdue"]
    assert page(response).select_one("#raised-by-you tbody th a")["href"] == "/demo/compliance/DEMO-CMPONE"
    assert "FAM-" not in text(response)
    assert page(response).select_one("#problems") is None

    sign_in_as(client, "lm@example.nhs.uk")
    assert groups(client.get("/demo/compliance")) == {"Raised by you": [], "Raised with you": [],
                                                      "Other challenges you are part of": ["DEMO-CMPONE", "DEMO-CMPTWO"]}


def test_business_support_see_every_compliance_challenge_and_the_row_to_correct(client, compliance_rows):
    sign_in_as(client, SUPPORT, role="business_support")
    response = client.get("/demo/compliance?status=open")
    assert len(references(response)) == 4
    assert [p[:2] for p in problems(response)] == [["Compliance", "6"]]


def test_no_compliance_list_without_a_compliance_procedure(app, client, partnership):
    partnerships_of(app)["demo"] = dataclasses.replace(partnership, compliance_procedure=None)
    sign_in_as(client, SUPPORT, role="business_support")
    assert client.get("/demo/compliance").status_code == 404
    response = client.get("/demo/")
    assert "Compliance challenges" not in nav_items(response)


# --- the service navigation -------------------------------------------------

def nav_items(response) -> dict[str, str | None]:
    """Each navigation item's text and its aria-current (None when it is not marked)."""
    nav = page(response).select_one(".govuk-service-navigation nav")
    return {a.get_text(strip=True): a.get("aria-current") for a in nav.select("a")}


def test_signed_out_visitors_see_start_only_and_sign_in(client):
    response = client.get("/demo/")
    assert nav_items(response) == {"Start": "page"}
    assert page(response).select_one("#account a").get_text(strip=True) == "Sign in"


def test_a_practitioner_sees_their_pages_with_the_current_one_marked(client, rows):
    sign_in_as(client, RAISER)
    assert nav_items(client.get("/demo/challenges")) == {
        "Start": None, "Raise a challenge": None, "Your challenges": "page",
        "Compliance challenges": None, "New compliance challenge": None}
    assert nav_items(client.get("/demo/challenges/new/about-you"))["Raise a challenge"] == "true"
    # A challenge's own page belongs to "Your challenges".
    assert nav_items(client.get("/demo/challenges/DEMO-AAAAAA"))["Your challenges"] == "true"


def test_business_support_also_see_the_dashboard_which_offers_their_data_and_sign_in_pages(client, rows):
    sign_in_as(client, SUPPORT, role="business_support")
    response = client.get("/demo/")
    assert list(nav_items(response)) == ["Start", "Raise a challenge", "All challenges", "Compliance challenges",
                                         "New compliance challenge", "Dashboard"]
    assert nav_items(response)["Start"] == "page"
    dashboard = client.get("/demo/dashboard").get_data(as_text=True)
    assert 'href="/demo/subject-access"' in dashboard
    assert 'href="/demo/sessions"' in dashboard
    # Their pages belong to the dashboard's section of the navigation.
    assert nav_items(client.get("/demo/sessions"))["Dashboard"] == "true"
    assert nav_items(client.get("/demo/subject-access"))["Dashboard"] == "true"


def test_a_responder_is_not_offered_the_forms(client):
    sign_in_as(client, "manager@example.nhs.uk", role="responder", reference="DEMO-CMPONE")
    assert list(nav_items(client.get("/demo/"))) == ["Start", "Your challenges", "Compliance challenges"]


def test_someone_signed_in_to_another_partnership_sees_start_only(client):
    sign_in_as(client, "support@other.example", role="business_support", slug="other")
    assert nav_items(client.get("/demo/")) == {"Start": "page"}


def test_pages_outside_a_partnership_have_no_navigation(client):
    assert page(client.get("/")).select_one(".govuk-service-navigation") is None


def test_once_iros_are_listed_only_they_and_business_support_are_offered_the_compliance_form(client, workbook):
    from sheets.schema import IROS, LISTS
    workbook.append(LISTS, [{IROS: IRO.upper()}])
    sign_in_as(client, RAISER)
    assert "New compliance challenge" not in nav_items(client.get("/demo/"))
    assert "Compliance challenges" in nav_items(client.get("/demo/"))
    sign_in_as(client, IRO)
    assert "New compliance challenge" in nav_items(client.get("/demo/"))
    sign_in_as(client, SUPPORT, role="business_support")
    assert "New compliance challenge" in nav_items(client.get("/demo/"))
