"""Raising a challenge and the pages around it, as a person sees them."""
from __future__ import annotations

import datetime as dt

import pytest

from procedures import ChallengeDates, position
from sheets.base import SheetUnavailable
from sheets.schema import CHALLENGES, HISTORY, LISTS, AGENCIES
from tests.views.challenge_pages import (  # noqa: F401 (fixtures)
    app,
    page_urls,
    COLLEAGUE,
    LIST_AGENCIES,
    RAISER,
    errors,
    page,
    partnership,
    send_form,
    sign_in_as,
    summary_errors,
    text,
    workbook,
)
from sheets import pending
from views import records


def answers(**changes) -> dict:
    today = dt.date.today()
    data = {
        "immediate_risk": "no",
        "raiser_name": "Sam Jones",
        "raiser_role": "Health visitor",
        "raiser_agency": "Health",
        "line_manager_email": "lead@example.nhs.uk",
        "other_agency": "Children's social care",
        "other_professional": "Duty social worker",
        "other_professional_email": "duty@demo-partnership.example",
        "child_or_adult": "Child",
        "case_reference": "CS-12345",
        "theme": "Timeliness",
        "decision": '=HYPERLINK("http://evil.example","click")',
        "outcome_sought": "<script>alert('x')</script> An assessment",
        "concern_arose": [str(today.day), str(today.month), str(today.year)],
    }
    data.update(changes)
    return data


@pytest.fixture
def urls(app):
    return page_urls(app)


@pytest.fixture
def signed_in(client):
    sign_in_as(client, RAISER)
    return client


def raise_one(client, urls, **changes) -> str:
    response = send_form(client, urls("challenges.new"), answers(**changes))
    assert response.status_code == 302, errors(client.get(urls("challenges.new")))
    shown = client.get(response.location)
    return page(shown).select_one(".govuk-panel__body strong").get_text(strip=True)


# The start page

def test_the_start_page_shows_the_procedures_steps_and_timescales(client, urls, partnership):
    response = client.get(urls("challenges.start"))
    assert response.status_code == 200
    rows = [[c.get_text(" ", strip=True) for c in tr.select("th, td")] for tr in page(response).select("tbody tr")]
    assert [r[0] for r in rows] == [f"{s.number}. {s.name}" for s in partnership.procedure.steps]
    assert rows[1][2:] == ["Working day 3", "Working day 9"]
    assert rows[3][2:] == ["Working day 16", "Working day 21"]
    assert "Being professionally BRAVER" in text(response)
    start = page(response).select_one("a.govuk-button--start")
    assert start["href"] == urls("challenges.new")
    assert "Compliance Challenge Form" in text(response)


def test_the_list_of_partnerships_links_to_each_start_page(client, urls):
    links = [a["href"] for a in page(client.get("/")).select("main a.govuk-link")]
    assert urls("challenges.start") in links


def test_an_unknown_partnership_is_not_found(client):
    assert client.get("/nowhere/").status_code == 404


# Raising a challenge

def test_raising_needs_signing_in(client, urls):
    response = client.get(urls("challenges.new"))
    assert response.status_code == 302
    assert response.location.startswith(urls("auth.sign_in"))


def test_the_form_shows_the_safety_banner_the_lists_and_guidance(signed_in, urls, workbook):
    response = signed_in.get(urls("challenges.new"), follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == urls("raising.question", page="immediate-risk")
    banner = page(response).select_one(".govuk-warning-text").get_text(" ", strip=True)
    assert "immediate risk" in banner and "999" in banner
    about_you = signed_in.get(urls("raising.question", page="about-you"))
    options = [o["value"] for o in page(about_you).select("select#raiser_agency option")]
    assert options == ["", *LIST_AGENCIES]
    # The raiser is the signed-in person: the form does not ask for their address.
    assert page(about_you).select_one("#raiser_email") is None and page(about_you).select_one("#on_behalf_of") is None
    assert f"You are raising this challenge as {RAISER}" in text(about_you)
    assert "BRAVER" in page(signed_in.get(urls("raising.question", page="challenge"))).select_one("aside").get_text()
    assert page(response).select_one("main form")["novalidate"] is not None


def test_a_blank_form_comes_back_with_instructions(signed_in, urls, workbook):
    # Sent with answers missing: the first page of questions that need them, with its instructions.
    response = send_form(signed_in, urls("challenges.new"), {"immediate_risk": "no"})
    assert response.status_code == 400
    assert page(response).title.get_text().startswith("Error: ")
    assert summary_errors(response) == ["Enter your name", "Enter your role", "Select your agency",
                                        "Enter your line manager's email address"]
    blank_case = send_form(signed_in, urls("raising.question", page="case"), {})
    assert "Enter the date the concern arose" in errors(blank_case)
    assert workbook.read(CHALLENGES).records == ()


def test_wrong_answers_keep_what_was_typed(signed_in, urls, workbook):
    response = send_form(signed_in, urls("challenges.new"),
                         answers(line_manager_email="sam at nhs", concern_arose=["31", "2", "2026"]))
    assert response.status_code == 400
    assert errors(response) == ["Enter your line manager's email address in the correct format, like name@example.org"]
    assert page(response).select_one("#line_manager_email")["value"] == "sam at nhs"
    assert page(response).select_one("#raiser_name")["value"] == "Sam Jones"
    case = send_form(signed_in, urls("raising.question", page="case"),
                     {"child_or_adult": "Child", "case_reference": "CS-1", "concern_arose": ["31", "2", "2026"]})
    assert errors(case) == ["The date the concern arose must be a real date"]
    assert page(case).select_one("#concern_arose")["value"] == "31"
    assert page(case).select_one("#case_reference")["value"] == "CS-1"


def test_a_choice_not_on_the_list_is_refused(signed_in, urls, workbook):
    response = send_form(signed_in, urls("challenges.new"), answers(other_agency="Made-up agency"))
    assert errors(response) == ["Select the agency from the list"]


def test_immediate_risk_stops_and_says_where_to_go(signed_in, urls, workbook):
    response = send_form(signed_in, urls("challenges.new"), {"immediate_risk": "yes"})
    assert response.status_code == 200
    assert "do not use this form" in page(response).h1.get_text()
    assert "999" in text(response) and "front door" in text(response)
    assert workbook.read(CHALLENGES).records == ()


def test_raising_records_the_challenge_and_shows_the_reference_and_step_1_deadline(signed_in, urls, workbook,
                                                                                     partnership):
    response = send_form(signed_in, urls("challenges.new"), answers())
    assert response.status_code == 302
    shown = signed_in.get(response.location)
    reference = page(shown).select_one(".govuk-panel__body strong").get_text(strip=True)
    assert reference.startswith("DEMO-") and len(reference) == 11
    today = dt.date.today()
    step1 = position(partnership.procedure, partnership.calendar, ChallengeDates(raised_on=today), today)
    deadline = f"{step1.conclude_by.day} {step1.conclude_by:%B %Y}"
    assert deadline in text(shown)

    [row] = workbook.read(CHALLENGES).records
    assert row.reference == reference
    assert row["Raised on"] == today.isoformat() and row["Step"] == "1" and row["Step started"] == today.isoformat()
    assert row["Concern arose on"] == today.isoformat()
    assert row["Decision challenged"] == '=HYPERLINK("http://evil.example","click")'
    assert row["Submission ID"]
    [history] = workbook.read(HISTORY).records
    assert (history.reference, history["Action"], history["By"], history["Tab"]) == (reference, "Raised", RAISER,
                                                                                      CHALLENGES)


def answer_every_page(client, urls, data: dict) -> None:
    """Answer each question page in turn, as a person does, ending on the check-your-answers page."""
    from views.raising import PAGES
    for question_page in PAGES:
        response = send_form(client, urls("raising.question", page=question_page.slug),
                             {k: v for k, v in data.items() if k in question_page.fields})
        assert response.status_code == 302, errors(response)
    assert response.location == urls("challenges.new")


def test_sending_the_same_form_twice_records_one_challenge(signed_in, urls, workbook):
    answer_every_page(signed_in, urls, answers())
    opened = signed_in.get(urls("challenges.new"))
    assert page(opened).h1.get_text(strip=True) == "Check your answers before sending your challenge"
    first = send_form(signed_in, urls("challenges.new"), {}, opened=opened)
    first_reference = page(signed_in.get(first.location)).select_one(".govuk-panel__body strong").get_text()
    second = send_form(signed_in, urls("challenges.new"), answers(), opened=opened)  # the same page, sent again
    second_reference = page(signed_in.get(second.location)).select_one(".govuk-panel__body strong").get_text()
    assert first_reference == second_reference
    assert len(workbook.read(CHALLENGES).records) == 1
    assert len(workbook.read(HISTORY).records) == 1


def test_each_new_form_is_a_new_challenge(signed_in, urls, workbook):
    assert raise_one(signed_in, urls) != raise_one(signed_in, urls)
    assert len(workbook.read(CHALLENGES).records) == 2


def test_formula_and_html_are_shown_as_plain_text(signed_in, urls, workbook):
    reference = raise_one(signed_in, urls)
    response = signed_in.get(urls("challenges.show", reference=reference))
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert '=HYPERLINK("http://evil.example","click")' in text(response)


# When the sheet cannot be reached

@pytest.fixture
def unreachable(monkeypatch):
    def fail(partnership):
        raise SheetUnavailable("the spreadsheet did not answer")
    monkeypatch.setattr(records, "workbook", fail)
    return monkeypatch


def test_an_unreachable_sheet_keeps_the_submission_and_says_so(signed_in, urls, workbook, unreachable, app):
    answer_every_page(signed_in, urls, answers())
    opened = signed_in.get(urls("challenges.new"))
    response = send_form(signed_in, urls("challenges.new"), {}, opened=opened)
    shown = signed_in.get(response.location)
    assert "will be recorded shortly" in text(shown)
    reference = page(shown).select_one(".govuk-panel__body strong").get_text()
    [kept] = pending.waiting(app.config, "demo")
    data = pending.find(app.config, "demo", kept)
    assert data["reference"] == reference
    assert [w["tab"] for w in data["writes"]] == [CHALLENGES, HISTORY]
    # Sending it again while the sheet is still away keeps one submission, not two.
    send_form(signed_in, urls("challenges.new"), answers(), opened=opened)
    assert len(pending.waiting(app.config, "demo")) == 1
    assert workbook.read(CHALLENGES).records == ()


def test_kept_submissions_are_written_once_by_flush_pending(signed_in, urls, workbook, unreachable, app, partnership):
    send_form(signed_in, urls("challenges.new"), answers())
    unreachable.undo()
    assert pending.flush_pending(app.config, partnership, workbook) == 1
    assert pending.flush_pending(app.config, partnership, workbook) == 0
    assert len(workbook.read(CHALLENGES).records) == 1
    assert [r["Action"] for r in workbook.read(HISTORY).records] == ["Raised"]
    assert pending.waiting(app.config, "demo") == []


def test_a_kept_submission_is_not_written_twice_if_it_reached_the_sheet(signed_in, urls, workbook, unreachable, app,
                                                                       partnership):
    send_form(signed_in, urls("challenges.new"), answers())
    [kept] = pending.waiting(app.config, "demo")
    data = pending.find(app.config, "demo", kept)
    workbook.append(CHALLENGES, data["writes"][0]["rows"])  # it got there, but the answer was lost
    unreachable.undo()
    pending.flush_pending(app.config, partnership, workbook)
    assert len(workbook.read(CHALLENGES).records) == 1


def test_pages_that_only_read_write_nothing_kept(signed_in, urls, workbook, unreachable, app):
    send_form(signed_in, urls("challenges.new"), answers())
    unreachable.undo()
    for endpoint in ("challenges.start", "lists.your_challenges", "challenges.new"):
        signed_in.get(urls(endpoint))
    assert workbook.read(CHALLENGES).records == () and workbook.read(HISTORY).records == ()
    assert len(pending.waiting(app.config, "demo")) == 1


def test_the_next_form_sent_writes_kept_submissions_first(signed_in, urls, workbook, unreachable, app):
    send_form(signed_in, urls("challenges.new"), answers(case_reference="CS-KEPT"))
    [kept] = pending.waiting(app.config, "demo")
    first = pending.find(app.config, "demo", kept)["reference"]
    unreachable.undo()
    second = raise_one(signed_in, urls)
    assert [r.reference for r in workbook.read(CHALLENGES).records] == [first, second]
    assert [r.reference for r in workbook.read(HISTORY).records] == [first, second]
    assert pending.waiting(app.config, "demo") == []


# Lists

def test_lists_are_cached_then_reread(signed_in, urls, workbook, app):
    app.config["LISTS_CACHE_SECONDS"] = 3600
    who = urls("raising.question", page="who")
    signed_in.get(who)
    workbook.append(LISTS, [{AGENCIES: "Probation"}])

    def options():
        return [o["value"] for o in page(signed_in.get(who)).select("#other_agency option")]
    assert "Probation" not in options()
    # `flask sheet refresh-lists` (or the daily run) bumps the version in the state store: every worker re-reads.
    assert app.test_cli_runner().invoke(args=["sheet", "refresh-lists", "--partnership", "demo"]).exit_code == 0
    assert "Probation" in options()


def test_without_a_lists_tab_the_default_themes_are_offered(signed_in, urls, partnership):
    from sheets.open import open_workbook
    open_workbook(partnership).init()
    labels = [i["value"] for i in page(signed_in.get(urls("raising.question", page="challenge"))).select(
        "input[name=theme]")]
    assert "Referral criteria" in labels and "Information sharing" in labels


def test_a_stale_form_comes_back_with_the_answers_and_records_nothing(signed_in, urls, workbook):
    response = signed_in.post(urls("challenges.new"), data={**answers(raiser_role="Ward sister"),
                                                             "csrf_token": "stale"})
    assert response.status_code == 400
    assert "expired" in text(response)
    # Every answer is kept: the check-your-answers page shows them, ready to send again.
    assert page(response).h1.get_text(strip=True) == "Check your answers before sending your challenge"
    shown = {row.dt.get_text(strip=True): row.select_one(".govuk-summary-list__value").get_text(strip=True)
             for row in page(response).select("#answers .govuk-summary-list__row")}
    assert shown["Your role"] == "Ward sister" and shown["Case reference"] == "CS-12345"
    assert workbook.read(CHALLENGES).records == ()
    assert send_form(signed_in, urls("challenges.new"), {}).status_code == 302
    assert len(workbook.read(CHALLENGES).records) == 1


def test_a_new_reference_is_not_one_already_used_in_either_tab(monkeypatch):
    import secrets
    picks = iter("AAAAAA" + "AAAAAA" + "BBBBBB")
    monkeypatch.setattr(secrets, "choice", lambda alphabet: next(picks))
    assert records.new_reference("DEMO", ["DEMO-AAAAAA"]) == "DEMO-BBBBBB"


def test_raising_tells_the_challenged_professional_and_the_raiser_at_once(signed_in, urls, workbook, app):
    """Before any job runs: the professional hears what a challenge is, who raised it, step 1 and its
    date; the raiser gets a confirmation. Neither email carries case detail."""
    from tests.views.challenge_pages import body, outbox
    response = send_form(signed_in, urls("challenges.new"), answers())
    reference = page(signed_in.get(response.location)).select_one(".govuk-panel__body strong").get_text(strip=True)
    messages = {m["To"]: m for m in outbox(app)}
    assert set(messages) == {"duty@demo-partnership.example", RAISER}
    told = messages["duty@demo-partnership.example"]
    assert told["Subject"] == f"{reference}: a professional challenge has been raised with you"
    words = body(told)
    assert "Sam Jones (Health) has raised professional challenge" in words
    assert "A professional challenge is how practitioners in different agencies resolve a disagreement" in words
    assert "Step 1: Professionals resolving disagreements" in words and "conclude by" in words
    assert f"http://localhost/demo/challenges/{reference}" in words
    assert messages[RAISER]["Subject"] == f"{reference}: your professional challenge is recorded"
    for message in messages.values():
        assert "CS-12345" not in body(message) and "HYPERLINK" not in body(message)
    # Noted in the sent journal: the daily job's one write puts them in the Reminders tab, and it
    # does not send them again.
    from sheets.schema import REMINDERS
    assert workbook.read(REMINDERS).records == ()
    ran = app.test_cli_runner().invoke(args=["jobs", "run", "--partnership", "demo"])
    assert ran.exit_code == 0, ran.output
    kinds = sorted((r["Kind"], r["Recipient"]) for r in workbook.read(REMINDERS).records
                   if r.reference == reference and r["Kind"] == "raised")
    assert kinds == [("raised", "duty@demo-partnership.example"), ("raised", RAISER)]
    subjects = [m["Subject"] for m in outbox(app)]
    assert subjects.count(f"{reference}: a professional challenge has been raised with you") == 1


# A page at a time, then check your answers

def test_raising_goes_a_page_at_a_time_and_checks_the_answers_before_sending(signed_in, urls, workbook):
    answer_every_page(signed_in, urls, answers())
    assert workbook.read(CHALLENGES).records == ()  # nothing is sent before the check page
    check = signed_in.get(urls("challenges.new"))
    rows = {row.dt.get_text(strip=True): row for row in page(check).select("#answers .govuk-summary-list__row")}
    assert rows["Your name"].select_one(".govuk-summary-list__value").get_text(strip=True) == "Sam Jones"
    assert rows["Who does the concern relate to?"].select_one(
        ".govuk-summary-list__value").get_text(strip=True) == "A child or young person"
    change = rows["Case reference"].select_one("a")
    assert change["href"].startswith(urls("raising.question", page="case") + "?change=1")
    # Changing an answer comes back to the check page.
    changed = send_form(signed_in, change["href"], {"child_or_adult": "Child", "case_reference": "CS-999",
                                                     "concern_arose": answers()["concern_arose"]})
    assert changed.status_code == 302 and changed.location == urls("challenges.new")
    sent = send_form(signed_in, urls("challenges.new"), {})
    assert sent.status_code == 302
    [row] = workbook.read(CHALLENGES).records
    assert row["Case reference"] == "CS-999" and row["Raised by"] == "Sam Jones"
    # Sent: the next visit starts again at the first question.
    assert signed_in.get(urls("challenges.new")).location == urls("raising.question", page="immediate-risk")


def test_the_next_challenge_remembers_name_role_agency_and_line_manager(signed_in, urls, workbook):
    first = signed_in.get(urls("raising.question", page="about-you"))
    assert not page(first).select_one("#raiser_name").get("value")
    raise_one(signed_in, urls, raiser_name="Sam Jones", raiser_role="Ward sister")
    about_you = page(signed_in.get(urls("raising.question", page="about-you")))
    assert about_you.select_one("#raiser_name")["value"] == "Sam Jones"
    assert about_you.select_one("#raiser_role")["value"] == "Ward sister"
    assert about_you.select_one("#raiser_agency option[selected]")["value"] == "Health"
    assert about_you.select_one("#line_manager_email")["value"] == "lead@example.nhs.uk"
    assert "filled in from your last challenge" in about_you.get_text()
    # Only their own: someone else starts blank (signing in starts a new session).
    with signed_in.session_transaction() as s:
        s.clear()
    sign_in_as(signed_in, COLLEAGUE)
    assert not page(signed_in.get(urls("raising.question", page="about-you"))).select_one("#raiser_name").get("value")


def test_an_unknown_question_page_is_not_found(signed_in, urls, workbook):
    assert signed_in.get(urls("challenges.new") + "/nowhere").status_code == 404


def test_a_challenge_is_raised_on_the_partnerships_date_not_the_servers(signed_in, urls, workbook, monkeypatch):
    # Half past midnight on 1 December in London is still 30 November in UTC (and on a UTC server).
    from views import formatting
    from zoneinfo import ZoneInfo
    london_midnight = dt.datetime(2026, 12, 1, 0, 30, tzinfo=ZoneInfo("Europe/London"))
    monkeypatch.setattr(formatting, "now", lambda: london_midnight)
    raise_one(signed_in, urls, concern_arose=["1", "12", "2026"])
    row = workbook.read(CHALLENGES).records[-1]
    assert row["Raised on"] == "2026-12-01" and row["Step started"] == "2026-12-01"
