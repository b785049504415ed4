"""Every email's words come from one template per kind, rendered as plain text and as HTML.

The HTML part must be a well-formed document saying the same words, with the same links, as
the plain-text part, whatever the data holds (``&``, ``<``, quotes); and every template in
templates/email is one kind that notify.messages sends, each kind having its template.
"""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from notify import Email
from notify import messages as mail
from procedures import ChallengeDates, position
from sheets.base import Problem
from sheets.schema import CHALLENGES, COMPLIANCE
from tests.jobs.reminder_sheets import durham, pan

TODAY = dt.date(2027, 3, 10)
RAISED = dt.date(2027, 3, 1)
URL = "https://tracker.example/pan/challenges/PAN-2027-0001?x=1&y=<2>"
AGENCY = 'Smith & Jones "Academy" <North>'


def emails(tmp_path) -> dict[str, Email]:
    """One email of every kind, built the way the job and the pages build them."""
    p, d = pan(tmp_path), durham(tmp_path)
    procedure = p.procedure
    at2 = position(procedure, p.calendar, ChallengeDates(raised_on=RAISED, step=2, step_started=RAISED), TODAY)
    at1 = position(procedure, p.calendar, ChallengeDates(raised_on=TODAY), TODAY)
    compliance = d.compliance_procedure
    c1 = position(compliance, d.calendar, ChallengeDates(raised_on=RAISED, step=compliance.starts_at,
                                                         step_started=RAISED), TODAY)
    ref, cref = "PAN-2027-0001", "DSCP-C-1"
    to = "someone@agency.example"
    return {
        "due_soon": mail.due_soon(p, CHALLENGES, ref, at2, to, URL),
        "overdue": mail.overdue(p, CHALLENGES, ref, at2, to, URL, 3),
        "escalate": mail.escalate(p, CHALLENGES, ref, at2, to, URL, TODAY),
        "threshold": mail.threshold(p, CHALLENGES, ref, at2, procedure.step(2), to, URL),
        "resolved": mail.resolved(p, CHALLENGES, ref, at2, TODAY, to, URL),
        "compliance_copy": mail.compliance_copy(d, cref, c1, RAISED, AGENCY, to, URL),
        "repeated_agency": mail.repeated_agency(d, AGENCY, ["DSCP-C-1", "DSCP-C-2", "DSCP-C-3"], 90, to,
                                                "https://tracker.example"),
        "problems": mail.problems(p, [Problem(CHALLENGES, 7, "Raised on", "is not a date: '31/02/2027' <&>"),
                                      Problem(COMPLIANCE, None, None, "the tab is missing")], TODAY, to),
        "raised_with_you": mail.raised_with_you(p, CHALLENGES, ref, at1, "A. O'Brien", AGENCY, to, URL, TODAY),
        "raised_confirmation": mail.raised_confirmation(p, CHALLENGES, ref, at1, to, URL, TODAY),
        "escalated": mail.escalated(p, CHALLENGES, ref, at2, RAISED, to, URL, TODAY),
        "withdrawn": mail.withdrawn(p, CHALLENGES, ref, at2, TODAY, to, URL),
        "stuck": mail.stuck(p, [(CHALLENGES, ref, "Step 2: Line managers", "line managers", 12),
                                (COMPLIANCE, "PAN-C-2", "Stage 1: IRO & manager", "the IRO", 1)], TODAY, to,
                            "https://tracker.example"),
        "response_needed": mail.response_needed(d, cref, compliance.step(compliance.starts_at), TODAY, to, URL),
        "responded": mail.responded(d, cref, to, URL),
        "sign_in": mail.sign_in(p, to, URL, 15),
    }


@pytest.fixture(scope="module")
def every_email(tmp_path_factory):
    return emails(tmp_path_factory.mktemp("emails"))


def html_words(document: str) -> tuple[ET.Element, list[str], list[str]]:
    """The parsed document, the words its body shows, and its links' targets (the parse fails
    if the HTML is not well formed)."""
    root = ET.fromstring(document)
    body = root.find("body")
    assert body is not None
    return root, " ".join(body.itertext()).split(), [a.get("href") for a in body.iter("a")]


def test_every_template_is_a_kind_that_is_sent_and_every_kind_has_its_template(every_email):
    assert set(every_email) == set(mail.kinds())
    source = Path(mail.__file__).read_text()
    used = set(re.findall(r'(?:compose\(partnership, to, |render\()"(\w+)"', source))
    assert used == set(mail.kinds())
    assert all((mail.TEMPLATES / f"{kind}.jinja").is_file() for kind in used)


@pytest.mark.parametrize("kind", mail.kinds())
def test_the_html_part_is_a_well_formed_document_with_the_words_and_links_of_the_text(every_email, kind):
    email = every_email[kind]
    root, words, hrefs = html_words(email.html)
    assert root.tag == "html" and root.get("lang") == "en"
    assert root.findtext("head/title") == email.subject
    assert words == email.text.split()
    links = re.findall(r"https?://\S+", email.text)
    assert hrefs == links
    assert links or kind == "problems"  # the one email with no page to open
    assert email.text.endswith("\n") and "\n\n\n" not in email.text
    assert "{" not in email.text + email.subject and "\n" not in email.subject


def test_data_is_escaped_in_the_html_and_written_as_is_in_the_text(every_email):
    copy = every_email["compliance_copy"]
    assert f"to {AGENCY}." in copy.text
    assert "Smith &amp; Jones &#34;Academy&#34; &lt;North&gt;" in copy.html
    assert f'href="{URL.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")}"' in copy.html
    assert "<North>" not in copy.html


def test_the_same_dates_are_written_one_way_in_both_parts(every_email):
    email = every_email["due_soon"]
    said = re.findall(r"\b\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|"
                      r"November|December) \d{4}\b", email.text)
    assert said and said == re.findall(r"\b\d{1,2} [A-Z][a-z]+ \d{4}\b", " ".join(html_words(email.html)[1]))


def test_emails_render_without_a_flask_application(every_email):
    import flask

    assert not flask.has_app_context()
    assert every_email["sign_in"].subject == "Sign in to Pan Cheshire Test Partnership"


def test_the_emails_that_are_not_about_a_challenges_page_end_without_its_link_or_footer(every_email):
    """The sign-in link and the line manager's response link are the person's own: no "Open it",
    no footer inviting them to sign in; the words are those the pages have always sent."""
    assert every_email["sign_in"].text == (
        "Sign in to Pan Cheshire Test Partnership (professional challenge and escalation) with this link:\n\n"
        f"{URL}\n\nThe link works once and stops working after 15 minutes.\n\n"
        "If you did not ask to sign in, you can ignore this email: nobody can sign in without the link.\n")
    needed = every_email["response_needed"]
    assert needed.subject == "Compliance challenge DSCP-C-1: your response is needed by 10 March 2027"
    assert needed.text.endswith(f"Open this link to read it and respond:\n{URL}\n\nThe link opens this challenge "
                                "only. Please do not forward this email: whoever opens the link can respond.\n")
    assert "respond:<br />\n<a href=" in needed.html
    assert every_email["responded"].text == (
        "The line manager has responded to compliance challenge DSCP-C-1.\n\n"
        f"Sign in to read it and record whether it resolves the issue: {URL}\n")
    for kind in ("sign_in", "response_needed", "responded"):
        assert "Open it" not in every_email[kind].text and "carries no case detail" not in every_email[kind].text
