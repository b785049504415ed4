"""The access log: every view of a challenge's page and every download is one JSON line (who,
what, when) in the app's log, never in the spreadsheet, never with a link's token or case detail."""
from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from sheets.schema import CHALLENGES, COMPLIANCE, HISTORY
from tests.views.challenge_pages import (  # noqa: F401 (fixtures)
    RAISER,
    SUPPORT,
    app,
    partnership,
    sign_in_as,
    workbook,
)
from views.response_link import ResponseLink, make_token

SECRET = "Child J of 14 Acacia Avenue"
MANAGER = "manager@example.nhs.uk"


@pytest.fixture
def rows(workbook):
    workbook.append(CHALLENGES, [{"Reference": "DEMO-AAA111", "Raised on": dt.date.today().isoformat(),
                                  "Raised by": "Sam Jones", "Raiser email": RAISER, "Case reference": SECRET,
                                  "Decision challenged": SECRET, "Step": "1"}])
    workbook.append(COMPLIANCE, [{"Reference": "DEMO-CCC333", "Raised on": dt.date.today().isoformat(),
                                  "Family reference": SECRET, "Line manager email": MANAGER, "Step": "2",
                                  "Step started": dt.date.today().isoformat()}])
    return workbook


@pytest.fixture
def access(caplog):
    caplog.set_level(logging.INFO, logger="challenge_tracker.access")

    def lines() -> list[dict]:
        return [json.loads(r.getMessage()) for r in caplog.records if r.name == "challenge_tracker.access"]
    return lines


def test_a_view_of_a_challenges_page_is_logged_with_who_what_and_when(client, rows, access):
    sign_in_as(client, RAISER)
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    assert client.get("/demo/challenges/DEMO-AAA111").status_code == 200
    assert client.get("/demo/challenges/DEMO-AAA111/conversation").status_code == 200
    [show, conversation] = access()
    assert list(show) == ["when", "event", "who", "role", "partnership", "page", "reference"]
    assert show["event"] == "view" and show["who"] == RAISER and show["role"] == "practitioner"
    assert (show["partnership"], show["page"], show["reference"]) == ("demo", "challenges.show", "DEMO-AAA111")
    assert before <= dt.datetime.fromisoformat(show["when"]) <= dt.datetime.now(dt.timezone.utc)
    assert conversation["page"] == "challenges.conversation"


def test_what_is_not_a_view_of_a_challenge_is_not_logged(client, rows, access):
    sign_in_as(client, RAISER)
    assert client.get("/demo/").status_code == 200
    assert client.get("/demo/challenges").status_code == 200  # a list: no case detail, not one challenge
    assert client.get("/demo/challenges/DEMO-NOTHERE").status_code in (403, 404)
    sign_in_as(client, "someone.else@example.nhs.uk")
    assert client.get("/demo/challenges/DEMO-AAA111").status_code in (403, 404)  # not theirs: nothing shown
    assert access() == []


def test_a_response_link_view_is_logged_without_its_token(app, client, rows, access, caplog):
    token = make_token(app.config["SECRET_KEY"], ResponseLink("demo", "DEMO-CCC333", MANAGER,
                                                              dt.date.today() + dt.timedelta(days=10)))
    path = f"/demo/compliance/DEMO-CCC333/respond/{token}"
    button = client.get(path)  # the link's button page: nobody is signed in yet
    assert button.status_code == 200
    csrf = BeautifulSoup(button.get_data(as_text=True), "html.parser").find("input", {"name": "csrf_token"})["value"]
    assert client.post(path, data={"csrf_token": csrf}).status_code == 302
    assert client.get(path).status_code == 200  # the case and the response form
    line = access()[-1]
    assert (line["who"], line["role"], line["reference"]) == (MANAGER, "responder", "DEMO-CCC333")
    assert token not in "\n".join(r.getMessage() for r in caplog.records)


def test_downloads_are_logged_with_the_file(client, rows, access):
    sign_in_as(client, SUPPORT, role="business_support")
    response = client.get("/demo/dashboard.csv")
    assert response.status_code == 200
    [line] = access()
    assert (line["event"], line["page"], line["who"]) == ("download", "dashboard.dashboard_csv", SUPPORT)
    assert line["file"] == response.headers["Content-Disposition"].partition('filename="')[2].rstrip('"')


def test_no_case_detail_reaches_the_log_and_nothing_reaches_the_spreadsheet(client, rows, access, caplog):
    sign_in_as(client, SUPPORT, role="business_support")
    history_before = rows.read(HISTORY).records
    client.get("/demo/challenges/DEMO-AAA111")
    client.get("/demo/compliance/DEMO-CCC333")
    assert len(access()) == 2
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert SECRET not in logged and "Sam Jones" not in logged
    assert rows.read(HISTORY).records == history_before


def test_the_lines_go_to_the_apps_log_on_stderr_as_json(tmp_path: Path):
    """Run as a deployment does (no test logging): each line is a JSON object on stderr."""
    root = Path(__file__).resolve().parents[2]
    script = f"""
import shutil, time
from pathlib import Path
shutil.copy({str(root / 'partnerships' / 'demo.toml')!r}, {str(tmp_path)!r})
from app import create_app
app = create_app({{"TESTING": True, "SECRET_KEY": "x", "PARTNERSHIPS_DIR": {str(tmp_path)!r},
                  "BASE_DIR": {str(tmp_path)!r}}})
client = app.test_client()
with client.session_transaction() as s:
    s["user"] = {{"email": "business.support@demo-partnership.example", "partnership": "demo",
                 "role": "business_support", "reference": None}}
    s["seen"] = int(time.time())
from partnership import partnerships_of
from sheets.open import open_workbook
open_workbook(partnerships_of(app)["demo"]).init()
print(client.get("/demo/dashboard.csv").status_code)
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "200", done.stderr
    [line] = [json.loads(l) for l in done.stderr.splitlines() if l.startswith("{")]
    assert line["event"] == "download" and line["who"] == "business.support@demo-partnership.example"
