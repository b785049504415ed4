"""Writing the local workbook copies the zip members that did not change as they are (compressed
bytes and all), and adds rows to a tab without compressing its earlier rows again: the file still
opens in openpyxl, python-calamine, Python's zipfile and LibreOffice with every value right."""
from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from hypothesis import given, settings, strategies as st

import sheets.local
from sheets.local import LocalWorkbook
from sheets.schema import CHALLENGE_COLUMNS, CHALLENGES, HISTORY, REFERENCE, REMINDERS, STATUS
from sheets.xlsx_cells import from_xlsx
from sheets.xlsx_write import sheet_part
from sheets.xlsx_zip import RECENT_LIMIT, Compressed, Package, crc32_combine

LONG = "A long answer, " * 300  # 4,500 characters: a few rows fill the recent rows' segment
TRICKY = ["=1+1", "  spaces kept  ", "line one\r\nline two", "<b>&amp;</b>", "-1", "0012", "café ☕", "_x000D_ typed"]


def new_book(path: Path, rows: int = 3) -> LocalWorkbook:
    book = LocalWorkbook(path)
    book.init()
    book.append(CHALLENGES, [{REFERENCE: f"PC-{i}", STATUS: "on track"} for i in range(1, rows + 1)])
    return book


def stored(path: Path) -> dict[str, tuple[bytes, bytes]]:
    """Each member's local header with its compressed data, and its central directory entry
    without the local header's offset (bytes 42-45), by name."""
    package = Package.open(path)
    return {m.name: (package.data[m.offset:m.end], m.entry[:42] + m.entry[46:]) for m in package.members}


def fresh(path: Path) -> LocalWorkbook:
    return LocalWorkbook(path, copies=sheets.local.FileCopies())


def calamine_rows(path: Path, tab: str) -> list[list]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        return book.get_sheet_by_name(tab).to_python()
    finally:
        book.close()


def test_an_append_copies_every_other_member_byte_for_byte(tmp_path):
    book = new_book(tmp_path / "book.xlsx")
    book.append_many({CHALLENGES: [{REFERENCE: "PC-4"}], HISTORY: [{REFERENCE: "PC-4", "Action": "Raised"}]})
    before = stored(book.path)
    package = Package.open(book.path)
    changed = {sheet_part(package, CHALLENGES), sheet_part(package, HISTORY)}
    book.append_many({CHALLENGES: [{REFERENCE: "PC-5"}], HISTORY: [{REFERENCE: "PC-5", "Action": "Raised"}]})
    after = stored(book.path)
    assert list(after) == list(before)
    assert {name for name in before if after[name] != before[name]} == changed
    assert len(changed) == 2 and len(before) > 10  # the other tabs, styles, workbook, content types...


def test_rows_added_again_leave_the_earlier_rows_compressed_bytes_as_they_were(tmp_path):
    book = new_book(tmp_path / "book.xlsx", rows=50)
    book.append(CHALLENGES, [{REFERENCE: "PC-51"}])  # the tab is now written in segments
    part = sheet_part(Package.open(book.path), CHALLENGES)
    first = Package.open(book.path).by_name[part].layout
    old = Package.open(book.path).raw(part)
    book.append(CHALLENGES, [{REFERENCE: "PC-52"}])
    layout = Package.open(book.path).by_name[part].layout
    new = Package.open(book.path).raw(part)
    assert first is not None and layout is not None and layout.base_c == first.base_c > 1000
    assert new[layout.head_c:layout.head_c + layout.base_c] == old[first.head_c:first.head_c + first.base_c]
    assert new[-layout.tail_c:] == old[-first.tail_c:]
    assert layout.last_row == 53
    assert [r.reference for r in fresh(book.path).read(CHALLENGES).records][-3:] == ["PC-50", "PC-51", "PC-52"]


def test_the_appended_workbook_reads_the_same_in_openpyxl_calamine_and_zipfile(tmp_path):
    book = new_book(tmp_path / "book.xlsx")
    expected = [["PC-1", "on track"], ["PC-2", "on track"], ["PC-3", "on track"]]
    status = CHALLENGE_COLUMNS.index(STATUS)
    n = 4
    # One row at a time, long enough that the recent rows join the base several times over.
    while n < 4 + 3 * RECENT_LIMIT // len(LONG):
        for text in TRICKY:
            book.append_many({CHALLENGES: [{REFERENCE: f"PC-{n}", STATUS: text, "Outcome": LONG}],
                              HISTORY: [{REFERENCE: f"PC-{n}", "Details": text}]})
            expected.append([f"PC-{n}", text])
            n += 1
    path = book.path
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None  # every member's CRC
    ws = openpyxl.load_workbook(path)[CHALLENGES]
    assert ws.max_row == len(expected) + 1
    last_column = openpyxl.utils.get_column_letter(len(CHALLENGE_COLUMNS))
    assert ws.calculate_dimension() == f"A1:{last_column}{len(expected) + 1}"
    got = [[ws.cell(row=r, column=1).value, from_xlsx(ws.cell(row=r, column=status + 1).value)]
           for r in range(2, ws.max_row + 1)]
    assert got == expected
    assert all(ws.cell(row=r, column=status + 1).data_type == "s" for r in range(2, ws.max_row + 1))
    read_only = openpyxl.load_workbook(path, read_only=True)[CHALLENGES]  # trusts the <dimension>
    assert sum(1 for _ in read_only.iter_rows(values_only=True)) == len(expected) + 1
    assert [[r[0], r[status]] for r in calamine_rows(path, CHALLENGES)[1:]] == expected
    assert [r.reference for r in fresh(path).read(CHALLENGES).records] == [e[0] for e in expected]
    assert [r[STATUS] for r in fresh(path).read(CHALLENGES).records] == [e[1] for e in expected]
    assert [r["Details"] for r in fresh(path).read(HISTORY).records] == [e[1] for e in expected[3:]]


def test_a_layout_that_does_not_match_its_member_is_not_believed(tmp_path):
    """A tab whose segments were recorded for other bytes (another program wrote it but kept the
    directory entry's extra field) is read and compressed whole again."""
    book = new_book(tmp_path / "book.xlsx", rows=20)
    book.append(CHALLENGES, [{REFERENCE: "PC-21"}])
    package = Package.open(book.path)
    part = sheet_part(package, CHALLENGES)
    member = package.by_name[part]
    assert member.layout is not None
    xml = package.read(part).replace(b"PC-7<", b"PC-X<")
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    other = Compressed(c.compress(xml) + c.flush(), zlib.crc32(xml), len(xml), member.extra)
    with open(book.path, "wb") as f:
        package.write(f, {part: other})
    assert Package.open(book.path).by_name[part].layout is None
    fresh(book.path).append(CHALLENGES, [{REFERENCE: "PC-22"}])
    references = [r.reference for r in fresh(book.path).read(CHALLENGES).records]
    assert references[6] == "PC-X" and references[-2:] == ["PC-21", "PC-22"]
    with zipfile.ZipFile(book.path) as z:
        assert z.testzip() is None


def test_members_with_data_descriptors_or_stored_are_copied_as_they_are(tmp_path):
    """A zip written to a stream (data descriptors after each member's data, as some programs
    write), some members not compressed at all."""
    book = new_book(tmp_path / "book.xlsx")
    buffer = io.BytesIO()

    class Stream(io.RawIOBase):  # not seekable, so zipfile writes data descriptors
        def writable(self):
            return True

        def write(self, data):
            return buffer.write(data)

    with zipfile.ZipFile(book.path) as source, zipfile.ZipFile(Stream(), "w") as out:
        for info in source.infolist():
            kind = zipfile.ZIP_STORED if info.filename.endswith(".rels") else zipfile.ZIP_DEFLATED
            out.writestr(zipfile.ZipInfo(info.filename, info.date_time), source.read(info), compress_type=kind)
    book.path.write_bytes(buffer.getvalue())
    members = Package.open(book.path).members
    assert all(m.flags & 0x8 for m in members) and any(m.method == 0 for m in members)
    before = stored(book.path)
    fresh(book.path).append(REMINDERS, [{REFERENCE: "PC-1", "Key": "k1"}])
    after = stored(book.path)
    part = sheet_part(Package.open(book.path), REMINDERS)
    assert {name for name in before if after[name] != before[name]} == {part}
    with zipfile.ZipFile(book.path) as z:
        assert z.testzip() is None
    assert [r["Key"] for r in fresh(book.path).read(REMINDERS).records] == ["k1"]
    assert [r[0] for r in calamine_rows(book.path, CHALLENGES)[1:]] == ["PC-1", "PC-2", "PC-3"]


def test_a_tab_compressed_another_way_is_left_to_openpyxl(tmp_path, monkeypatch):
    """A method other than deflate (bzip2 here), which this does not write: openpyxl loads and saves the file."""
    book = new_book(tmp_path / "book.xlsx")
    copy = tmp_path / "copy.xlsx"
    with zipfile.ZipFile(book.path) as source, zipfile.ZipFile(copy, "w", zipfile.ZIP_BZIP2) as out:
        for info in source.infolist():
            out.writestr(zipfile.ZipInfo(info.filename, info.date_time), source.read(info),
                         compress_type=zipfile.ZIP_BZIP2)
    saves = []
    real = openpyxl.Workbook.save
    monkeypatch.setattr(openpyxl.Workbook, "save", lambda self, f: saves.append(1) or real(self, f))
    fresh(copy).append(CHALLENGES, [{REFERENCE: "PC-4"}])
    assert saves == [1]
    assert [r.reference for r in fresh(copy).read(CHALLENGES).records] == ["PC-1", "PC-2", "PC-3", "PC-4"]


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300), st.binary(max_size=3000))
def test_crc32_combine_is_the_crc_of_both(first, second):
    assert crc32_combine(zlib.crc32(first), zlib.crc32(second), len(second)) == zlib.crc32(first + second)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_reads_rows_added_to_its_own_file(tmp_path):
    """A workbook saved by LibreOffice (its own zip layout, shared strings), rows added by the app
    twice (the second time to segments), then opened by LibreOffice again."""
    book = new_book(tmp_path / "book.xlsx")
    saved = tmp_path / "saved"
    profile = f"-env:UserInstallation=file://{tmp_path}/lo-profile"
    subprocess.run(["soffice", "--headless", profile, "--convert-to", "xlsx:Calc MS Excel 2007 XML",
                    "--outdir", str(saved), str(book.path)], check=True, capture_output=True, timeout=180)
    path = saved / "book.xlsx"
    fresh(path).append(CHALLENGES, [{REFERENCE: "PC-4", STATUS: "=1+1"}])
    fresh(path).append_many({CHALLENGES: [{REFERENCE: "PC-5", STATUS: "_x000D_ typed"}],
                             HISTORY: [{REFERENCE: "PC-5", "Action": "Raised"}]})
    assert Package.open(path).by_name[sheet_part(Package.open(path), CHALLENGES)].layout is not None
    out = tmp_path / "csv"
    subprocess.run(["soffice", "--headless", profile, "--convert-to", "csv", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=180)
    lines = (out / "book.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["PC-1", "PC-2", "PC-3", "PC-4", "PC-5"]
    assert "=1+1" in lines[4] and "_x000D_ typed" in lines[5]


class Workers:
    """Two web workers on one workbook file: each process keeps its own parsed copy of the file."""

    def __init__(self, path: Path):
        self.path = path
        self.copies = {"a": sheets.local.FileCopies(), "b": sheets.local.FileCopies()}

    def __call__(self, name: str) -> LocalWorkbook:
        return LocalWorkbook(self.path, copies=self.copies[name])


def refuse_full_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args):
        raise AssertionError("the whole file was read again")

    monkeypatch.setattr(sheets.local, "read_grids", refuse)


def test_rows_another_worker_added_are_read_without_reading_the_whole_file(tmp_path, monkeypatch):
    new_book(tmp_path / "book.xlsx", rows=20)
    workers = Workers(tmp_path / "book.xlsx")
    # Every tab written by the app once (a tab openpyxl wrote last is read whole once).
    workers("b").append_many({HISTORY: [{REFERENCE: "PC-1", "Action": "Raised"}], REMINDERS: [{"Key": "k0"}]})
    workers("a").read_all()
    workers("b").append(CHALLENGES, [{REFERENCE: "PC-21", STATUS: "=1+1"}])
    workers("b").append_many({CHALLENGES: [{REFERENCE: f"PC-{n}", "Outcome": LONG} for n in range(22, 40)],
                              HISTORY: [{REFERENCE: "PC-39", "Details": TRICKY[2]}]})  # past RECENT_LIMIT
    with monkeypatch.context() as m:
        refuse_full_reads(m)
        tables = workers("a").read_all()
        workers("a").append(REMINDERS, [{REFERENCE: "PC-39", "Key": "k"}])  # and a's write is on b's rows
        workers("b").read_all()  # b reads a's row the same way
    assert [r.reference for r in tables[CHALLENGES].records] == [f"PC-{n}" for n in range(1, 40)]
    assert tables[CHALLENGES].find("PC-21")[STATUS] == "=1+1"
    assert [r.row for r in tables[CHALLENGES].records][-2:] == [39, 40]
    assert tables[HISTORY].find("PC-39")["Details"] == TRICKY[2]
    for worker in ("a", "b"):
        assert workers(worker).read_all() == fresh(tmp_path / "book.xlsx").read_all()


@pytest.mark.parametrize("change", ["a cell changed", "saved by a spreadsheet program", "a row added by openpyxl"])
def test_any_other_change_by_another_worker_or_a_person_reads_the_whole_file(tmp_path, monkeypatch, change):
    path = tmp_path / "book.xlsx"
    new_book(path, rows=5)
    workers = Workers(path)
    workers("b").append(CHALLENGES, [{REFERENCE: "PC-6"}])
    workers("a").read_all()
    if change == "a cell changed":
        workers("b").update({CHALLENGES: {"PC-2": {STATUS: "overdue"}}})
    else:
        book = openpyxl.load_workbook(path)
        if change == "saved by a spreadsheet program":
            book[CHALLENGES]["V3"] = "overdue"
        else:
            book[CHALLENGES].append(["PC-7"])
        book.save(path)
    reads = []
    real = sheets.local.read_grids
    monkeypatch.setattr(sheets.local, "read_grids", lambda data: reads.append(1) or real(data))
    tables = workers("a").read_all()
    assert reads == [1]
    assert tables == fresh(path).read_all()
