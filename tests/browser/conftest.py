"""The app served on a free local port in a thread, and one headless Chromium for the whole session.

Chromium is Debian's (/usr/bin/chromium); Playwright never downloads a browser here.
See tests/browser_support.py. Both fixtures live for this package
only: Playwright's sync API allows one instance per thread, and other packages start their own.
"""
from __future__ import annotations

import secrets
import shutil
import time
from pathlib import Path
from typing import Iterator

import pytest

from app import create_app
from partnership import partnerships_of
from tests.browser_support import chromium, served
from sheets.open import open_workbook
from sheets.schema import AGENCIES, LISTS, THEMES
from state import store_for

ROOT = Path(__file__).resolve().parents[2]


class LiveApp:
    """The running app: its address, the Flask app, and a way to sign a browser in."""

    def __init__(self, app, url: str):
        self.app, self.url = app, url

    def session_cookie(self, email: str, role: str = "practitioner", reference: str | None = None) -> dict:
        """A session for ``email`` in the state store and its cookie, as signing in would make them
        (the sign-in pages are tested elsewhere)."""
        now = int(time.time())
        data = {"user": {"email": email, "partnership": "demo", "role": role, "reference": reference},
                "seen": now, "since": now}
        value = secrets.token_urlsafe(32)
        store_for(self.app.config).save_session(value, data, 3600, email)
        return {"name": self.app.config.get("SESSION_COOKIE_NAME", "session"), "value": value,
                "url": self.url}

    @property
    def partnership(self):
        return partnerships_of(self.app)["demo"]


@pytest.fixture(scope="package")
def live(tmp_path_factory) -> Iterator[LiveApp]:
    base = tmp_path_factory.mktemp("live")
    (base / "partnerships").mkdir()
    shutil.copy(ROOT / "partnerships" / "demo.toml", base / "partnerships" / "demo.toml")
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "browser-test-secret",
        "PARTNERSHIPS_DIR": str(base / "partnerships"),
        "BASE_DIR": str(base),
        "MAIL_BACKEND": "outbox",
        "MAIL_OUTBOX_DIR": str(base / "outbox"),
        "STATE_URL": f"sqlite:///{base}/state.sqlite3",
        "SESSION_COOKIE_SECURE": False,
        "LOCAL_DEV": True,
        "RATELIMIT_ENABLED": False,
        "SIGN_IN_MIN_SECONDS": 0,
    })
    book = open_workbook(partnerships_of(app)["demo"])
    book.init()
    book.append(LISTS, [{AGENCIES: "Health", THEMES: "Timeliness"}, {AGENCIES: "Police", THEMES: "Other"},
                        {AGENCIES: "Children's social care"}])
    with served(app) as url:
        yield LiveApp(app, url)


@pytest.fixture(scope="package")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser, live):
    context = browser.new_context(base_url=live.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
