"""The dashboard in real headless Chromium: the charts are drawn, and axe finds no accessibility violations."""
from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from sheets.local import LocalWorkbook
from tests.jobs import summary_dataset as data
from views import dashboard
from views.auth import LAST_SEEN

CHROMIUM = "/usr/bin/chromium"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium at /usr/bin/chromium")


@pytest.fixture
def server(app, client, tmp_path, monkeypatch):
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
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    httpd = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", cookie.value
    httpd.shutdown()
    thread.join()


def test_the_dashboard_in_a_browser(server, tmp_path: Path):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    base, session = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_cookies([{"name": "session", "value": session, "url": base}])
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{base}/demo/dashboard")
            assert page.locator("h1").inner_text() == "Professional challenge dashboard"
            for chart in ("raised-by", "received-by", "step", "theme", "trend"):
                svg = page.locator(f"#chart-{chart} svg")
                box = svg.bounding_box()
                assert box and box["width"] > 200 and box["height"] > 40, chart
                assert page.get_by_role("img", name=svg.get_attribute("aria-label")).count() == 1
            bar = page.locator("#chart-raised-by rect").first.bounding_box()
            assert bar and bar["width"] > 100
            page.screenshot(path=os.environ.get("DASHBOARD_SCREENSHOT", str(tmp_path / "dashboard.png")), full_page=True)
            # WCAG 2.1 A and AA rules (axe's best-practice rules are advice, not the standard).
            results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
            assert results.violations_count == 0, results.generate_report()
            assert not errors, errors
        finally:
            browser.close()
