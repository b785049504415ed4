"""The board paper: one period's commentary, charts and tables, printable and as a Word document
with real Word tables; only business support of the partnership may have it."""
from __future__ import annotations

import io
from urllib.parse import urlsplit

import docx
import pytest

from reports.board_paper import commentary
from reports.summary_figures import compute_summary
from tests.jobs import summary_dataset as data
from tests.views.test_dashboard import page, rows, sign_in, support, table_by_caption, workbook  # noqa: F401

PAPER = "/demo/dashboard/board-paper"
WORD = "/demo/dashboard/board-paper.docx"


def test_the_commentary_says_what_the_figures_say():
    summary = compute_summary(data.sample_partnership(), data.tables(), data.TODAY)
    current = commentary(summary, 0)
    assert current[0] == ("12 challenges were raised between 1 October 2026 and 31 March 2027 (12 in the previous "
                          "period). The period is not over: these are the figures on 20 November 2026.")
    assert "Children's Social Care received the most: 7 of 12 challenges." in current
    assert "Police raised the most: 5 of 12 challenges." in current
    assert ("5 have been resolved, 5 of them (100%) within the procedure's timescale; the median time to resolve "
            "was 3 working days.") in current
    assert "6 are still open, 4 of them overdue." in current
    assert "1 reached the reporting threshold (step 4: Statutory Partners)." in current
    assert "5 rows of the spreadsheet could not be read and were left out of these figures." in current
    previous = commentary(summary, 1)
    assert previous[0] == "12 challenges were raised between 1 April 2026 and 30 September 2026."
    assert "1 is still open, 1 of them overdue." in previous


def test_a_period_with_nothing_raised_says_so_and_claims_nothing():
    tables = data.tables()
    for tab in ("Challenges", "Compliance"):
        tables[tab] = type(tables[tab])(tab, tables[tab].headers, ())
    summary = compute_summary(data.sample_partnership(), tables, data.TODAY)
    assert commentary(summary, 0) == ("No challenges were raised between 1 October 2026 and 31 March 2027.",
                                      "No compliance challenges were sent.")


def test_the_page_shows_the_chosen_periods_commentary_charts_and_tables(support):
    soup = page(support, PAPER + "?period=previous")
    assert soup.h1.get_text(strip=True) == "Professional challenge: board paper"
    assert "Previous period (Apr 2026 to Sep 2026): 1 April 2026 to 30 September 2026" in soup.get_text()
    lines = [li.get_text(strip=True) for li in soup.select("#commentary + ul li")]
    assert lines[0] == "12 challenges were raised between 1 April 2026 and 30 September 2026."
    challenges = table_by_caption(soup, "Challenges")
    assert [th.get_text(strip=True) for th in challenges.thead.select("th")] == [
        "Figure", "Previous period (Apr 2026 to Sep 2026)"]
    assert rows(challenges)[0] == ["Raised", "12"]
    assert ["Resolved within the procedure's timescale (% of those resolved)", "90%"] in rows(challenges)
    assert len(soup.select(".app-chart svg")) == 5
    word = soup.select_one("#paper-downloads a")["href"]
    assert urlsplit(word).path == WORD and "period=previous" in word
    # What is not for paper is marked so.
    assert "app-no-print" in soup.select_one("#paper-tools")["class"]


def test_the_dashboard_links_to_the_board_paper(support):
    link = page(support, "/demo/dashboard?period=current").select_one("#board-paper")
    assert link["href"] == PAPER + "?period=current"


def test_the_word_document_has_the_commentary_and_real_tables(support):
    response = support.get(WORD + "?period=current")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="demo-board-paper-current-2026-11-20.docx"')
    document = docx.Document(io.BytesIO(response.data))
    text = [p.text for p in document.paragraphs]
    assert "Children's Social Care received the most: 7 of 12 challenges." in text
    assert [p.style.name for p in document.paragraphs if p.text.startswith("Police raised")] == ["List Bullet"]
    by_title = {}
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert len(headings) == len(document.tables)
    by_title = dict(zip(headings, document.tables))
    challenges = by_title["Challenges"]
    assert [c.text for c in challenges.rows[0].cells] == ["Figure", "Current period (Oct 2026 to Mar 2027)"]
    assert [c.text for c in challenges.rows[1].cells] == ["Raised", "12"]
    assert challenges.rows[0].cells[0].paragraphs[0].runs[0].bold
    months = by_title["Raised each month"]
    assert [c.text for c in months.rows[3].cells] == ["June 2026", "4", "2"]


@pytest.mark.parametrize("url", [PAPER, WORD])
def test_an_unknown_period_is_a_bad_request(support, url):
    assert support.get(url + "?period=decade").status_code == 400


@pytest.mark.parametrize("url", [PAPER, WORD])
def test_only_business_support_of_the_partnership_may_have_it(client, workbook, url):
    assert client.get(url).status_code == 302  # anonymous: to sign in
    sign_in(client, role="practitioner", email="pat.smith@example.nhs.uk")
    assert client.get(url).status_code == 403
    sign_in(client, partnership="other", email="support@other-partnership.example")
    assert client.get(url).status_code == 403
