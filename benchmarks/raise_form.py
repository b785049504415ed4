"""Raising a challenge, counted: the pages a person goes through before it is sent and the
questions on each, the first time and when they raise again (their name, role and agency known).

Run: .venv/bin/python benchmarks/raise_form.py

It walks the form through the app's test client as a browser would: on each page it answers
every question (a yes/no about immediate risk with "no"), sends it and follows where it leads,
until the "Challenge raised" page. A question is a named control a person sees (a group of
radios or checkboxes, or the three boxes of a date, count once); "already answered" are those
the page shows filled in.
"""
from __future__ import annotations

import contextlib
import io
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from partnership import partnerships_of  # noqa: E402
from sheets.open import open_workbook  # noqa: E402
from sheets.schema import AGENCIES, LISTS, THEMES  # noqa: E402

EMAIL = "robin.raiser@example.nhs.uk"
TEXT = {"email": "someone@example.nhs.uk", "case": "CS-12345", "name": "Robin Raiser", "role": "Nurse"}
LIMIT = 20


def answer(name: str, control) -> str:
    """A plausible answer for a control, by its name and kind."""
    lowered = name.lower()
    if control.name == "select":
        options = [o.get("value", "") for o in control.select("option") if o.get("value")]
        return options[0]
    if "email" in lowered:
        return TEXT["email"]
    if "case" in lowered:
        return TEXT["case"]
    if "role" in lowered:
        return TEXT["role"]
    if "name" in lowered or "professional" in lowered:
        return TEXT["name"]
    return "Something a person wrote."


def walk(client, start: str) -> list[tuple[str, int, int]]:
    """(page title, questions, already answered) for each page before the challenge is raised."""
    pages: list[tuple[str, int, int]] = []
    response = client.get(start, follow_redirects=True)
    url = start
    for _ in range(LIMIT):
        soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        if soup.select_one(".govuk-panel--confirmation"):
            return pages
        form = next((f for f in soup.select("main form") if f.get("method", "get").lower() == "post"), None)
        assert form is not None, f"no form on {url}: {soup.title.get_text() if soup.title else ''}"
        data: dict[str, list[str]] = {}
        questions: dict[str, bool] = {}
        for control in form.select("input, select, textarea"):
            name = control.get("name")
            kind = control.get("type", "text")
            if not name or kind in ("submit", "button"):
                continue
            if kind == "hidden":
                data.setdefault(name, []).append(control.get("value", ""))
                continue
            key = name
            if kind in ("radio", "checkbox"):
                filled = control.has_attr("checked")
            elif control.name == "select":
                filled = any(o.has_attr("selected") and o.get("value") for o in control.select("option"))
            elif control.name == "textarea":
                filled = bool(control.get_text(strip=True))
            else:
                filled = bool(control.get("value"))
            questions[key] = questions.get(key, False) or filled
            if kind == "radio":
                if key not in data or control.get("value") == "no":
                    data[key] = [control["value"]]
            elif kind == "checkbox":
                data.setdefault(key, [control["value"]])
            elif control.get("value"):
                data.setdefault(key, []).append(control["value"])
            elif control.name == "textarea" and control.get_text(strip=True):
                data[key] = [control.get_text()]
            elif control.get("inputmode") == "numeric" or "date-input" in " ".join(control.get("class", [])):
                part = control.get("id", "").rsplit("-", 1)[-1]
                data.setdefault(key, []).append({"month": "1", "year": "2026"}.get(part, "5"))
            else:
                data.setdefault(key, []).append(answer(name, control))
        title = soup.title.get_text(strip=True).split(" – ")[0] if soup.title else url
        pages.append((title, len(questions), sum(questions.values())))
        response = client.post(form.get("action") or url, data=data)
        while response.status_code in (301, 302, 303):
            url = response.headers["Location"]
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    raise AssertionError(f"no confirmation after {LIMIT} pages")


def main() -> None:
    logging.disable(logging.WARNING)
    base = Path(tempfile.mkdtemp())
    try:
        shutil.copytree(ROOT / "partnerships", base / "partnerships",
                        ignore=lambda d, names: [n for n in names if n not in ("demo.toml",) and n.endswith(".toml")])
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                          "PARTNERSHIPS_DIR": str(base / "partnerships"), "BASE_DIR": str(base),
                          "MAIL_BACKEND": "outbox", "MAIL_OUTBOX_DIR": str(base / "outbox"),
                          "PENDING_DIR": str(base / "pending"), "STATE_STORE": f"sqlite:///{base}/state.sqlite3",
                          "SESSION_COOKIE_SECURE": False, "SIGN_IN_MIN_SECONDS": 0, "RATELIMIT_ENABLED": False})
        book = open_workbook(partnerships_of(app)["demo"])
        book.init()
        book.append(LISTS, [{AGENCIES: "Health", THEMES: "Timeliness"}, {AGENCIES: "Police", THEMES: "Other"}])
        client = app.test_client()
        with client.session_transaction() as s:
            s["user"] = {"email": EMAIL, "partnership": "demo", "role": "practitioner", "reference": None}
            s["seen"] = int(time.time())
        with app.test_request_context():
            from flask import url_for
            start = url_for("challenges.new", slug="demo")
        for when in ("first challenge", "next challenge"):
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):  # outbox lines
                pages = walk(client, start)
            total = sum(q for _, q, _ in pages)
            known = sum(k for _, _, k in pages)
            print(f"{when}: {len(pages)} page{'s' if len(pages) != 1 else ''} before it is sent, "
                  f"{total} questions, {known} already answered")
            for title, questions, answered in pages:
                print(f"  {title}: {questions} question{'' if questions == 1 else 's'} ({answered} already answered)")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
