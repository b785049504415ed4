"""The fake Sheets API answers as Google does (shapes taken from gspread's recorded responses), and
the app reads dates from a Google sheet the same whatever its locale."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
import requests

from partnership.config import SheetConfig
from sheets.check import check
from sheets.schema import CHALLENGES, RAISED_ON, REFERENCE, STEP, TABS
from tests.fakesheets import BASE, FakeSheetsAPI, google_workbook

SHEET = "shapes"


@pytest.fixture
def api() -> FakeSheetsAPI:
    api = FakeSheetsAPI()
    api.add_spreadsheet(SHEET, tabs={"Sheet1": [["a", "b"], ["c"]], "My notes": [], "Empty": []})
    return api


def get(api, path: str, **params) -> dict:
    response = api.session().get(BASE + SHEET + path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_fields_mask_is_honoured_and_rowdata_is_left_out_where_there_is_none(api):
    # As recorded: an empty sheet's notes are {"sheets": [{"data": [{}]}]}.
    assert get(api, "", ranges="Empty", fields="sheets.data.rowData.values.note") == {"sheets": [{"data": [{}]}]}
    got = get(api, "", ranges="Sheet1!A1:B2", fields="sheets(properties(title),data.rowData.values.formattedValue)")
    assert got == {"sheets": [{"properties": {"title": "Sheet1"}, "data": [{"rowData": [
        {"values": [{"formattedValue": "a"}, {"formattedValue": "b"}]}, {"values": [{"formattedValue": "c"}]}]}]}]}
    assert get(api, "", fields="namedRanges") == {}


def test_only_the_requested_tabs_are_listed(api):
    got = get(api, "", ranges="'My notes'!1:1", includeGridData="true")
    assert [s["properties"]["title"] for s in got["sheets"]] == ["My notes"]
    assert got["sheets"][0]["data"] == [{}]
    assert [s["properties"]["title"] for s in get(api, "")["sheets"]] == ["Sheet1", "My notes", "Empty"]


def test_ranges_come_back_as_google_states_them(api):
    assert get(api, "/values/'Sheet1'")["range"] == "Sheet1!A1:Z1000"
    assert get(api, "/values/'My notes'!1:1")["range"] == "'My notes'!A1:Z1"
    got = get(api, "/values:batchGet", ranges=["'Sheet1'!A1:B1", "Sheet1!B4:D4", "Sheet1!A:A"])
    assert [r["range"] for r in got["valueRanges"]] == ["Sheet1!A1:B1", "Sheet1!B4:D4", "Sheet1!A1:A1000"]
    assert "values" not in got["valueRanges"][1]


def test_an_append_goes_after_the_table_google_detects_from_its_first_column(api):
    api.set_values(SHEET, "Empty", [["", "", "x"]])
    response = api.session().post(BASE + SHEET + "/values/'Empty'!A1:append", params={"valueInputOption": "RAW"},
                                  json={"values": [["1", "2", "3"]]}).json()
    assert response["tableRange"] == "Empty!C1"
    assert response["updates"]["updatedRange"] == "Empty!C2:E2"
    assert api.values(SHEET, "Empty") == [["", "", "x"], ["", "", "1", "2", "3"]]


def test_a_429_has_no_retry_after_and_a_5xx_is_sometimes_an_html_page(api):
    api.inject({"429": 1.0})
    quota = api.session().get(BASE + SHEET)
    api.inject({})
    assert quota.status_code == 429 and "Retry-After" not in quota.headers
    assert quota.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    api.html_error_next(502)
    page = api.session().get(BASE + SHEET)
    assert page.status_code == 502 and page.headers["Content-Type"].startswith("text/html")
    with pytest.raises(requests.JSONDecodeError):
        page.json()


@pytest.fixture
def us_sheet(api, partnership):
    """A sheet made through the API (en_US) where a person typed a date into a date cell."""
    api.add_spreadsheet("us", locale="en_US")
    book = google_workbook(api, replace(partnership, sheet=SheetConfig("google", spreadsheet_id="us")))
    book.init()
    api.set_values("us", "Challenges", [api.values("us", "Challenges")[0]])
    api.set_values("us", "Lists", [])
    headers = api.values("us", "Challenges")[0]
    row = [""] * len(headers)
    row[headers.index(REFERENCE)] = "PC-1"
    row[headers.index(RAISED_ON)] = dt.date(2027, 4, 3)  # shown as 4/3/2027 in en_US
    row[headers.index(STEP)] = 2                        # typed as a number
    api.set_values("us", "Challenges", [headers, row])
    api.spreadsheets["us"].locale = "en_US"
    return api


def test_a_date_cell_reads_the_same_whatever_the_sheet_s_locale(us_sheet, partnership):
    assert us_sheet.values("us", "Challenges")[1][1] == "4/3/2027"
    book = google_workbook(us_sheet, replace(partnership, sheet=SheetConfig("google", spreadsheet_id="us")))
    record = book.read(CHALLENGES).find("PC-1")
    assert (record[RAISED_ON], record[STEP]) == ("2027-04-03", "2")


def test_sheet_check_names_a_locale_that_reads_dates_month_first_and_init_sets_it(us_sheet, partnership):
    google = replace(partnership, sheet=SheetConfig("google", spreadsheet_id="us"))
    [problem] = [p for p in check(google_workbook(us_sheet, google), google, today=dt.date(2027, 5, 1))
                 if p.tab == "Spreadsheet"]
    assert "its locale is en_US" in str(problem) and "United Kingdom" in str(problem)
    done = google_workbook(us_sheet, google).init()
    assert any("locale to en_GB" in line for line in done)
    assert us_sheet.spreadsheets["us"].locale == "en_GB"
    assert [p for p in check(google_workbook(us_sheet, google), google) if p.tab == "Spreadsheet"] == []
    assert set(TABS) <= set(us_sheet.spreadsheets["us"].tabs)
