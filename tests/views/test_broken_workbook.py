"""A workbook that cannot be parsed (a part with a DOCTYPE, a tab that is not XML): every page that
reads it says the spreadsheet is unavailable (503), and `flask sheet check` names the part."""
from __future__ import annotations

import shutil
import zipfile

import pytest

from sheets.base import SheetUnavailable
from sheets.local import LocalWorkbook
from sheets.schema import CHALLENGES
from tests.views.challenge_pages import SUPPORT, app, partnership, sign_in_as, text, workbook  # noqa: F401

REFERENCE = "DEMO-AAAAAA"
PAGES = ["/demo/challenges", "/demo/compliance", "/demo/dashboard", "/demo/dashboard.csv", "/demo/dashboard.xlsx",
         f"/demo/challenges/{REFERENCE}", f"/demo/challenges/{REFERENCE}/resolve",
         f"/demo/challenges/{REFERENCE}/escalate", f"/demo/challenges/{REFERENCE}/withdraw"]
BREAKS = {
    "external entity": lambda xml: xml.replace(b"<worksheet", b'<!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]>'
                                                              b"<worksheet", 1).replace(REFERENCE.encode(), b"&a;"),
    "internal entity": lambda xml: xml.replace(b"<worksheet", b'<!DOCTYPE x [<!ENTITY a "DEMO-">]><worksheet', 1),
    "not XML": lambda xml: xml[: len(xml) // 2],
}


def break_part(path, part: str, how) -> None:
    tmp = path.with_name("broken.xlsx")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tmp, "w") as out:
        for name in source.namelist():
            data = source.read(name)
            out.writestr(name, how(data) if name == part else data)
    shutil.move(tmp, path)


@pytest.fixture
def broken(request, workbook):
    workbook.append(CHALLENGES, [{"Reference": REFERENCE, "Raised on": "02/11/2026", "Step": "1"}])
    break_part(workbook.path, "xl/worksheets/sheet1.xml", BREAKS[request.param])
    return workbook.path


@pytest.mark.parametrize("broken", list(BREAKS), indirect=True)
def test_every_page_that_reads_it_is_the_unavailable_page(app, client, broken):
    sign_in_as(client, SUPPORT, role="business_support")
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 503, url
        assert "spreadsheet cannot be reached" in text(response)


@pytest.mark.parametrize("broken", ["external entity", "internal entity"], indirect=True)
def test_a_doctype_is_named_with_its_part_and_never_read(broken):
    with pytest.raises(SheetUnavailable, match=r"xl/worksheets/sheet1\.xml has a DOCTYPE"):
        LocalWorkbook(broken).read_all()


@pytest.mark.parametrize("broken", ["external entity", "not XML"], indirect=True)
def test_sheet_check_names_the_problem(runner, broken):
    result = runner.invoke(args=["sheet", "check", "--partnership", "demo"])
    assert result.exit_code == 1
    assert "xl/worksheets/sheet1.xml" in result.output
    assert "Traceback" not in result.output
