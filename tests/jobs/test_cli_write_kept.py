"""`flask --app app jobs write-kept`: form answers kept while the sheet was away, written and their email sent."""
from __future__ import annotations

import pytest

from jobs.kept import write_kept
from partnership import partnerships_of
from sheets import pending
from sheets.base import SheetUnavailable
from sheets.local import LocalWorkbook
from sheets.schema import CHALLENGES, HISTORY
from tests.jobs.reminder_sheets import app, local_workbook, mail  # noqa: F401 (fixtures)

MANAGER = "line.manager@pan.example"


@pytest.fixture
def books(tmp_path):
    return local_workbook(tmp_path / "pan.xlsx"), local_workbook(tmp_path / "durham.xlsx")


def keep(app, slug: str = "pan", reference: str = "PAN-KEPT01") -> None:
    row = {"Reference": reference, "Raised on": "2026-12-28", "Step": "1", "Submission ID": f"id-{reference}"}
    pending.save(app.config, slug, f"id-{reference}", reference, [
        {"op": "append", "tab": CHALLENGES, "rows": [row], "key": f"id-{reference}"},
        {"op": "append", "tab": HISTORY, "rows": [{"Reference": reference, "Action": "Sent"}], "key": None}],
        email={"to": MANAGER, "subject": f"{reference}: your response is needed", "text": "Respond here: link"})


def test_kept_answers_are_written_and_their_email_sent_once(app, books, mail):
    pan_book, durham_book = books
    keep(app)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "write-kept"])
    assert result.exit_code == 0, result.output
    assert result.output == "pan: 1 kept form submission written to the sheet\n"  # nothing kept for durham
    assert [r.reference for r in pan_book.read(CHALLENGES).records] == ["PAN-KEPT01"]
    assert [r["Action"] for r in pan_book.read(HISTORY).records] == ["Sent"]
    assert pending.waiting(app.config, "pan") == []
    [message] = mail.take()
    assert message.to == MANAGER and message.subject == "PAN-KEPT01: your response is needed"
    again = runner.invoke(args=["jobs", "write-kept", "--partnership", "pan"])
    assert again.exit_code == 0 and again.output == ""
    assert len(pan_book.read(CHALLENGES).records) == 1 and mail.take() == []


def test_answers_for_a_sheet_still_away_stay_kept_and_the_run_says_so(app, books, mail):
    keep(app, "pan", "PAN-KEPT01")
    keep(app, "durham", "DSCP-KEPT01")
    partnerships = partnerships_of(app)
    lines: list[str] = []

    def opened(partnership):
        if partnership.slug == "pan":
            raise SheetUnavailable("the spreadsheet did not answer")
        return LocalWorkbook(partnership.sheet.path)

    assert not write_kept([partnerships["pan"], partnerships["durham"]], opened, config=app.config,
                          echo=lambda line, err=False: lines.append(line))
    assert lines == ["pan: kept form answers not written: the spreadsheet did not answer",
                     "durham: 1 kept form submission written to the sheet"]
    assert pending.waiting(app.config, "pan") == ["id-PAN-KEPT01"] and pending.waiting(app.config, "durham") == []
    assert [m.subject for m in mail.take()] == ["DSCP-KEPT01: your response is needed"]


def test_the_command_exits_1_while_answers_are_still_kept(app, books, tmp_path):
    keep(app)
    (tmp_path / "pan.xlsx").write_bytes(b"not a workbook")  # the sheet cannot be written
    result = app.test_cli_runner().invoke(args=["jobs", "write-kept", "--partnership", "pan"])
    assert result.exit_code == 1
    assert pending.waiting(app.config, "pan") == ["id-PAN-KEPT01"]
