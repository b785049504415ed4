"""A workbook whose parts would unpack too large is refused before it is parsed: a clear message
for `sheet check`, the "spreadsheet cannot be reached" page for people, never a 500."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from sheets import xlsx_read
from sheets.local import LocalWorkbook
from sheets.xlsx_read import WorkbookTooLarge, check_unpacked_size
from tests.views.challenge_pages import SUPPORT, sign_in_as, text


def with_part_padded(path: Path, part: str, padding: int) -> None:
    """Rewrite the .xlsx at ``path`` with ``padding`` spaces inside one of its XML parts (still valid XML)."""
    with zipfile.ZipFile(path) as book:
        parts = {info.filename: book.read(info) for info in book.infolist()}
    xml = parts[part]
    head, _, tail = xml.partition(b"?>")
    parts[part] = head + b"?>" + b"<!--" + b" " * padding + b"-->" + tail
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)


@pytest.fixture
def workbook_path(tmp_path) -> Path:
    path = tmp_path / "instance" / "demo.xlsx"
    LocalWorkbook(path).init()
    return path


def test_a_real_workbook_passes(workbook_path):
    check_unpacked_size(workbook_path)
    assert LocalWorkbook(workbook_path).read_all()


def test_a_part_packed_like_a_bomb_is_refused_before_parsing(workbook_path, monkeypatch):
    with_part_padded(workbook_path, "xl/worksheets/sheet1.xml", 30 * 2**20)  # 30 MB of spaces pack to ~30 KB
    parsed = []
    monkeypatch.setattr("sheets.local.read_grids", lambda path: parsed.append(path))
    with pytest.raises(WorkbookTooLarge, match=r"demo.xlsx: the part xl/worksheets/sheet1.xml unpacks to 30 MB "
                                                r"from \d+ KB, which no spreadsheet does"):
        LocalWorkbook(workbook_path).read_all()
    assert parsed == []


def test_a_part_over_the_size_limit_is_refused(workbook_path, monkeypatch):
    monkeypatch.setattr(xlsx_read, "MAX_PART_BYTES", 1024)
    with pytest.raises(WorkbookTooLarge, match=r"the part \S+ unpacks to .* MB, more than the 0 MB the app reads"):
        check_unpacked_size(workbook_path)


def test_sheet_check_says_why(runner, workbook_path):
    with_part_padded(workbook_path, "xl/styles.xml", 30 * 2**20)
    result = runner.invoke(args=["sheet", "check", "--partnership", "demo"])
    assert result.exit_code != 0
    assert "unpacks to 30 MB" in result.output and "Traceback" not in result.output


def test_people_see_the_unavailable_page_without_the_servers_paths(app, workbook_path, tmp_path):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with_part_padded(workbook_path, "xl/worksheets/sheet1.xml", 30 * 2**20)
    client = app.test_client()
    sign_in_as(client, SUPPORT, "business_support")
    for path in ("/demo/challenges", "/demo/compliance", "/demo/dashboard"):
        response = client.get(path)
        assert response.status_code == 503, path
        shown = text(response)
        assert "cannot be reached" in shown
        assert str(tmp_path) not in shown and "demo.xlsx" not in shown and "unpacks" not in shown
