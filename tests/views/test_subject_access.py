"""Finding a person's data: business support search every tab by email address or name and
download the rows found; nobody else may (403, another partnership's business support too), and
what was searched for is never logged."""
from __future__ import annotations

import csv
import io
import json
import logging
from pathlib import Path

import openpyxl
import pytest

from sheets.schema import BUSINESS_SUPPORT, CHALLENGES, COMPLIANCE, HISTORY, LISTS, REMINDERS
from tests.auth.conftest import OTHER_TOML
from tests.views.challenge_pages import (  # noqa: F401 (fixtures)
    SUPPORT,
    app,
    errors,
    hidden_fields,
    page,
    partnership,
    sign_in_as,
    text,
    workbook,
)

PERSON = "sam.jones@example.nhs.uk"
URL = "/demo/subject-access"


@pytest.fixture
def partnerships_dir(partnerships_dir: Path) -> Path:
    (partnerships_dir / "other.toml").write_text(OTHER_TOML)
    return partnerships_dir


@pytest.fixture
def rows(workbook):
    """Sam Jones on every tab: their own challenge, one that mentions them, a compliance
    challenge, History, Reminders and the Lists tab; and a challenge that is nothing to do with them."""
    workbook.append(CHALLENGES, [
        {"Reference": "DEMO-AAA111", "Raised on": "2026-11-02", "Raised by": "Sam Jones", "Raiser email": PERSON,
         "Decision challenged": '=HYPERLINK("http://evil.example","x")', "Step": "1", "Our notes": "rang Sam"},
        {"Reference": "DEMO-BBB222", "Raised on": "2026-11-03", "Raised by": "Alex Green",
         "Raiser email": "alex.green@example.police.uk", "Decision challenged": "Spoke to  SAM jones on Monday",
         "Step": "1"},
        {"Reference": "DEMO-CCC333", "Raised on": "2026-11-04", "Raised by": "Pat Other",
         "Raiser email": "pat@example.sch.uk", "Decision challenged": "Nothing about anyone", "Step": "1"},
    ])
    workbook.append(COMPLIANCE, [{"Reference": "DEMO-DDD444", "Raised on": "2026-11-05", "IRO": "Jo Iro",
                                  "Professional email": PERSON.upper(), "Step": "2"}])
    workbook.append(HISTORY, [
        {"When": "2026-11-02 10:00", "Reference": "DEMO-AAA111", "Tab": CHALLENGES, "Action": "Raised", "Step": "1",
         "By": PERSON},
        {"When": "2026-11-04 10:00", "Reference": "DEMO-CCC333", "Tab": CHALLENGES, "Action": "Raised", "Step": "1",
         "By": "pat@example.sch.uk"},
    ])
    workbook.append(REMINDERS, [{"Sent at": "2026-11-03 07:00:00", "Reference": "DEMO-AAA111", "Step": "1",
                                 "Kind": "due soon", "Recipient": PERSON,
                                 "Key": f"DEMO-AAA111|1|due soon|{PERSON}|2026-11-03"}])
    workbook.append(LISTS, [{BUSINESS_SUPPORT: PERSON}])
    return workbook


def search(client, term: str):
    shown = client.get(URL)
    assert shown.status_code == 200
    return client.post(URL, data={**hidden_fields(shown), "term": term})


def download(client, term: str, extension: str):
    found = search(client, term)
    return client.post(f"{URL}/download.{extension}", data={**hidden_fields(found)})


@pytest.fixture
def support(client, rows):
    sign_in_as(client, SUPPORT, role="business_support")
    return client


def found_rows(response) -> dict[str, list[tuple[str, str, str]]]:
    out = {}
    for table in page(response).select("table.govuk-table"):
        tab = table.caption.get_text(strip=True).split(" tab")[0]
        out[tab] = [tuple(td.get_text(strip=True) for td in tr.select("td")) for tr in table.select("tbody tr")]
    return out


def test_an_email_address_is_found_on_every_tab_ignoring_capitals(support):
    response = search(support, "SAM.Jones@example.nhs.uk")
    assert response.status_code == 200
    assert found_rows(response) == {
        CHALLENGES: [("2", "DEMO-AAA111", "Raiser email")],
        COMPLIANCE: [("2", "DEMO-DDD444", "Professional email")],
        HISTORY: [("2", "DEMO-AAA111", "By")],
        REMINDERS: [("2", "DEMO-AAA111", "Recipient, Key")],
        LISTS: [(str(len(("Health", "Police", "Children's social care", "Education")) + 2), "(none)",
                 "Business support")],
    }
    assert "5 rows found" in text(response)


def test_a_name_is_found_in_name_columns_free_text_and_peoples_own_columns(support):
    response = search(support, "sam   jones")
    assert found_rows(response) == {CHALLENGES: [("2", "DEMO-AAA111", "Raised by"),
                                                 ("3", "DEMO-BBB222", "Decision challenged")]}


def test_nothing_found_says_so(support):
    response = search(support, "nobody.here@example.org")
    assert "0 rows found" in text(response) and "Nothing on any tab holds that" in text(response)
    assert not page(response).select("button[formaction]")


@pytest.mark.parametrize("term, message", [("", "Enter an email address or name to search for"),
                                           ("  a ", "Enter at least 3 characters of an email address or name")])
def test_a_search_too_short_to_mean_anything_is_refused(support, term, message):
    response = search(support, term)
    assert response.status_code == 400
    assert errors(response) == [message]
    assert page(response).title.get_text().startswith("Error:")


def test_the_csv_holds_every_column_of_the_rows_found_and_runs_no_formula(support):
    response = download(support, PERSON, "csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="demo-subject-access-')
    assert response.headers["Cache-Control"] == "no-store"
    content = response.get_data(as_text=True).lstrip("\ufeff")
    table = list(csv.reader(io.StringIO(content)))
    assert table[0] == [CHALLENGES]
    headers, first = table[1], table[2]
    assert headers[:3] == ["Row", "Reference", "Raised on"] and "Our notes" in headers
    assert first[headers.index("Raiser email")] == PERSON
    assert first[headers.index("Decision challenged")] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert first[headers.index("Our notes")] == "rang Sam"
    assert [row[0] for row in table if len(row) == 1] == [CHALLENGES, COMPLIANCE, HISTORY, REMINDERS, LISTS]
    assert "DEMO-CCC333" not in content and "pat@example.sch.uk" not in content


def test_the_xlsx_has_a_sheet_per_tab_with_text_cells(support):
    response = download(support, PERSON, "xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == [CHALLENGES, COMPLIANCE, HISTORY, REMINDERS, LISTS]
    sheet = book[CHALLENGES]
    headers = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=headers.index("Decision challenged") + 1)
    assert cell.value == '=HYPERLINK("http://evil.example","x")' and cell.data_type == "s"
    assert sheet[1][0].font.bold


def test_an_unknown_file_kind_is_not_found(support):
    assert download(support, PERSON, "pdf").status_code == 404


@pytest.mark.parametrize("who, role, slug, status", [
    ("pat.smith@example.nhs.uk", "practitioner", "demo", 403),
    ("lead@example.nhs.uk", "responder", "demo", 403),
    ("support@other-partnership.example", "business_support", "other", 403),
])
def test_nobody_but_the_partnerships_business_support_may_search_or_download(client, rows, who, role, slug, status):
    sign_in_as(client, who, role=role, reference="DEMO-AAA111" if role == "responder" else None, slug=slug)
    assert client.get(URL).status_code == status
    token = hidden_fields(client.get("/demo/"))  # a CSRF token from a page they may see
    assert client.post(URL, data={**token, "term": PERSON}).status_code == status
    assert client.post(f"{URL}/download.csv", data={**token, "term": PERSON}).status_code == status


def test_an_anonymous_visitor_is_sent_to_sign_in(client, rows):
    response = client.get(URL)
    assert response.status_code == 302 and response.location == "/demo/sign-in?next=/demo/subject-access"
    token = hidden_fields(client.get("/demo/sign-in"))
    for url in (URL, f"{URL}/download.csv"):
        response = client.post(url, data={**token, "term": PERSON})
        assert response.status_code == 302 and response.location.startswith("/demo/sign-in")
        assert PERSON not in response.get_data(as_text=True)


def test_searches_and_downloads_are_logged_with_references_never_the_term(support, caplog):
    caplog.set_level(logging.INFO, logger="challenge_tracker.access")
    found = search(support, PERSON)
    support.post(f"{URL}/download.csv", data=hidden_fields(found))
    logged = [json.loads(r.getMessage()) for r in caplog.records if r.name == "challenge_tracker.access"]
    assert [(e["event"], e["page"]) for e in logged] == [("search", "subject_access.search"),
                                                         ("download", "subject_access.download")]
    for entry in logged:
        assert entry["who"] == SUPPORT and entry["role"] == "business_support" and entry["partnership"] == "demo"
        assert entry["references"] == ["DEMO-AAA111", "DEMO-DDD444"] and entry["rows"] == 5
    assert logged[1]["file"].startswith("demo-subject-access-")
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert PERSON not in everything.replace(SUPPORT, "") and "sam.jones" not in everything.lower()
