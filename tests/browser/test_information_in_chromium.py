"""The accessibility statement, privacy notice, cookies and immediate-risk pages of every example
partnership, and the subject access search, in headless Chromium: each passes axe (every rule)
and reflows at 320 CSS pixels wide (1280 pixels at 400% zoom) without scrolling sideways."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app import create_app
from sheets.schema import CHALLENGES
from tests.browser_support import assert_accessible, served

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "partnerships" / "examples").glob("*.toml")) + [ROOT / "partnerships" / "demo.toml"]
PAGES = ("accessibility", "privacy", "cookies", "immediate-risk")


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    """Every example partnership and the demo, served on a free local port."""
    base = tmp_path_factory.mktemp("examples")
    (base / "partnerships").mkdir()
    for f in FILES:
        shutil.copy(f, base / "partnerships" / f.name)
    app = create_app({"TESTING": True, "SECRET_KEY": "browser-test-secret", "LOCAL_DEV": True,
                      "PARTNERSHIPS_DIR": str(base / "partnerships"), "BASE_DIR": str(base),
                      "STATE_URL": f"sqlite:///{base}/state.sqlite3", "SESSION_COOKIE_SECURE": False,
                      "RATELIMIT_ENABLED": False})
    with served(app) as url:
        yield url


def assert_reflows(page, what: str) -> None:
    """At 320 CSS pixels wide nothing makes the page scroll sideways."""
    page.set_viewport_size({"width": 320, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1024, "height": 800})
    assert width <= 320, f"{what}: {width} CSS pixels wide at a 320-pixel viewport"


@pytest.mark.parametrize("slug", [f.stem for f in FILES])
def test_a_partnerships_pages_pass_axe_and_reflow(browser, examples, slug):
    context = browser.new_context(base_url=examples)
    page = context.new_page()
    for name in PAGES:
        page.goto(f"/{slug}/{name}")
        assert page.locator("h1").count() == 1
        assert_accessible(page, f"{slug} {name}")
        assert_reflows(page, f"{slug} {name}")
    context.close()


def test_the_services_own_pages_pass_axe_and_reflow(browser, examples):
    context = browser.new_context(base_url=examples)
    page = context.new_page()
    for name in PAGES[:3]:
        page.goto(f"/{name}")
        assert_accessible(page, name)
        assert_reflows(page, name)
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="Privacy notice").click()
    page.wait_for_url("**/privacy")
    context.close()


def test_finding_a_persons_data_passes_axe_and_reflows(live, page):
    book_row = {"Reference": "DEMO-AAA111", "Raised on": "2026-11-02", "Raised by": "Sam Jones",
                "Raiser email": "sam.jones@example.nhs.uk", "Step": "1"}
    from sheets.open import open_workbook
    open_workbook(live.partnership).append(CHALLENGES, [book_row])
    page.context.add_cookies([live.session_cookie("business.support@demo-partnership.example",
                                                  role="business_support")])
    page.goto("/demo/subject-access")
    assert_accessible(page, "search page")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state("load")
    assert page.title().startswith("Error:")
    assert_accessible(page, "search with an error")
    page.get_by_label("Email address or name").fill("Sam Jones")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state("load")
    assert "1 row found" in page.inner_text("main")
    assert_accessible(page, "search results")
    assert_reflows(page, "search results")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the rows (CSV)").click()
    assert download.value.suggested_filename.startswith("demo-subject-access-")
