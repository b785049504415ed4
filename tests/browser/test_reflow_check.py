"""The reflow check every browser test gets: a page wider than 320 CSS px fails the test that loaded it."""
from __future__ import annotations

import pytest
from flask import Flask

from tests.browser_support import served

HEAD = "<!doctype html><html><head><meta name='viewport' content='width=device-width, initial-scale=1'></head>"


@pytest.fixture(scope="module")
def pages():
    app = Flask("reflow")
    app.add_url_rule("/fits", "fits", lambda: HEAD + "<body><p>Fits</p></body></html>")
    app.add_url_rule("/table", "table",
                     lambda: HEAD + "<body><table><tr>" + "<td>DEMO-ABCDEFGHJK</td>" * 8 + "</tr></table></body></html>")
    with served(app) as url:
        yield url


def test_a_page_that_fits_passes(browser, pages):
    context = browser.new_context()
    context.new_page().goto(pages + "/fits")
    context.close()


def test_a_page_that_scrolls_sideways_at_320px_fails_even_if_the_test_saw_it_wide(browser, pages):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(pages + "/fits")
    page.goto(pages + "/table")
    with pytest.raises(AssertionError, match=r"/table is \d+px wide at 320px") as failed:
        context.close()
    assert "/fits" not in str(failed.value)
