"""Characters a cell cannot hold never break the workbook: forms refuse them; the local workbook drops any
that reach it, and stays readable."""
from __future__ import annotations

import pytest

from sheets.local import LocalWorkbook
from sheets.schema import CHALLENGES, REFERENCE, STATUS

UNSTORABLE = ["\x00", "\x1b[31m", "\ufffe", "\uffff", "\ud800"]


@pytest.mark.parametrize("bad", UNSTORABLE)
def test_an_unstorable_character_is_dropped_and_the_file_stays_readable(tmp_path, bad):
    book = LocalWorkbook(tmp_path / "book.xlsx")
    book.init()
    book.append(CHALLENGES, [{REFERENCE: "PC-1", STATUS: f"a{bad}b"}])
    book.update({CHALLENGES: {"PC-1": {"Outcome": f"c{bad}d"}}})
    import sheets.local
    sheets.local.COPIES.clear()
    record = LocalWorkbook(tmp_path / "book.xlsx").read(CHALLENGES).find("PC-1")
    assert record[STATUS].replace("[31m", "") == "ab"
    assert record["Outcome"].replace("[31m", "") == "cd"
