"""Signing in and out in real headless Chromium: the pages pass axe, and the
Content-Security-Policy blocks nothing the pages need (GOV.UK's inline script runs)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.auth.conftest import outbox
from tests.browser_support import assert_accessible, served


@pytest.fixture
def auth_server(app, tmp_path: Path):
    """The app on a free local port, its emailed links pointing at that port."""
    with served(app) as url:
        yield url


def test_signing_in_and_out_in_a_browser(app, auth_server, browser):
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)

    page.goto(f"{auth_server}/demo/sign-in")
    assert "js-enabled" in page.evaluate("document.body.className")  # the hashed inline script ran
    assert_accessible(page, "sign-in page")

    page.keyboard.press("Tab")  # skip link
    page.get_by_label("Your work email address").focus()
    page.keyboard.type("not an address")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.title().startswith("Error:")
    assert_accessible(page, "sign-in page with an error")

    page.get_by_label("Your work email address").fill("pat.smith@example.nhs.uk")
    page.get_by_role("button", name="Send me a sign-in link").click()
    page.wait_for_url("**/check-your-email")
    assert page.locator("h1").inner_text() == "Check your email"
    assert_accessible(page, "check-your-email page")

    link = re.search(r"http://\S+/sign-in/\S+", outbox(app)[-1].get_body(("plain",)).get_content()).group(0)
    page.goto(link)
    assert_accessible(page, "continue page")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{auth_server}/demo/")
    account = page.get_by_role("navigation", name="Account")
    assert "Signed in as pat.smith@example.nhs.uk" in account.inner_text()
    assert_accessible(page, "start page, signed in")

    account.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{auth_server}/demo/sign-in")
    assert "You have signed out." in page.inner_text("main")

    page.goto(link)
    assert page.locator("h1").inner_text() == "This sign-in link has already been used"
    assert_accessible(page, "used link page")
    # The refused link's 410 is reported by Chromium as a failed resource load; nothing else may be.
    assert [m for m in problems if "410" not in m] == []
    context.close()


def test_business_support_sign_someone_out_everywhere_in_a_browser(page, live):
    from state import store_for

    laptop = live.session_cookie("pat.smith@example.nhs.uk")
    page.context.add_cookies([live.session_cookie("business.support@demo-partnership.example",
                                                  role="business_support")])
    page.goto("/demo/dashboard")
    page.get_by_role("link", name="Sign someone out").click()
    page.wait_for_url("**/demo/sessions")
    assert page.locator("h1").inner_text() == "Sign someone out everywhere"
    assert_accessible(page, "sign someone out")

    page.get_by_role("button", name="Sign this address out everywhere").click()
    page.wait_for_load_state()
    assert page.title().startswith("Error:")
    assert_accessible(page, "sign someone out with an error")

    page.get_by_label("Email address").fill("Pat.Smith@example.nhs.uk")
    page.get_by_role("button", name="Sign this address out everywhere").click()
    page.wait_for_url("**/demo/sessions")
    assert "1 session of pat.smith@example.nhs.uk ended" in page.inner_text("main")
    assert_accessible(page, "sign someone out, done")
    assert store_for(live.app.config).load_session(laptop["value"]) is None
