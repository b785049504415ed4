"""The business support dashboard: the same figures as the Summary tab, charts with their
tables, CSV and .xlsx downloads, and only business support of the partnership may see it."""
from __future__ import annotations

import csv
import datetime as dt
import io
import time
from urllib.parse import urlsplit

import openpyxl
import pytest
from bs4 import BeautifulSoup

from sheets.base import Month, Percent, cell_display
from sheets.local import LocalWorkbook
from tests.jobs.test_summary_tab import assert_figures_are_numbers
from tests.jobs import summary_dataset as data
from views import dashboard
from views.auth import LAST_SEEN

PAGES = ["/demo/dashboard", "/demo/dashboard.csv", "/demo/dashboard.xlsx"]


@pytest.fixture
def workbook(tmp_path, monkeypatch):
    """The demo partnership's workbook holding the fixed dataset, counted as on 20 November 2026."""
    path = tmp_path / "instance" / "demo.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    book = LocalWorkbook(path)
    data.fill(book)
    monkeypatch.setattr(dashboard, "today", lambda: data.TODAY)
    return book


def sign_in(client, role="business_support", partnership="demo", email="business.support@demo-partnership.example"):
    with client.session_transaction() as s:
        s["user"] = {"email": email, "partnership": partnership, "role": role, "reference": None}
        s[LAST_SEEN] = int(time.time())


@pytest.fixture
def support(client, workbook):
    sign_in(client)
    return client


def page(client, url="/demo/dashboard") -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def table_by_caption(soup: BeautifulSoup, caption: str):
    found = [t for t in soup.select("table.govuk-table") if t.caption and t.caption.get_text(strip=True) == caption]
    assert found, f"no table captioned {caption!r}"
    return found[0]


def rows(table) -> list[list[str]]:
    return [[cell.get_text(" ", strip=True) for cell in tr.find_all(["th", "td"])] for tr in table.tbody.find_all("tr")]


def headers(table) -> list[str]:
    return [th.get_text(" ", strip=True) for th in table.thead.find_all("th")]


# --- what business support see ---------------------------------------------

def test_the_dashboard_shows_the_periods_and_the_figures(support):
    soup = page(support)
    assert soup.h1.get_text(strip=True) == "Professional challenge dashboard"
    about = {row.dt.get_text(strip=True): row.dd.get_text(strip=True) for row in soup.select("#about .govuk-summary-list__row")}
    assert about["Current period"] == "1 October 2026 to 31 March 2027"
    assert about["Year"] == "1 April 2026 to 31 March 2027: the previous and current periods together"
    assert about["Figures as they stood on"] == "20 November 2026"
    assert about["Open today, whenever raised"] == "10 challenges and compliance challenges, 8 of them overdue"

    challenges = table_by_caption(soup, "Challenges")
    assert headers(challenges) == ["Figure", "Current period (Oct 2026 to Mar 2027)",
                                   "Previous period (Apr 2026 to Sep 2026)", "Year (Apr 2026 to Mar 2027)"]
    assert rows(challenges)[:4] == [
        ["Raised", "12", "12", "24"],
        ["Resolved", "5", "10", "15"],
        ["Resolved within the procedure's timescale", "5", "9", "14"],
        ["Resolved within the procedure's timescale (% of those resolved)", "100%", "90%", "93%"],
    ]
    assert ["Median working days to resolve (from day 1 to the day resolved)", "3", "2.5", "3"] in rows(challenges)
    assert rows(table_by_caption(soup, "Raised each month"))[2] == ["June 2026", "4", "2"]
    assert ["Overdue now", "4", "1", "5"] in rows(challenges)
    assert rows(table_by_caption(soup, "Raised by agency")) == [
        ["Police", "5", "4", "9"], ["Health", "3", "3", "6"], ["Children's Social Care", "2", "2", "4"],
        ["Education", "2", "2", "4"], ["Probation", "0", "1", "1"]]
    assert rows(table_by_caption(soup, "Compliance challenges by agency")) == [
        ["Children's Social Care", "2", "1", "3"], ["Education", "0", "1", "1"], ["Health", "1", "0", "1"]]
    assert rows(table_by_caption(soup, "Patterns"))[1] == [
        "Agencies on the Lists tab that raised no challenges", "Probation; Housing", "Housing", "Housing"]


def test_the_lists_tab_comes_from_the_pages_one_lists_cache(support, workbook, app):
    """An agency added to the Lists tab shows once every instance is told to read it again
    (``sheet refresh-lists``), as on the forms: the dashboard keeps no copy of its own."""
    app.config["LISTS_CACHE_SECONDS"] = 3600

    def raised_none():
        return rows(table_by_caption(page(support), "Patterns"))[1][1]
    assert raised_none() == "Probation; Housing"
    workbook.append("Lists", [{"Agencies": "Fire and rescue"}])
    assert raised_none() == "Probation; Housing"
    assert app.test_cli_runner().invoke(args=["sheet", "refresh-lists", "--partnership", "demo"]).exit_code == 0
    assert raised_none() == "Probation; Housing; Fire and rescue"


def test_rows_not_counted_are_listed_under_the_tables(support):
    soup = page(support)
    not_counted = rows(table_by_caption(soup, "Not counted"))
    assert [r[:2] for r in not_counted] == [["Challenges", "27"], ["Challenges", "28"], ["Challenges", "29"],
                                            ["Challenges", "30"], ["Compliance", "7"]]
    assert "'Step 7' is not a step of this procedure" in not_counted[1][2]
    assert soup.find(string=lambda s: s and "left out of every figure" in s)


def test_each_chart_is_an_image_with_a_name_and_its_table_beside_it(support):
    soup = page(support)
    charts = soup.select(".app-chart")
    assert [c["id"] for c in charts] == ["chart-raised-by", "chart-received-by", "chart-step", "chart-theme",
                                         "chart-trend"]
    for chart in charts:
        svg = chart.svg
        assert svg["role"] == "img"
        assert svg["aria-label"] == svg.title.get_text()
        table = chart.table
        labels = [r[0] for r in rows(table)]
        for label in labels:
            assert label in svg["aria-label"]
        assert len(svg.find_all("rect")) == len(labels)
    raised_by = soup.select_one("#chart-raised-by")
    assert raised_by.svg["aria-label"] == ("Challenges raised, by raising agency: Police 9, Health 6, "
                                           "Children's Social Care 4, Education 4, Probation 1.")
    assert rows(raised_by.table) == [["Police", "9"], ["Health", "6"], ["Children's Social Care", "4"],
                                     ["Education", "4"], ["Probation", "1"]]
    step = soup.select_one("#chart-step")
    assert rows(step.table) == [["Step 1: Professionals resolving disagreements", "9"],
                                ["Step 2: Line managers and safeguarding leads", "9"],
                                ["Step 3: Safeguarding Partnership representative", "4"],
                                ["Step 4: Statutory Partners", "2"]]
    trend = rows(soup.select_one("#chart-trend").table)
    assert trend[2:8] == [["Jun 2026", "4"], ["Jul 2026", "3"], ["Aug 2026", "1"], ["Sep 2026", "4"],
                          ["Oct 2026", "7"], ["Nov 2026", "5"]]
    assert len(trend) == 12


def test_the_longest_bar_is_the_largest_figure(support):
    bars = page(support).select_one("#chart-raised-by").svg.find_all("rect")
    widths = [float(b["width"]) for b in bars]
    assert widths[0] == 560 and widths[-1] == pytest.approx(560 / 9, abs=0.1)
    assert widths == sorted(widths, reverse=True)


def test_the_charts_can_show_the_current_period(support):
    soup = page(support, "/demo/dashboard?period=current")
    assert "current period, 1 October 2026 to 31 March 2027" in soup.select_one("#charts").get_text()
    chooser = soup.select_one("nav[aria-label='Period shown in the charts']")
    assert chooser.select_one("[aria-current=page]").get_text(strip=True) == "Current period (Oct 2026 to Mar 2027)"
    # Month names keep their capitals inside the sentence.
    assert [a.get_text(strip=True) for a in chooser.select("a")] == [
        "Show previous period (Apr 2026 to Sep 2026)", "Show year (Apr 2026 to Mar 2027)"]
    assert rows(soup.select_one("#chart-theme").table) == [
        ["Referral criteria", "4"], ["Information sharing", "2"], ["Service provision", "2"], ["Timeliness", "2"],
        ["Assessment outcomes", "1"], ["Roles and responsibilities", "1"]]


def test_an_unknown_period_is_a_bad_request(support):
    assert support.get("/demo/dashboard?period=decade").status_code == 400


# --- downloads -------------------------------------------------------------

def test_the_csv_download_has_the_same_figures(support):
    response = support.get("/demo/dashboard.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="demo-summary-2026-11-20.csv"'
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0] == ["Demo Safeguarding Partnership: professional challenge summary"]
    assert ["Raised", "12", "12", "24"] in table
    assert ["Overdue now", "4", "1", "5"] in table
    assert ["Police", "5", "4", "9"] in table
    assert ["Challenges", "28", "Column \"Step\": 'Step 7' is not a step of this procedure (1, 2, 3, 4)"] in table
    # Text as the page shows it: percentages with their sign, dates written out.
    assert ["Resolved within the procedure's timescale (% of those resolved)", "100%", "90%", "93%"] in table
    assert ["Figures as they stood on", "20 November 2026"] in table
    assert ["June 2026", "4", "2"] in table


def test_the_xlsx_download_has_the_same_figures_as_numbers_with_bold_headers(support):
    response = support.get("/demo/dashboard.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="demo-summary-2026-11-20.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["Summary"]
    assert_figures_are_numbers(sheet, generated_at=None)
    csv_rows = list(csv.reader(io.StringIO(support.get("/demo/dashboard.csv").get_data(as_text=True).lstrip("\ufeff"))))
    generated = [i for i, r in enumerate(csv_rows) if r and r[0].startswith("Generated")]
    shown = [[cell_display(pct(c)) for c in row if c.value not in (None, "")] for row in sheet.iter_rows()]
    same = [r for i, r in enumerate(shown) if i not in generated]
    assert same == [[v for v in r if v] for i, r in enumerate(csv_rows) if i not in generated]
    bold = {row[0].row for row in sheet.iter_rows() if row[0].value and row[0].font.b}
    assert sheet.cell(1, 1).font.b
    assert sheet.cell(bold_row := next(r for r in sorted(bold) if sheet.cell(r, 1).value == "Challenges"), 2).value \
        == "Current period (Oct 2026 to Mar 2027)"
    assert sheet.cell(bold_row, 2).font.b
    assert not sheet.cell(bold_row + 1, 1).font.b  # "Raised": a figure, not a header


def test_downloads_never_turn_a_typed_name_into_a_formula(client, tmp_path, monkeypatch):
    path = tmp_path / "instance" / "demo.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    book = LocalWorkbook(path)
    book.init()
    book.append("Challenges", [{"Reference": "DEMO-0001", "Raised on": "02/11/2026", "Step": "1",
                                "Raiser agency": '=HYPERLINK("http://x.example","Police")'}])
    monkeypatch.setattr(dashboard, "today", lambda: data.TODAY)
    sign_in(client)
    text = client.get("/demo/dashboard.csv").get_data(as_text=True)
    assert """"'=HYPERLINK(""http://x.example"",""Police"")",1,0,1""" in text
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/demo/dashboard.xlsx").data))["Summary"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == '=HYPERLINK("http://x.example","Police")']
    assert cells and all(c.data_type == "s" for c in cells)


def pct(cell):
    """A downloaded cell's value as the page shows it: a percentage cell as its percentage."""
    if cell.number_format == "0%":
        return Percent(round(cell.value * 1000), 1000)
    if cell.is_date:
        day = cell.value.date() if cell.value.time() == dt.time() else cell.value
        return Month(day.year, day.month, 1) if cell.number_format == "mmmm yyyy" else day
    return cell.value


# --- who may see it --------------------------------------------------------

@pytest.mark.parametrize("url", PAGES)
def test_an_anonymous_visitor_is_sent_to_sign_in(client, workbook, url):
    response = client.get(url)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/demo/sign-in"


@pytest.mark.parametrize("url", PAGES)
def test_a_practitioner_is_refused(client, workbook, url):
    sign_in(client, role="practitioner", email="pat.smith@example.nhs.uk")
    response = client.get(url)
    assert response.status_code == 403
    assert b"Police" not in response.data


@pytest.mark.parametrize("url", PAGES)
def test_business_support_of_another_partnership_is_refused(client, workbook, url):
    sign_in(client, partnership="other", email="support@other-partnership.example")
    assert client.get(url).status_code == 403


def test_a_spreadsheet_that_cannot_be_read_gives_a_clear_page_not_an_error(client, monkeypatch):
    # No workbook file at all.
    monkeypatch.setattr(dashboard, "today", lambda: data.TODAY)
    sign_in(client)
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 503
        soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        assert soup.h1.get_text(strip=True) == "The spreadsheet cannot be reached"
        assert "Try again in a few minutes" in soup.get_text()
        assert "demo.xlsx" not in soup.get_text()  # the reason, naming a file on the server, is logged only


def test_the_dashboard_says_when_the_daily_job_last_succeeded(support, app):
    from state import store_for
    store_for(app.config).put("last-success:demo", "2026-06-20T06:30:05+00:00")
    about = {row.dt.get_text(strip=True): row.dd.get_text(strip=True)
             for row in page(support).select("#about .govuk-summary-list__row")}
    # In the partnership's time zone (British Summer Time in June), the label saying which.
    assert about["Daily job last succeeded (Europe/London time)"] == "20 June 2026 at 7:30am"
    assert " at " in about["Generated (Europe/London time)"]


def test_an_empty_workbook_shows_charts_saying_none(client, tmp_path, monkeypatch):
    path = tmp_path / "instance" / "demo.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    LocalWorkbook(path).init()
    monkeypatch.setattr(dashboard, "today", lambda: data.TODAY)
    sign_in(client)
    soup = page(client)
    raised_by = soup.select_one("#chart-raised-by")
    assert raised_by.svg["aria-label"] == "Challenges raised, by raising agency: none."
    assert raised_by.svg.find("text").get_text() == "None"
    assert rows(raised_by.table) == [["None"]]
    assert rows(table_by_caption(soup, "Challenges"))[0] == ["Raised", "0", "0", "0"]
