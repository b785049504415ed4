""""All challenges": business support search, filter, sort and page through every challenge,
and the address keeps the query so a search can be bookmarked, shared and paged through."""
from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from procedures.values import format_date
from sheets.schema import CHALLENGES
from tests.views.challenge_pages import SUPPORT, app, page, partnership, sign_in_as, text, workbook  # noqa: F401
from tests.views.test_lists import RAISER, TODAY
from views import lists

AGENCIES = ("Police", "Health", "Education")
THEMES = ("Timeliness", "Information sharing; Referral criteria", "Referral criteria")


def numbered(n: int) -> dict[str, str]:
    """Challenge n of 120: raised over the year before TODAY, agencies and themes in turn, every
    tenth resolved, steps 1 to 3 in turn."""
    raised = TODAY - dt.timedelta(days=3 * n)
    row = {"Reference": f"DEMO-{n:06d}", "Raised on": format_date(raised), "Raiser email": RAISER,
           "Raiser agency": "Health" if n % 4 == 0 else "Probation",
           "Other agency": AGENCIES[n % 3], "Theme": THEMES[n % 3], "Step": str(n % 3 + 1),
           "Step started": format_date(raised), "Case reference": f"CASE-{n}"}
    if n % 10 == 0:
        row["Resolved on"] = format_date(raised + dt.timedelta(days=1))
    return row


ROWS = [numbered(n) for n in range(1, 121)]


@pytest.fixture
def support(client, workbook, monkeypatch):
    monkeypatch.setattr(lists, "today", lambda: TODAY)
    workbook.append(CHALLENGES, ROWS)
    sign_in_as(client, SUPPORT, role="business_support")
    return client


def listed(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return [a.get_text(strip=True) for a in page(response).select("#challenges tbody th a")]


def showing(response) -> str:
    return page(response).select_one("#showing").get_text(" ", strip=True)


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def test_the_list_is_called_all_challenges_and_shows_50_a_page(support):
    response = support.get("/demo/challenges")
    assert page(response).h1.get_text(strip=True) == "All challenges"
    assert len(listed(response)) == 50
    assert showing(response) == "Showing 1 to 50 of 120 challenges"
    pages = page(response).select_one("#pages")
    assert [a.get_text(strip=True) for a in pages.select(".govuk-pagination__item a")] == ["1", "2", "3"]
    assert pages.select_one("[aria-current=page]").get_text(strip=True) == "1"
    last = support.get(pages.select_one("a[rel=next]")["href"].replace("page=2", "page=3"))
    assert showing(last) == "Showing 101 to 120 of 120 challenges"
    assert len(listed(last)) == 20
    assert "CASE-" not in text(response)


def test_searching_by_reference_agency_or_theme(support):
    assert listed(support.get("/demo/challenges?q=demo-000007")) == ["DEMO-000007"]
    by_agency = support.get("/demo/challenges", query_string={"q": "educ", "sort": "reference"})
    assert showing(by_agency) == "Showing 1 to 40 of 40 challenges"
    assert listed(by_agency)[:2] == ["DEMO-000002", "DEMO-000005"]
    # A theme is found inside a cell naming several.
    assert showing(support.get("/demo/challenges?q=referral")) == "Showing 1 to 50 of 80 challenges"
    nothing = support.get("/demo/challenges?q=nobody")
    assert page(nothing).select_one("#none").get_text(strip=True) == "No challenges match your search and filters."


def test_filters_combine_and_the_status_counts_follow_them(support):
    response = support.get("/demo/challenges", query_string={
        "agency": "Health", "theme": "Information sharing", "step": "2", "sort": "reference"})
    # n % 3 == 1: Health challenged, "Information sharing; Referral criteria", step 2.
    assert listed(response)[:3] == ["DEMO-000001", "DEMO-000004", "DEMO-000007"]
    assert showing(response) == "Showing 1 to 40 of 40 challenges"
    counts = {a.get_text(strip=True) for a in page(response).select('nav[aria-label="Filter by status"] a')}
    assert "Resolved (4)" in counts  # 10, 40, 70, 100
    resolved = support.get("/demo/challenges", query_string={
        "agency": "Health", "theme": "Information sharing", "step": "2", "status": "resolved"})
    assert listed(resolved) == ["DEMO-000010", "DEMO-000040", "DEMO-000070", "DEMO-000100"]
    # The raising agency counts too.
    assert showing(support.get("/demo/challenges?agency=health&status=all")) == "Showing 1 to 50 of 60 challenges"


def test_the_period_filter_uses_the_reporting_periods(support):
    # TODAY is 2 November 2026: the current period began on 1 October (challenges 1 to 10).
    response = support.get("/demo/challenges?period=current&sort=reference")
    assert listed(response) == [f"DEMO-{n:06d}" for n in range(1, 11)]
    options = [o.get_text(strip=True) for o in page(response).select("#period option")]
    assert options == ["Any time", "Current period (Oct 2026 to Mar 2027)", "Previous period (Apr 2026 to Sep 2026)",
                       "Year (Apr 2026 to Mar 2027)"]


def test_sorting(support):
    assert listed(support.get("/demo/challenges?sort=newest"))[:2] == ["DEMO-000001", "DEMO-000002"]
    assert listed(support.get("/demo/challenges?sort=oldest"))[:2] == ["DEMO-000120", "DEMO-000119"]
    assert listed(support.get("/demo/challenges?sort=reference&page=3"))[-1] == "DEMO-000120"


def test_every_link_keeps_the_query(support):
    response = support.get("/demo/challenges", query_string={"q": "demo", "sort": "oldest"})
    soup = page(response)
    next_page = query_of(soup.select_one("#pages a[rel=next]")["href"])
    assert next_page == {"q": ["demo"], "sort": ["oldest"], "page": ["2"]}
    assert listed(support.get(soup.select_one("#pages a[rel=next]")["href"]))[0] == "DEMO-000070"
    overdue = next(a for a in soup.select('nav[aria-label="Filter by status"] a') if a.get_text().startswith("Overdue"))
    assert query_of(overdue["href"]) == {"q": ["demo"], "sort": ["oldest"], "status": ["overdue"]}
    # The form shows what was asked, so the next search starts from it.
    assert soup.select_one("#q")["value"] == "demo"
    assert soup.select_one("#sort option[selected]")["value"] == "oldest"
    assert soup.select_one("#search")["method"] == "get"


@pytest.mark.parametrize("query", [{"status": "bogus"}, {"step": "9"}, {"period": "decade"}, {"sort": "random"},
                                   {"page": "0"}, {"page": "two"}, {"q": "x" * 101}])
def test_a_value_the_page_does_not_offer_is_a_400(support, query):
    response = support.get("/demo/challenges", query_string=query)
    assert response.status_code == 400
    assert "Sorry, there is a problem with your request" in text(response)


def test_a_page_past_the_last_is_not_found(support):
    assert support.get("/demo/challenges?page=4").status_code == 404
    assert support.get("/demo/challenges?page=3").status_code == 200


def test_practitioners_get_their_own_list_not_the_search(client, workbook, monkeypatch):
    monkeypatch.setattr(lists, "today", lambda: TODAY)
    workbook.append(CHALLENGES, ROWS[:3])
    sign_in_as(client, RAISER)
    response = client.get("/demo/challenges?q=police&sort=oldest")
    assert page(response).h1.get_text(strip=True) == "Your challenges"
    assert page(response).select_one("#search") is None
