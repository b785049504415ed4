"""What every browser test shares: Debian's Chromium, the app served on a free local port, and axe.

Playwright never downloads a browser here: it drives /usr/bin/chromium (``apt-get install
chromium``). Without it the tests are skipped on a developer's machine and fail under CI.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def need_chromium() -> None:
    """Skip (or, under CI, fail) when Debian's Chromium is not installed."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is not installed: .ci/run must apt-get install chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


@contextmanager
def chromium() -> Iterator:
    """One headless Chromium (Playwright's sync API allows one per thread at a time), every page
    of which is checked for reflow at 320 CSS px (see ``reflow_checked``)."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, reflow_checked():
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


NARROW = {"width": 320, "height": 640}  # WCAG 2.2 1.4.10 Reflow: 320 CSS px wide


def too_wide(context, url: str) -> str | None:
    """Load ``url`` in ``context`` (its cookies, so as the same person) at 320 CSS px wide; say how
    wide it is if it scrolls sideways."""
    page = context.new_page()
    try:
        page.set_viewport_size(NARROW)
        page.goto(url)
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > NARROW["width"]:
            return f"{url} is {width}px wide at {NARROW['width']}px"
        return None
    finally:
        page.close()


@contextmanager
def reflow_checked() -> Iterator[None]:
    """Every page a browser context loads is loaded again at 320 CSS px when the context closes;
    closing fails if any of them is wider than the viewport (it would scroll sideways).

    Playwright's sync API cannot load a page from inside an event handler, so pages are
    collected as they load and checked as the context closes, while the app still runs."""
    from playwright.sync_api import Browser, BrowserContext

    new_context, close = Browser.new_context, BrowserContext.close
    visited: dict[int, list[str]] = {}
    checking: set[int] = set()

    def watched_new_context(self, *args, **kwargs):
        context = new_context(self, *args, **kwargs)
        seen = visited.setdefault(id(context), [])

        def on_page(page) -> None:
            def on_load(loaded) -> None:
                url = loaded.url
                if id(context) not in checking and url.startswith("http") and url not in seen:
                    seen.append(url)
            page.on("load", on_load)

        context.on("page", on_page)
        return context

    def checked_close(self, *args, **kwargs):
        urls = visited.pop(id(self), [])
        checking.add(id(self))
        try:
            wide = [w for url in urls if (w := too_wide(self, url))]
        finally:
            checking.discard(id(self))
            close(self, *args, **kwargs)
        assert not wide, "pages scroll sideways at 320px (WCAG 1.4.10 Reflow):\n" + "\n".join(wide)

    Browser.new_context, BrowserContext.close = watched_new_context, checked_close
    try:
        yield
    finally:
        Browser.new_context, BrowserContext.close = new_context, close


@contextmanager
def served(app) -> Iterator[str]:
    """``app`` served in a thread on a free port of 127.0.0.1; yields its address, which emailed links use."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        thread.join(timeout=5)


def assert_accessible(page, what: str = "") -> None:
    """axe-core, every rule, finds nothing on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("load")
    results = Axe().run(page)
    assert results.response["testEngine"]["name"] == "axe-core"  # it really ran on this page
    assert results.violations_count == 0, f"{what or page.url}\n{results.generate_report()}"
