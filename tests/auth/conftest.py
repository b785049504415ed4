"""Fixtures for sign-in and security: a second partnership, a private test store, and helpers
that act as a person would (read the form's CSRF token, open the emailed link)."""
from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

OTHER_TOML = '''slug = "other"
name = "Other Safeguarding Partnership"
nation = "WLS"
procedure = "pan-cheshire"

[sheet]
backend = "local"
path = "instance/other.xlsx"

[email]
from = "challenges@other-partnership.example"
business_support = "support@other-partnership.example"
partnership_manager = "manager@other-partnership.example"

[access]
allowed_domains = ["other-partnership.example"]
business_support_users = ["support@other-partnership.example"]
'''

PRACTITIONER = "pat.smith@example.nhs.uk"
BUSINESS_SUPPORT = "business.support@demo-partnership.example"
STRANGER = "someone@gmail.example"


@pytest.fixture
def partnerships_dir(partnerships_dir: Path) -> Path:
    """The demo partnership and a second one, ``other``, with its own domains."""
    (partnerships_dir / "other.toml").write_text(OTHER_TOML)
    return partnerships_dir


@pytest.fixture
def pages_app(app):
    """The app with two pages of a partnership: one for anyone, and one behind ``login_required``
    with a one-field form that records what it saves in ``app.extensions["test_saved"]``."""
    from flask import current_app, render_template_string
    from flask_wtf import FlaskForm
    from wtforms import StringField

    from views.auth import login_required
    from views.partnership import get_partnership

    template = (
        '{% extends "base.html" %}{% block title %}Test{% endblock %}{% block body %}<h1>{{ text }}</h1>'
        '{% if form %}<form method="post" novalidate>{{ form.csrf_token }}'
        '<input name="note" value="{{ form.note.data or \'\' }}"></form>{% endif %}{% endblock %}'
    )

    class NoteForm(FlaskForm):
        note = StringField("Note")

    def public_page(slug):
        return render_template_string(template, partnership=get_partnership(slug), text="Public")

    @login_required
    def private_page(slug):
        form = NoteForm()
        if form.validate_on_submit():
            current_app.extensions["test_saved"].append(form.note.data)
            return "saved"
        return render_template_string(template, partnership=get_partnership(slug), text="Private", form=form)

    app.extensions["test_saved"] = []
    app.add_url_rule("/<slug>/test-public", "test_public", public_page)
    app.add_url_rule("/<slug>/test-private", "test_private", private_page, methods=["GET", "POST"])
    return app


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def heading(response) -> str:
    return page(response).h1.get_text(" ", strip=True)


def csrf_token(client, path: str) -> str:
    """The CSRF token a person's browser holds after opening ``path``."""
    found = page(client.get(path)).find("input", {"name": "csrf_token"})
    assert found is not None, f"no csrf_token on {path}"
    return found["value"]


def outbox(app) -> list[email.message.EmailMessage]:
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    if not folder.exists():
        return []
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)]


def link_in(message: email.message.EmailMessage) -> str:
    """The path of the sign-in link in an emailed message."""
    text = message.get_body(("plain",)).get_content()
    found = re.search(r"http://localhost(/\S+/sign-in/\S+)", text)
    assert found, text
    return found.group(1)


def ask_for_link(client, address: str, slug: str = "demo", next_path: str | None = None):
    query = f"?next={next_path}" if next_path else ""
    token = csrf_token(client, f"/{slug}/sign-in{query}")
    form = {"csrf_token": token, "email": address}
    if next_path:
        form["next"] = next_path
    return client.post(f"/{slug}/sign-in", data=form)


def use_link(client, path: str):
    """Open the emailed link and select "Sign in", as a person does."""
    shown = client.get(path)
    assert shown.status_code == 200, shown.status_code
    token = page(shown).find("input", {"name": "csrf_token"})["value"]
    return client.post(path, data={"csrf_token": token})


def sign_in_as(app, client, address: str, slug: str = "demo"):
    """Sign ``client`` in through the real emailed-link flow; returns the final response."""
    before = len(outbox(app))
    ask_for_link(client, address, slug)
    messages = outbox(app)
    assert len(messages) == before + 1, "no sign-in email was sent"
    return use_link(client, link_in(messages[-1]))
