"""Durham's compliance challenge: the form, the line manager's emailed link, and stages 3 to 5."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from partnership import partnerships_of
from sheets.schema import COMPLIANCE, COMPLIANCE_ISSUES, HISTORY
from tests.views.challenge_pages import (  # noqa: F401 (fixtures)
    app,
    page_urls,
    SUPPORT,
    body,
    errors,
    outbox,
    page,
    partnership,
    send_form,
    sign_in_as,
    summary_errors,
    text,
    workbook,
)
from views.response_link import ResponseLink, make_token

IRO = "alex.iro@demo-partnership.example"
MANAGER = "nurse.manager@example.nhs.uk"
TODAY = dt.date.today()

NO_COMPLIANCE_TOML = '''slug = "plain"
name = "Plain Safeguarding Partnership"
nation = "ENG"
procedure = "pan-cheshire"

[sheet]
backend = "local"
path = "instance/plain.xlsx"

[email]
from = "challenges@plain.example"
business_support = "support@plain.example"
partnership_manager = "manager@plain.example"

[access]
allowed_domains = ["plain.example"]
'''


@pytest.fixture
def partnerships_dir(partnerships_dir: Path) -> Path:
    (partnerships_dir / "plain.toml").write_text(NO_COMPLIANCE_TOML)
    return partnerships_dir


@pytest.fixture
def urls(app):
    return page_urls(app)


def answers(**changes) -> dict:
    return {
        "family_reference": "FAM-0042",
        "iro": "Alex IRO",
        "iro_email": IRO,
        "professional": "School nurse",
        "professional_agency": "Health",
        "professional_email": "",
        "line_manager": "Nurse manager",
        "line_manager_email": MANAGER,
        "safeguarding_lead": "Named nurse",
        "safeguarding_lead_email": "",
        "issues": [COMPLIANCE_ISSUES[2], COMPLIANCE_ISSUES[5]],
        "concern": "<i>Not at</i> core groups. =SUM(A1)",
        **changes,
    }


@pytest.fixture
def sent(client, urls, workbook, app) -> str:
    """A compliance challenge sent by the IRO, who stays signed in; returns its reference."""
    sign_in_as(client, IRO)
    response = send_form(client, urls("compliance.new"), answers())
    assert response.status_code == 302, errors(client.get(urls("compliance.new")))
    return page(client.get(response.location)).select_one(".govuk-panel__body strong").get_text(strip=True)


def link_path(app) -> str:
    message = next(m for m in outbox(app) if m["To"] == MANAGER)
    found = re.search(r"http://localhost(/\S+)", body(message))
    return found.group(1)


def line_manager(app, path: str):
    """A browser that opened the line manager's link and selected its button."""
    manager = app.test_client()
    assert send_form(manager, path, {}).status_code == 302
    return manager


def test_a_partnership_without_a_compliance_procedure_has_no_form(client):
    sign_in_as(client, "x@plain.example", slug="plain")
    assert client.get("/plain/compliance/new").status_code == 404


def test_the_form_has_the_seeds_issue_list_and_instructions(client, urls, workbook):
    sign_in_as(client, IRO)
    shown = client.get(urls("compliance.new"))
    assert [i["value"] for i in page(shown).select("input[name=issues]")] == list(COMPLIANCE_ISSUES)
    # The IRO is the signed-in person: the form does not ask for their address.
    assert page(shown).select_one("#iro_email") is None
    blank = send_form(client, urls("compliance.new"), {})
    assert blank.status_code == 400
    assert "Select at least one identified issue" in summary_errors(blank)
    assert workbook.read(COMPLIANCE).records == ()


def test_sending_records_stage_2_and_emails_the_line_manager_a_link(client, urls, sent, workbook, app, partnership):
    [record] = workbook.read(COMPLIANCE).records
    assert record.reference == sent
    assert (record["Step"], record["Raised on"], record["Step started"]) == ("2", TODAY.isoformat(),
                                                                               TODAY.isoformat())
    assert record["Identified issue"] == f"{COMPLIANCE_ISSUES[2]}; {COMPLIANCE_ISSUES[5]}"
    assert record["Concern and what we would like to see"] == "<i>Not at</i> core groups. =SUM(A1)"
    [history] = workbook.read(HISTORY).records
    assert (history["Tab"], history["Action"], history["By"]) == (COMPLIANCE, "Sent", IRO)
    # The line manager's link, the IRO's confirmation and the business manager's copy go at once.
    assert sorted(m["To"] for m in outbox(app)) == sorted([MANAGER, IRO, "partnership.manager@demo-partnership.example"])
    message = next(m for m in outbox(app) if m["To"] == MANAGER)
    assert sent in message["Subject"]
    for each in outbox(app):
        assert "FAM-0042" not in body(each) and "core groups" not in body(each)
    due = partnership.calendar.add_working_days(TODAY, 3)
    assert f"{due.day} {due:%B %Y}" in message["Subject"]


def test_the_line_manager_opens_the_link_and_responds(client, sent, app, workbook, urls):
    path = link_path(app)
    manager = line_manager(app, path)
    shown = manager.get(path)
    assert shown.status_code == 200
    assert "Respond to compliance challenge" in page(shown).h1.get_text()
    assert "&lt;i&gt;Not at&lt;/i&gt;" in shown.get_data(as_text=True)
    # Signed in for this challenge only: they see it, and may do nothing more to it.
    seen = manager.get(urls("compliance.show", reference=sent))
    assert seen.status_code == 200
    assert "Record whether the response resolves" not in text(seen) and "Escalate" not in text(seen)
    for endpoint in ("compliance.decide", "compliance.meeting", "compliance.escalate", "compliance.withdraw"):
        assert manager.get(urls(endpoint, reference=sent)).status_code == 403, endpoint
    assert manager.get(urls("compliance.new")).status_code == 403
    blank = send_form(manager, path, {})
    assert errors(blank) == ["Enter your response"]
    done = send_form(manager, path, {"response": "Will attend from now on"})
    assert done.status_code == 302
    record = workbook.read(COMPLIANCE).find(sent)
    # The response is recorded; whether it resolves the issue is the IRO's to say.
    assert (record["Step"], record["Line manager response"]) == ("2", "Will attend from now on")
    assert record["Line manager responded on"] == TODAY.isoformat() and record["Resolved on"] == ""
    assert workbook.read(HISTORY).records[-1]["By"] == MANAGER
    assert any(m["To"] == IRO and "has responded" in m["Subject"] for m in outbox(app))
    # The link has done its job: it says so, shows nothing of the case, and signs nobody in.
    after = manager.get(done.location)
    assert after.status_code == 410 and "FAM-0042" not in text(after) and "core groups" not in text(after)
    assert "A response to this compliance challenge has been recorded" in page(after).h1.get_text()
    assert manager.get(urls("compliance.show", reference=sent)).status_code == 302  # to sign in


def test_the_iro_decides_whether_the_response_resolves_it(client, sent, app, workbook, urls):
    send_form(line_manager(app, link_path(app)), link_path(app), {"response": "Report sent"})
    decide = urls("compliance.decide", reference=sent)
    assert errors(send_form(client, decide, {})) == ["Select whether the issue is resolved"]
    done = send_form(client, decide, {"outcome": "resolved"})
    assert done.status_code == 302
    record = workbook.read(COMPLIANCE).find(sent)
    assert (record["Resolved on"], record["Stage 2 resolved or progressed on"]) == (TODAY.isoformat(),) * 2
    shown = client.get(urls("compliance.show", reference=sent))
    cells = [[c.get_text(" ", strip=True) for c in tr.select("th, td")]
             for tr in page(shown).select("table.govuk-table tbody tr")]
    # Stage 1 came before the form; stages after the resolution are not needed.
    assert "Before this record started" in cells[0][1]
    assert "Not needed" in cells[2][-1] and "Not needed" in cells[4][-1]


@pytest.mark.parametrize("change, status, heading", [
    (lambda path: path[:-3] + ("abc" if not path.endswith("abc") else "xyz"), 403, "This link is not valid"),
    (lambda path: path.replace("/demo/", "/other/"), 404, None),
])
def test_a_tampered_link_is_refused(client, sent, app, change, status, heading):
    response = app.test_client().get(change(link_path(app)))
    assert response.status_code == status
    if heading:
        assert page(response).h1.get_text(strip=True) == heading


def test_a_link_for_another_challenge_or_partnership_or_expired_is_refused(client, sent, app, urls):
    secret = app.config["SECRET_KEY"]
    visitor = app.test_client()

    def open_with(link: ResponseLink):
        token = make_token(secret, link)
        return visitor.get(urls("compliance.respond", reference=sent, token=token))

    other_partnership = open_with(ResponseLink("other", sent, MANAGER, TODAY + dt.timedelta(days=5)))
    assert other_partnership.status_code == 403
    other_reference = open_with(ResponseLink("demo", "DEMO-ZZZZZZ", MANAGER, TODAY + dt.timedelta(days=5)))
    assert other_reference.status_code == 403
    expired = open_with(ResponseLink("demo", sent, MANAGER, TODAY - dt.timedelta(days=1)))
    assert expired.status_code == 410
    assert page(expired).h1.get_text(strip=True) == "This link has expired"
    with visitor.session_transaction() as s:
        assert "user" not in s


def test_stages_3_to_5_are_recorded_on_the_challenges_page(client, sent, app, workbook, urls):
    send_form(line_manager(app, link_path(app)), link_path(app), {"response": "Not yet"})
    sign_in_as(client, IRO)
    send_form(client, urls("compliance.decide", reference=sent), {"outcome": "progress"})
    assert workbook.read(COMPLIANCE).find(sent)["Step"] == "3"
    shown = client.get(urls("compliance.show", reference=sent))
    cells = [[c.get_text(" ", strip=True) for c in tr.select("th, td")]
             for tr in page(shown).select("table.govuk-table tbody tr")]
    # Stage 2 shows the deadline it had and the day it concluded, not "No set time".
    due = partnerships_of(app)["demo"].calendar.add_working_days(TODAY, 3)
    assert cells[1][2] == f"{due.day} {due:%B %Y}" and "Concluded" in cells[1][3]
    meeting = urls("compliance.meeting", reference=sent)
    day = [str(TODAY.day), str(TODAY.month), str(TODAY.year)]
    send_form(client, meeting, {"meeting_on": day, "record": "Actions agreed: attend", "outcome": "progress"})
    record = workbook.read(COMPLIANCE).find(sent)
    assert (record["Step"], record["Stage 3 record"], record["Stage 3 meeting on"]) == (
        "4", "Actions agreed: attend", TODAY.isoformat())
    to_escalation = send_form(client, meeting, {"meeting_on": day, "record": "Still absent", "outcome": "progress"})
    assert to_escalation.location.endswith(urls("compliance.escalate", reference=sent))
    assert workbook.read(COMPLIANCE).find(sent)["Stage 4 record"] == "Still absent"
    escalate = urls("compliance.escalate", reference=sent)
    assert "Enter the reasons for escalation" in errors(send_form(client, escalate, {"reasons": ""}))
    send_form(client, escalate, {"reasons": "Repeated non-attendance"})
    record = workbook.read(COMPLIANCE).find(sent)
    assert (record["Step"], record["Stage 5 escalated on"], record["Stage 5 reasons for escalation"]) == (
        "5", TODAY.isoformat(), "Repeated non-attendance")
    assert any(m["To"] == "partnership.manager@demo-partnership.example" for m in outbox(app))
    shown = client.get(urls("compliance.show", reference=sent))
    assert "Stage 5: Escalation to the DSCP Executive" in text(shown)
    assert "Repeated non-attendance" in text(shown)


def test_a_stage_that_moved_on_while_the_page_was_open_records_nothing(client, sent, app, workbook, urls):
    """The same guard as a challenge's steps: the form remembers the stage it was opened at."""
    send_form(line_manager(app, link_path(app)), link_path(app), {"response": "Not yet"})
    sign_in_as(client, IRO)
    send_form(client, urls("compliance.decide", reference=sent), {"outcome": "progress"})
    meeting = urls("compliance.meeting", reference=sent)
    day = [str(TODAY.day), str(TODAY.month), str(TODAY.year)]
    opened = client.get(meeting)
    send_form(client, meeting, {"meeting_on": day, "record": "First meeting", "outcome": "progress"})
    before = workbook.read(COMPLIANCE).find(sent)
    late = send_form(client, meeting, {"meeting_on": day, "record": "Sent late", "outcome": "progress"},
                     opened=opened)
    assert late.status_code == 302 and late.location.endswith(urls("compliance.show", reference=sent))
    assert "This compliance challenge moved to stage 4 while you were on that page" in text(client.get(late.location))
    assert workbook.read(COMPLIANCE).find(sent) == before


def test_the_compliance_page_is_only_for_the_people_it_names(client, sent, urls):
    sign_in_as(client, "someone@example.nhs.uk")
    assert client.get(urls("compliance.show", reference=sent)).status_code == 403
    sign_in_as(client, SUPPORT, "business_support")
    assert client.get(urls("compliance.show", reference=sent)).status_code == 200


def test_the_link_can_be_sent_again(client, sent, urls, app):
    shown = client.get(urls("compliance.show", reference=sent))
    token = page(shown).select_one("form input[name=csrf_token]")["value"]
    done = client.post(urls("compliance.send_link", reference=sent), data={"csrf_token": token})
    assert done.status_code == 302
    assert len([m for m in outbox(app) if m["To"] == MANAGER]) == 2


def test_while_the_sheet_is_away_the_form_is_kept_and_the_email_waits_for_it(client, urls, workbook, app,
                                                                            monkeypatch):
    from sheets.base import SheetUnavailable
    from sheets import pending
    from views import records

    real = records.workbook

    def fail(partnership):
        raise SheetUnavailable("no answer")
    monkeypatch.setattr(records, "workbook", fail)
    sign_in_as(client, IRO)
    response = send_form(client, urls("compliance.new"), answers())
    shown = client.get(response.location)
    assert "will be recorded and sent to the line manager shortly" in text(shown)
    assert outbox(app) == [] and workbook.read(COMPLIANCE).records == ()
    monkeypatch.setattr(records, "workbook", real)
    client.get(urls("compliance.new"))  # a page that only reads writes nothing, sends nothing
    assert workbook.read(COMPLIANCE).records == () and outbox(app) == []
    # `flask jobs write-kept` (cron, every few minutes) writes it and sends the line manager's link.
    assert app.test_cli_runner().invoke(args=["jobs", "write-kept"]).exit_code == 0
    assert pending.waiting(app.config, "demo") == []
    [record] = workbook.read(COMPLIANCE).records
    [message] = [m for m in outbox(app) if m["To"] == MANAGER]
    assert record.reference in message["Subject"]
