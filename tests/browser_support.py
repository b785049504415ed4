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
    """One headless Chromium (Playwright's sync API allows one per thread at a time)."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


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
