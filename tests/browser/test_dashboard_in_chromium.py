"""The dashboard in real headless Chromium: the charts are drawn, and axe finds no accessibility violations."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sheets.local import LocalWorkbook
from tests.browser_support import assert_accessible, served
from tests.jobs import summary_dataset as data
from views import dashboard
from views.auth import LAST_SEEN


@pytest.fixture
def dashboard_server(app, client, tmp_path, monkeypatch):
    """The app on a free local port, with the dataset, and a business support session cookie."""
    path = tmp_path / "instance" / "demo.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    data.fill(LocalWorkbook(path))
    monkeypatch.setattr(dashboard, "today", lambda: data.TODAY)
    with client.session_transaction() as s:
        s["user"] = {"email": "business.support@demo-partnership.example", "partnership": "demo",
                     "role": "business_support", "reference": None}
        s[LAST_SEEN] = int(time.time())
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    with served(app) as url:
        yield url, cookie.value


def test_the_dashboard_in_a_browser(dashboard_server, browser, tmp_path: Path):
    base, session = dashboard_server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "session", "value": session, "url": base}])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/demo/dashboard")
    assert page.locator("h1").inner_text() == "Professional challenge dashboard"
    # Business support's navigation (their longest) takes one line at 1280 px.
    tops = page.locator(".govuk-service-navigation__item").evaluate_all(
        "items => items.map(i => Math.round(i.getBoundingClientRect().top))")
    assert len(tops) == 6 and len(set(tops)) == 1, tops
    for chart in ("raised-by", "received-by", "step", "theme", "trend"):
        svg = page.locator(f"#chart-{chart} svg")
        box = svg.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 40, chart
        assert page.get_by_role("img", name=svg.get_attribute("aria-label")).count() == 1
    bar = page.locator("#chart-raised-by rect").first.bounding_box()
    assert bar and bar["width"] > 100
    page.screenshot(path=os.environ.get("DASHBOARD_SCREENSHOT", str(tmp_path / "dashboard.png")), full_page=True)
    assert_accessible(page, "dashboard")
    assert not errors, errors

    page.locator("#board-paper").click()
    page.wait_for_url("**/demo/dashboard/board-paper?period=year")
    assert page.locator("h1").inner_text() == "Professional challenge: board paper"
    assert_accessible(page, "board paper")
    # Printed on A4 (180mm between 15mm margins, 680 CSS px): no header, navigation, account line,
    # period links or buttons; nothing wider than the paper.
    page.set_viewport_size({"width": 680, "height": 900})
    page.emulate_media(media="print")
    for hidden in (".govuk-header", ".govuk-service-navigation", "#account", "#paper-tools", ".govuk-footer",
                   ".govuk-back-link"):
        assert not page.locator(hidden).first.is_visible(), hidden
    assert page.locator("#commentary").is_visible() and page.locator(".app-chart svg").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 680
    pdf = page.pdf(format="A4", path=str(tmp_path / "board-paper.pdf"))
    assert pdf.startswith(b"%PDF")
    context.close()
