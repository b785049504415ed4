"""Details every page gets right: the header links to this partnership's start page, printing leaves
out the account line and banners, the IRO's form has no BRAVER guidance, date boxes carry one
inputmode, and History and Appendix A say which step a move was from and to."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from procedures.values import format_date
from sheets.schema import CHALLENGES, HISTORY
from tests.views.challenge_pages import (  # noqa: F401 (fixtures)
    RAISER,
    SUPPORT,
    app,
    page,
    partnership,
    sign_in_as,
    text,
    workbook,
)

TODAY = dt.date.today()


def test_the_header_name_links_to_this_partnerships_start_page(client, workbook):
    sign_in_as(client, RAISER)
    header = page(client.get("/demo/challenges")).select_one(".govuk-header__homepage-link")
    assert header["href"] == "/demo/"
    assert header.get_text(strip=True) == "Demo Safeguarding Partnership"
    # Off a partnership's pages it goes to the list of partnerships.
    assert page(client.get("/")).select_one(".govuk-header__homepage-link")["href"] == "/"


def test_the_account_line_and_banners_are_not_printed(client, workbook, app):
    sign_in_as(client, RAISER)
    with client.session_transaction() as s:
        s["_flashes"] = [("success", "Appendix A saved.")]
    soup = page(client.get("/demo/challenges"))
    assert "app-no-print" in soup.select_one("#account")["class"]
    banner = soup.select_one(".govuk-notification-banner")
    assert banner.get_text(" ", strip=True).endswith("Appendix A saved.")
    assert "app-no-print" in banner["class"]
    css = (Path(app.root_path) / "static" / "app.css").read_text()
    assert re.search(r"@media print\s*{[^}]*\.app-no-print[^}]*display:\s*none", css)


def test_the_iro_compliance_form_has_no_braver_guidance_and_the_challenge_form_has(client, workbook):
    sign_in_as(client, RAISER)
    assert page(client.get("/demo/compliance/new")).select_one("#braver-heading") is None
    assert page(client.get("/demo/challenges/new/challenge")).select_one("#braver-heading") is not None


def test_date_boxes_carry_one_inputmode(client, workbook):
    sign_in_as(client, RAISER)
    html = client.get("/demo/challenges/new/case").get_data(as_text=True)
    boxes = re.findall(r"<input[^>]*govuk-date-input__input[^>]*>", html)
    assert boxes
    for box in boxes:
        assert box.count("inputmode=") == 1, box


def test_history_and_appendix_a_say_from_which_step_to_which(client, workbook):
    workbook.append(CHALLENGES, [{"Reference": "DEMO-HSTORY", "Raised on": format_date(TODAY), "Step": "2",
                                  "Step started": format_date(TODAY), "Raiser email": RAISER}])
    workbook.append(HISTORY, [
        {"When": "2026-06-30 09:05", "Reference": "DEMO-HSTORY", "Tab": CHALLENGES, "Action": "Raised", "Step": "1",
         "By": RAISER},
        {"When": "2026-12-01 16:40", "Reference": "DEMO-HSTORY", "Tab": CHALLENGES, "Action": "Escalated",
         "Step": "2", "By": RAISER},
    ])
    sign_in_as(client, SUPPORT, role="business_support")
    history = page(client.get("/demo/challenges/DEMO-HSTORY")).select(".app-history__item")
    lines = [item.get_text(" ", strip=True) for item in history]
    assert lines[0].startswith("Escalated from step 1 to step 2 1 December 2026 at 4:40pm (GMT) by")
    assert lines[1].startswith("Raised at step 1 30 June 2026 at 9:05am (BST) by")
    appendix = text(client.get("/demo/challenges/DEMO-HSTORY/appendix-a"))
    assert "1 December 2026 at 4:40pm (GMT): Escalated from step 1 to step 2" in appendix
