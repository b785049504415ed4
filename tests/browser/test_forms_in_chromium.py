"""The forms in real headless Chromium: keyboard only, the line manager's link, and axe-core on every page."""
from __future__ import annotations

import datetime as dt
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from sheets.open import open_workbook
from tests.browser_support import assert_accessible
from sheets.schema import CHALLENGES, COMPLIANCE, COMPLIANCE_ISSUES

RAISER = "kim.keyboard@example.nhs.uk"
IRO = "iro@demo-partnership.example"
MANAGER = "line.manager@example.police.uk"


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has the focus, as a keyboard user does."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def type_into(page, selector: str, value: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(value)


def test_raise_a_challenge_with_the_keyboard_only(page, live):
    page.context.add_cookies([live.session_cookie(RAISER)])
    page.goto("/demo/challenges/new")
    page.wait_for_url("**/demo/challenges/new/immediate-risk")
    assert_accessible(page)

    # Sent empty first: the error summary takes the focus, and every page state passes axe.
    tab_to(page, "#continue")
    page.keyboard.press("Enter")
    page.wait_for_selector(".govuk-error-summary")
    assert page.title().startswith("Error: ")
    assert_accessible(page)

    def continue_to(next_page: str) -> None:
        tab_to(page, "#continue")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/demo/challenges/{next_page}")
        assert_accessible(page)

    tab_to(page, "input[name=immediate_risk][value=yes]")
    page.keyboard.press("ArrowRight")  # moves to, and selects, "No"
    continue_to("new/about-you")
    type_into(page, "#raiser_name", "Kim Keyboard")
    type_into(page, "#raiser_role", "School nurse")
    tab_to(page, "#raiser_agency")
    page.keyboard.type("Health")
    type_into(page, "#line_manager_email", "lead@example.nhs.uk")
    continue_to("new/who")
    tab_to(page, "#other_agency")
    page.keyboard.type("Police")
    type_into(page, "#other_professional", "Custody sergeant")
    continue_to("new/case")
    tab_to(page, "input[name=child_or_adult]")
    page.keyboard.press("Space")
    type_into(page, "#case_reference", "PN-2026-77")
    today = dt.date.today()
    type_into(page, "#concern_arose", str(today.day))
    page.keyboard.press("Tab")
    page.keyboard.type(str(today.month))
    page.keyboard.press("Tab")
    page.keyboard.type(str(today.year))
    continue_to("new/challenge")
    tab_to(page, "input[name=theme]")
    page.keyboard.press("Space")
    type_into(page, "#decision", "No strategy discussion was held.")
    type_into(page, "#outcome_sought", "A strategy discussion this week.")
    continue_to("new")
    # Check your answers, change one, and come back to send it.
    assert page.locator("h1").inner_text() == "Check your answers before sending your challenge"
    page.get_by_role("link", name="Change case reference").click()
    page.wait_for_url("**/demo/challenges/new/case?change=1*")
    page.fill("#case_reference", "PN-2026-78")
    page.get_by_role("button", name="Save and return to check your answers").click()
    page.wait_for_url("**/demo/challenges/new")
    assert "PN-2026-78" in page.locator("#answers").inner_text()
    tab_to(page, "#submit")
    page.keyboard.press("Enter")

    panel = page.wait_for_selector(".govuk-panel")
    reference = panel.query_selector("strong").inner_text()
    assert re.fullmatch(r"DEMO-[A-Z2-9]{6}", reference)
    assert_accessible(page)
    record = open_workbook(live.partnership).read(CHALLENGES).find(reference)
    assert (record["Raiser agency"], record["Other agency"], record["Theme"]) == ("Health", "Police", "Timeliness")
    assert record["Case reference"] == "PN-2026-78"
    # The next challenge starts with their name, role, agency and line manager filled in.
    page.goto("/demo/challenges/new/about-you")
    assert page.input_value("#raiser_name") == "Kim Keyboard"
    assert page.input_value("#line_manager_email") == "lead@example.nhs.uk"
    page.go_back()

    page.click(f"text=Go to challenge {reference}")
    page.wait_for_selector("table.govuk-table")
    assert_accessible(page)
    challenge_page = page.url
    for action in ("Record a conversation", "Escalate to the next step", "Mark as resolved", "Withdraw the challenge"):
        page.goto(challenge_page)
        page.click(f"text={action}")
        assert_accessible(page)
        page.click("#submit")
        page.wait_for_selector(".govuk-error-summary")
        assert_accessible(page)
    page.goto(challenge_page.rstrip("/") + "/appendix-a")
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/", "/demo/", "/demo/immediate-risk"])
def test_public_pages_pass_axe(page, path):
    page.goto(path)
    assert_accessible(page)


def test_the_line_manager_opens_the_link_and_responds(page, live, browser):
    page.context.add_cookies([live.session_cookie(IRO)])
    page.goto("/demo/compliance/new")
    assert_accessible(page)
    page.click("#submit")
    page.wait_for_selector(".govuk-error-summary")
    assert_accessible(page)
    page.fill("#family_reference", "FAM-9")
    page.fill("#iro", "Ira Officer")
    page.fill("#professional", "Police officer")
    page.select_option("#professional_agency", "Police")
    page.fill("#line_manager", "Lee Manager")
    page.fill("#line_manager_email", MANAGER)
    page.fill("#safeguarding_lead", "Sam Lead")
    page.check(f"input[name=issues][value='{COMPLIANCE_ISSUES[2]}']")
    page.fill("#concern", "Absent from three core groups.")
    page.click("#submit")
    reference = page.wait_for_selector(".govuk-panel strong").inner_text()
    assert_accessible(page)

    outbox = Path(live.app.config["MAIL_OUTBOX_DIR"])
    messages = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox.glob("*.eml")]
    [message] = [m for m in messages if m["To"] == MANAGER and reference in m["Subject"]]
    link = re.search(r"https?://\S+/respond/\S+", message.get_body(("plain",)).get_content()).group(0)

    manager = browser.new_context().new_page()
    try:
        manager.goto(link)
        assert "Respond to compliance challenge" in manager.inner_text("h1")
        assert_accessible(manager)  # the button page: opening the link signs nobody in
        manager.click("#submit")
        manager.wait_for_selector("#response")
        assert_accessible(manager)
        manager.click("#submit")
        manager.wait_for_selector(".govuk-error-summary")
        assert_accessible(manager)
        manager.fill("#response", "Officer will attend every core group from now on.")
        manager.click("#submit")
        manager.wait_for_selector(".govuk-notification-banner--success")
        assert "your response is recorded" in manager.inner_text(".govuk-notification-banner--success")
        assert "has been recorded" in manager.inner_text("h1")
        assert_accessible(manager)
        manager.goto(link[:-4] + "AAAA")
        assert "not valid" in manager.inner_text("h1")
        assert_accessible(manager)
    finally:
        manager.context.close()
    record = open_workbook(live.partnership).read(COMPLIANCE).find(reference)
    assert record["Line manager response"] == "Officer will attend every core group from now on."

    # Back with the IRO: they record whether the response resolves it, then stage 3's meeting.
    page.goto(f"/demo/compliance/{reference}")
    assert_accessible(page)
    page.click("text=Record whether the response resolves the issue")
    assert_accessible(page)
    page.check("input[name=outcome][value=progress]")
    page.click("#submit")
    page.wait_for_selector(".govuk-notification-banner--success")
    assert "moves to stage 3" in page.inner_text(".govuk-notification-banner--success")
    page.click("text=Record the stage 3 meeting")
    page.click("#submit")
    page.wait_for_selector(".govuk-error-summary")
    assert_accessible(page)
    page.goto(f"/demo/compliance/{reference}/escalate")
    assert_accessible(page)
