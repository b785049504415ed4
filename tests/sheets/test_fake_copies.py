"""The fake's spreadsheet copies share their rows until written (benchmarks hold many large sheets)."""
from __future__ import annotations

from dataclasses import replace

from partnership.config import SheetConfig
from sheets.base import Clear
from sheets.schema import CHALLENGES, COLUMNS, REFERENCE, TABS
from tests.fakesheets import FakeSheetsAPI, google_workbook


def test_a_copy_shares_rows_until_either_writes_them(partnership):
    api = FakeSheetsAPI()
    tabs = {tab: [list(COLUMNS[tab])] for tab in TABS}
    tabs[CHALLENGES] += [[f"PC-{i}"] + ["Health"] * (len(COLUMNS[CHALLENGES]) - 1) for i in range(100)]
    api.add_spreadsheet("template", tabs)
    api.add_copy("copy-1", "template")
    api.add_copy("copy-2", "template")
    books = {sid: google_workbook(api, replace(partnership, sheet=SheetConfig("google", spreadsheet_id=sid)))
             for sid in ("template", "copy-1", "copy-2")}

    books["copy-1"].update({CHALLENGES: {"PC-5": {"Step": "3"}}})
    row = books["copy-1"].read(CHALLENGES).find("PC-7").row
    books["copy-1"].clear([Clear(CHALLENGES, row, "Other agency", "PC-7")])
    books["copy-2"].append(CHALLENGES, [{REFERENCE: "PC-NEW"}])
    books["template"].update({CHALLENGES: {"PC-9": {"Step": "4"}}})

    read = {sid: book.read(CHALLENGES) for sid, book in books.items()}
    assert read["copy-1"].find("PC-5")["Step"] == "3" and read["copy-1"].find("PC-7")["Other agency"] == ""
    assert read["template"].find("PC-5")["Step"] == "Health"
    assert read["template"].find("PC-7")["Other agency"] == "Health"
    assert read["copy-2"].find("PC-5")["Step"] == "Health" and read["copy-2"].find("PC-NEW") is not None
    assert read["template"].find("PC-NEW") is None and read["copy-1"].find("PC-NEW") is None
    assert read["template"].find("PC-9")["Step"] == "4" and read["copy-1"].find("PC-9")["Step"] == "Health"
    # Rows nobody wrote are one list in memory, however many spreadsheets hold them.
    rows = [api.tab(sid, CHALLENGES).rows for sid in ("template", "copy-1", "copy-2")]
    assert all(list.__getitem__(r, 50) is list.__getitem__(rows[0], 50) for r in rows)
    assert list.__getitem__(rows[1], 6) is not list.__getitem__(rows[0], 6)
