"""Writing the Summary tab: to the local workbook, to Google Sheets (over the fake API) and from the CLI."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import zipfile

import openpyxl
import pytest

from reports.summary import run_summary
from partnership.config import load_partnership
from sheets.base import Percent
from sheets.local import LocalWorkbook
from sheets.schema import SUMMARY
from tests.fakesheets import FakeSheetsAPI, google_workbook
from tests.jobs import summary_dataset as data
from tests.jobs.summary_dataset import sample_partnership

GENERATED = dt.datetime(2026, 11, 20, 6, 30, tzinfo=dt.timezone.utc)
LAST_SUCCESS = dt.datetime(2026, 11, 19, 6, 30, tzinfo=dt.timezone.utc)


def local_workbook(path: Path) -> LocalWorkbook:
    workbook = LocalWorkbook(path)
    data.fill(workbook)
    return workbook


def stored(value):
    """What a Summary cell holds in the saved file: text, a number, a percentage's fraction, a date."""
    if isinstance(value, Percent):
        return value.fraction
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def summary_sheet(path: Path) -> list[tuple[list, bool]]:
    """Each row of the saved Summary tab: its cells' values, and whether they are all bold."""
    sheet = openpyxl.load_workbook(path)[SUMMARY]
    rows = []
    for row in sheet.iter_rows():
        cells = [c for c in row if c.value not in (None, "")]
        rows.append(([c.value for c in cells], bool(cells) and all(c.font.b for c in cells)))
    while rows and not rows[-1][0]:
        rows.pop()
    return rows


def test_the_summary_tab_is_written_to_the_local_workbook_with_bold_headers(tmp_path):
    path = tmp_path / "testshire.xlsx"
    table = run_summary(local_workbook(path), sample_partnership(), data.TODAY, last_success=LAST_SUCCESS,
                        generated_at=GENERATED)
    saved = summary_sheet(path)
    assert [cells for cells, _ in saved] == [[stored(v) for v in row if v != ""] for row in table.rows]
    assert {i for i, (_, bold) in enumerate(saved) if bold} == set(table.bold)
    assert saved[0] == (["Testshire Safeguarding Partnership: professional challenge summary"], True)
    assert (["Raised", 12, 12, 24], False) in saved
    assert (["Daily job last succeeded (Europe/London time)", dt.datetime(2026, 11, 19, 6, 30)], False) in saved
    sheet = openpyxl.load_workbook(path)[SUMMARY]
    assert sheet.column_dimensions["A"].width > sheet.column_dimensions["D"].width >= 10
    assert_figures_are_numbers(sheet)


def assert_figures_are_numbers(sheet, generated_at: dt.datetime | None = dt.datetime(2026, 11, 20, 6, 30)) -> None:
    """Counts are numbers, percentages numbers formatted as percentages, dates real dates: a person
    can sum and chart them and Excel shows no "number stored as text" warnings."""
    by_label: dict = {}
    for row in sheet.iter_rows():
        if row[0].value:
            by_label.setdefault(row[0].value, row[1:])  # the Challenges table's row, not the Compliance one's
    raised = by_label["Raised"][:3]
    assert [(c.data_type, c.value) for c in raised] == [("n", 12), ("n", 12), ("n", 24)]
    share = by_label["Resolved within the procedure's timescale (% of those resolved)"][:3]
    assert [c.value for c in share] == [1, 0.9, 14 / 15]
    assert {c.number_format for c in share} == {"0%"}
    as_of = by_label["Figures as they stood on"][0]
    assert as_of.is_date and as_of.value == dt.datetime(2026, 11, 20) and as_of.number_format == "d mmmm yyyy"
    generated = by_label["Generated (Europe/London time)"][0]
    assert generated.is_date and generated.number_format == "d mmmm yyyy h:mm"
    if generated_at is not None:
        assert generated.value == generated_at
    june = by_label[dt.datetime(2026, 6, 1)]
    assert [c.value for c in june[:2]] == [4, 2]
    assert sheet.cell(row=june[0].row, column=1).number_format == "mmmm yyyy"
    assert not [c.coordinate for row in sheet.iter_rows() for c in row
                if isinstance(c.value, str) and c.value.strip().replace(".", "").isdigit()]


def test_the_fast_summary_writer_adds_number_formats_once_and_keeps_figures_numbers(tmp_path, monkeypatch):
    """The Summary tab's XML is written without openpyxl; the styles get the number formats on the
    first write, and a second write finds them there."""
    path = tmp_path / "testshire.xlsx"
    workbook = local_workbook(path)
    run_summary(workbook, sample_partnership(), data.TODAY, generated_at=GENERATED)  # creates the tab
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("loaded with openpyxl"))
    run_summary(workbook, sample_partnership(), data.TODAY, generated_at=GENERATED, last_success=LAST_SUCCESS)
    with zipfile.ZipFile(path) as z:
        styles = z.read("xl/styles.xml")
    run_summary(workbook, sample_partnership(), data.TODAY, generated_at=GENERATED, last_success=LAST_SUCCESS)
    with zipfile.ZipFile(path) as z:
        assert z.read("xl/styles.xml") == styles
    monkeypatch.undo()
    assert_figures_are_numbers(openpyxl.load_workbook(path)[SUMMARY])
    # What the workbook reads back is what the file holds.
    assert workbook.read(SUMMARY) == LocalWorkbook(path).read(SUMMARY)


def test_rewriting_replaces_the_old_summary_and_leaves_the_other_tabs_alone(tmp_path):
    path = tmp_path / "testshire.xlsx"
    workbook = local_workbook(path)
    run_summary(workbook, sample_partnership(), data.TODAY, generated_at=GENERATED)
    before = workbook.read_all()
    later = run_summary(workbook, sample_partnership(), dt.date(2027, 4, 6), generated_at=GENERATED)
    saved = summary_sheet(path)
    assert len(saved) == len(later.rows)
    assert ["Current period", "1 April 2027 to 30 September 2027"] in [cells for cells, _ in saved]
    after = workbook.read_all()
    for tab in ("Challenges", "Compliance", "Lists"):
        assert after[tab] == before[tab]


def test_tables_already_read_are_used_instead_of_reading_again(tmp_path):
    path = tmp_path / "testshire.xlsx"
    workbook = LocalWorkbook(path)
    workbook.init()  # empty tabs: the figures can only come from the tables passed in
    table = run_summary(workbook, sample_partnership(), data.TODAY, tables=data.tables(), generated_at=GENERATED)
    assert ("Raised", 12, 12, 24) in table.rows


def test_the_summary_tab_is_written_to_google_sheets_with_bold_headers():
    api = FakeSheetsAPI()
    workbook = google_workbook(api, sample_partnership(), purpose="cron")
    data.fill(workbook)
    api.reset_counts()
    table = run_summary(workbook, sample_partnership(), data.TODAY, last_success=LAST_SUCCESS, generated_at=GENERATED)
    spreadsheet_id = "fake-testshire"
    values = api.values(spreadsheet_id, SUMMARY, "UNFORMATTED_VALUE")
    assert [[v for v in row if v != ""] for row in values] == [[google(v) for v in row if v != ""] for row in table.rows]
    tab = api.tab(spreadsheet_id, SUMMARY)
    assert tab.bold_rows == set(table.bold)
    # Columns sized to their text: the long labels in column A widest, none left at zero.
    assert set(tab.column_widths) == {0, 1, 2, 3}
    assert tab.column_widths[0] > tab.column_widths[3] > 0
    assert ["Raised", 12, 12, 24] in values
    # Figures are number values; percentages and dates carry their number formats.
    labels: dict = {}
    for r, row in enumerate(values):
        if row:
            labels.setdefault(row[0], r)  # the Challenges table's row, not the Compliance one's
    share = labels["Resolved within the procedure's timescale (% of those resolved)"]
    assert values[share][1:4] == [1, 0.9, 14 / 15]
    assert tab.number_formats[share, 1] == {"type": "PERCENT", "pattern": "0%"}
    as_of = labels["Figures as they stood on"]
    assert values[as_of][1] == (dt.date(2026, 11, 20) - dt.date(1899, 12, 30)).days
    assert tab.number_formats[as_of, 1] == {"type": "DATE", "pattern": "d mmmm yyyy"}
    assert tab.number_formats[labels["Generated (Europe/London time)"], 1] == {
        "type": "DATE_TIME", "pattern": "d mmmm yyyy h:mm"}
    assert (labels["Raised"], 1) not in tab.number_formats
    # One read of the tabs it needs and one write, whatever the row count.
    assert api.calls["values.batchGet"] == 1
    assert api.calls["batchUpdate"] == 1


# --- the command -----------------------------------------------------------

@pytest.fixture
def demo_filled(tmp_path):
    """The demo partnership's local workbook holding the dataset."""
    path = tmp_path / "instance" / "demo.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    local_workbook(path)
    return path


@pytest.fixture
def broken_partnership(partnerships_dir):
    """A second partnership whose workbook file is missing."""
    text = (partnerships_dir / "demo.toml").read_text()
    text = text.replace('slug = "demo"', 'slug = "broken"').replace("instance/demo.xlsx", "instance/missing.xlsx")
    (partnerships_dir / "broken.toml").write_text(text)


def google(value):
    """A Summary cell as the Sheets API holds it: text, or the number (a date as its serial number)."""
    if isinstance(value, Percent):
        return value.fraction
    if isinstance(value, dt.datetime):
        return (value - dt.datetime(1899, 12, 30)) / dt.timedelta(days=1)
    if isinstance(value, dt.date):
        return (value - dt.date(1899, 12, 30)).days
    return value


def test_the_command_writes_the_summary_tab(demo_filled, runner):
    result = runner.invoke(args=["jobs", "summary", "--partnership", "demo", "--today", "2026-11-20"])
    assert result.exit_code == 0, result.output
    assert result.output == ("demo: Summary tab written: 24 challenges and 5 compliance challenges raised in the "
                             "year, 10 open today, 5 rows not counted\n")
    assert (["Raised", 12, 12, 24], False) in summary_sheet(demo_filled)


def test_one_failing_partnership_does_not_stop_the_others(broken_partnership, demo_filled, runner):
    result = runner.invoke(args=["jobs", "summary", "--today", "2026-11-20"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("broken: failed: ") and "missing.xlsx does not exist" in lines[0]
    assert lines[1].startswith("demo: Summary tab written: 24 challenges")
    assert (["Raised", 12, 12, 24], False) in summary_sheet(demo_filled)


@pytest.mark.parametrize("args, message", [
    (["--partnership", "nowhere"], "no partnership called 'nowhere' (configured: demo)"),
    (["--today", "20/11/2026"], "'20/11/2026' does not match the format '%Y-%m-%d'"),
])
def test_the_command_refuses_bad_options_with_a_message(runner, args, message):
    result = runner.invoke(args=["jobs", "summary", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_the_command_is_documented_with_an_example(runner):
    result = runner.invoke(args=["jobs", "summary", "--help"])
    assert "Rewrite the Summary tab" in result.output
    assert "flask --app app jobs summary --partnership demo --today 2026-11-20" in result.output


def test_the_demo_partnership_file_reads(partnerships_dir, tmp_path):
    # The command's tests rely on the demo file's Pan Cheshire and Durham procedures.
    demo = load_partnership(partnerships_dir / "demo.toml", tmp_path)
    assert (demo.procedure.slug, demo.compliance_procedure.slug) == ("pan-cheshire", "durham-iro")


@pytest.fixture
def utc_clock(monkeypatch):
    """This machine's local time is UTC for the test (the job records naive local times)."""
    import time
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_command_shows_when_the_daily_job_last_succeeded(demo_filled, runner, app, tmp_path, utc_clock):
    from state import store_for
    store_for(app.config).put("last-success:demo", "2026-11-20 06:30:05")
    assert runner.invoke(args=["jobs", "summary", "--today", "2026-11-20"]).exit_code == 0
    assert (["Daily job last succeeded (Europe/London time)", dt.datetime(2026, 11, 20, 6, 30)], False) \
        in summary_sheet(demo_filled)


def test_without_a_recorded_success_the_command_says_not_recorded(demo_filled, runner):
    assert runner.invoke(args=["jobs", "summary", "--today", "2026-11-20"]).exit_code == 0
    assert (["Daily job last succeeded (Europe/London time)", "not recorded"], False) in summary_sheet(demo_filled)


def test_a_new_empty_workbook_gets_a_summary_of_zeros(tmp_path):
    workbook = LocalWorkbook(tmp_path / "new.xlsx")
    workbook.init()
    table = run_summary(workbook, sample_partnership(), data.TODAY, generated_at=GENERATED)
    assert ("Raised", 0, 0, 0) in table.rows
    assert ("No challenges", 0, 0, 0) in table.rows
    assert ("Agencies on the Lists tab that raised no challenges", "no agencies on the Lists tab",
            "no agencies on the Lists tab", "no agencies on the Lists tab") in table.rows
    assert (["Not counted", "Row", "Reason"], True) in summary_sheet(tmp_path / "new.xlsx")
