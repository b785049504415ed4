"""Helpers for the challenge and compliance page tests: a demo workbook with a Lists tab,
signing a person in, and sending a form the way a browser does (its CSRF token and hidden fields)."""
from __future__ import annotations

import email
import time
from email import policy
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import url_for
from jinja2 import BytecodeCache

from partnership import partnerships_of
from sheets.base import Workbook
from sheets.open import open_workbook
from sheets.schema import AGENCIES, LISTS, THEMES

LIST_AGENCIES = ("Health", "Police", "Children's social care", "Education")
LIST_THEMES = ("Timeliness", "Information sharing", "Other")

RAISER = "sam.jones@example.nhs.uk"
COLLEAGUE = "someone.else@example.nhs.uk"
SUPPORT = "business.support@demo-partnership.example"


class SharedBytecode(BytecodeCache):
    """Compiled templates kept for the whole test session: each test builds a new app, and
    compiling the GOV.UK macros again for every one of them is most of a page test's time."""

    def __init__(self):
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


SHARED_BYTECODE = SharedBytecode()


@pytest.fixture
def app(app):
    app.jinja_env.bytecode_cache = SHARED_BYTECODE
    return app


@pytest.fixture
def partnership(app):
    return partnerships_of(app)["demo"]


@pytest.fixture
def workbook(partnership) -> Workbook:
    """The demo partnership's local workbook under tmp_path, set up with its tabs and a Lists tab."""
    book = open_workbook(partnership, purpose="web")
    book.init()
    rows = [{AGENCIES: a, THEMES: t} for a, t in zip(LIST_AGENCIES, (*LIST_THEMES, ""))]
    book.append(LISTS, rows)
    return book


def page_urls(app, slug: str = "demo"):
    """``urls(endpoint, **values)``: a page's address by endpoint name, for the partnership ``slug``.

    Each call pushes and pops its own context: a context left pushed would share ``g``
    (and so one CSRF token) across the test client's requests.
    """
    def urls(endpoint: str, **values) -> str:
        with app.test_request_context():
            return url_for(endpoint, **{"slug": slug, **values})
    return urls


def sign_in_as(client, email_address: str, role: str = "practitioner", reference: str | None = None,
               slug: str = "demo") -> None:
    with client.session_transaction() as s:
        s["user"] = {"email": email_address, "partnership": slug, "role": role, "reference": reference}
        s["seen"] = int(time.time())


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def text(response) -> str:
    return page(response).get_text(" ", strip=True)


def errors(response) -> list[str]:
    """The error messages shown beside the fields, as a person reads them."""
    return [e.get_text(" ", strip=True).removeprefix("Error:").strip()
            for e in page(response).select(".govuk-error-message")]


def summary_errors(response) -> list[str]:
    return [a.get_text(strip=True) for a in page(response).select(".govuk-error-summary__list a")]


def hidden_fields(response) -> dict[str, str]:
    return {i["name"]: i.get("value", "") for i in page(response).select("form input[type=hidden]")}


def filled_in(response) -> dict[str, Any]:
    """What the page's form would send untouched: hidden fields, and boxes the page filled in
    (a date offered as today), each name with all its values, as a browser sends them."""
    values: dict[str, list[str]] = {}
    for i in page(response).select("form input"):
        kind = i.get("type", "text")
        if i.get("name") and kind in ("hidden", "text", "email") and i.get("value") is not None:
            values.setdefault(i["name"], []).append(i.get("value", ""))
    return {name: v[0] if len(v) == 1 else v for name, v in values.items()}


def send_form(client, url: str, data: dict[str, Any], *, opened=None):
    """Open ``url`` (or use the page already ``opened``), then post ``data`` over what the page's form
    already holds (its hidden fields and anything it filled in)."""
    shown = opened if opened is not None else client.get(url, follow_redirects=True)
    return client.post(url, data={**filled_in(shown), **data})


def outbox(app) -> list[email.message.EmailMessage]:
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) if folder.exists() else []
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in files]


def body(message: email.message.EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()
