"""The challenge lists and the service navigation in real headless Chromium: axe-core finds nothing,
and on a narrow screen the navigation folds behind its Menu button."""
from __future__ import annotations

import datetime as dt

from procedures.values import format_date
from sheets.open import open_workbook
from sheets.schema import CHALLENGES
from tests.browser_support import assert_accessible

LISTER = "lee.lister@example.police.uk"
SUPPORT = "business.support@demo-partnership.example"


def add_rows(live) -> None:
    """An overdue challenge, a resolved one, and a row with a mistyped date, all naming LISTER."""
    book = open_workbook(live.partnership)
    long_ago = format_date(dt.date.today() - dt.timedelta(days=60))
    book.append(CHALLENGES, [
        {"Reference": "DEMO-LSTOVR", "Raised on": long_ago, "Raiser email": LISTER, "Other agency": "Health",
         "Step": "1"},
        {"Reference": "DEMO-LSTRES", "Raised on": long_ago, "Raiser email": LISTER, "Other agency": "Police",
         "Step": "2", "Resolved on": format_date(dt.date.today())},
        {"Reference": "DEMO-LSTBAD", "Raised on": "31/02/2026", "Raiser email": LISTER, "Step": "1"},
    ])


def test_the_lists_and_navigation_pass_axe(page, live):
    add_rows(live)
    page.goto("/demo/")
    assert page.locator(".govuk-service-navigation__link").all_inner_texts() == ["Start"]
    assert_accessible(page, "start page, signed out")

    page.context.add_cookies([live.session_cookie(LISTER)])
    page.goto("/demo/challenges")
    assert page.locator("h1").inner_text() == "Your challenges"
    assert page.locator("#raised-by-you tbody th").all_inner_texts()[:2] == ["DEMO-LSTOVR", "DEMO-LSTRES"]
    assert page.locator("[aria-current=page]", has_text="Your challenges").count() == 1
    assert page.locator("#problems").count() == 0
    assert_accessible(page, "your challenges")

    page.get_by_role("link", name="Resolved (1)").click()
    page.wait_for_url("**/demo/challenges?status=resolved")
    assert page.locator("#raised-by-you tbody th").all_inner_texts() == ["DEMO-LSTRES"]
    assert_accessible(page, "your challenges, resolved only")

    page.context.add_cookies([live.session_cookie(SUPPORT, role="business_support")])
    page.goto("/demo/challenges")
    assert page.locator("#problems tbody tr", has_text="Raised on").count() >= 1
    assert_accessible(page, "every challenge and the rows to correct")
    page.goto("/demo/compliance")
    assert page.locator("h1").inner_text() == "All compliance challenges"
    assert_accessible(page, "compliance challenges")


def test_on_a_narrow_screen_the_navigation_opens_from_its_menu_button(page, live):
    page.set_viewport_size({"width": 360, "height": 740})
    page.context.add_cookies([live.session_cookie(LISTER)])
    page.goto("/demo/challenges")
    menu = page.get_by_role("button", name="Menu")
    assert menu.is_visible()
    assert not page.get_by_role("link", name="Raise a challenge").is_visible()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("link", name="Raise a challenge").is_visible()
    assert_accessible(page, "navigation open on a narrow screen")


def test_all_challenges_search_and_filters_pass_axe_and_stack_on_a_phone(page, live):
    open_workbook(live.partnership).append(CHALLENGES, [
        {"Reference": "DEMO-ALLHLT", "Raised on": format_date(dt.date.today()), "Raiser email": LISTER,
         "Other agency": "Health", "Theme": "Timeliness", "Step": "1"}])
    page.set_viewport_size({"width": 1280, "height": 900})
    page.context.add_cookies([live.session_cookie(SUPPORT, role="business_support")])
    page.goto("/demo/challenges")
    assert page.locator("h1").inner_text() == "All challenges"
    page.get_by_label("Search by reference, agency or theme").fill("health")
    page.get_by_label("Sort by").select_option("reference")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/demo/challenges?q=health*")
    assert "sort=reference" in page.url
    assert "DEMO-ALLHLT" in page.locator("#challenges tbody th").all_inner_texts()
    assert_accessible(page, "all challenges, searched")
    # On a phone each row stacks, every value under its heading, and nothing scrolls sideways.
    page.set_viewport_size({"width": 320, "height": 640})
    cell = page.locator("#challenges tbody tr td").first
    assert cell.evaluate("td => getComputedStyle(td, '::before').content") == '"Raised on: "'
    assert cell.evaluate("td => getComputedStyle(td).display") == "block"
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
