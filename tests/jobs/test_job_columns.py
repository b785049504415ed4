"""The daily job reads only the columns it works from (``jobs.run.JOB_COLUMNS``): on sheets whose every
column is filled, planning and the Summary from those columns alone give exactly what they give from
the whole rows; and what it leaves unread is what it has no use for (case details, free text)."""
import random

import pytest

from jobs.reminders import plan_reminders
from jobs.run import JOB_COLUMNS, job_reads
from reports.summary_figures import compute_summary
from sheets.base import Record, Table
from sheets.schema import (
    CHALLENGE_COLUMNS, CHALLENGES, COMPLIANCE, COMPLIANCE_COLUMNS, DATE_COLUMNS, FREE_TEXT, PERSON_COLUMNS, REMINDERS,
)
from tests.jobs.reminder_sheets import challenge, compliance, d, durham, pan, tables
from tests.jobs.test_reminders_templates import DURHAM_PEOPLE, PAN_PEOPLE, rows


def filled(rng: random.Random, made: list[dict], tab: str, columns: tuple[str, ...]) -> list[dict]:
    """Every text column the rows leave blank (not a date, an address or the step) given a value:
    some the same on many rows, some not."""
    kept = {*DATE_COLUMNS[tab], *PERSON_COLUMNS[tab].values(), "Step"}
    for i, row in enumerate(made):
        for column in columns:
            if column not in kept and not row.get(column):
                row[column] = rng.choice((f"{column} {i % 3}", f"{column} text {i}", "Yes", ""))
    return made


def only(table: Table, columns: tuple[str, ...]) -> Table:
    """The table as a read of just ``columns`` gives it."""
    return Table(table.tab, columns, tuple(Record(r.tab, r.row, {c: r[c] for c in columns if r[c]})
                                           for r in table.records))


@pytest.mark.parametrize("seed", range(3))
def test_planning_and_the_summary_from_the_job_columns_are_what_the_whole_rows_give(tmp_path, seed):
    rng = random.Random(seed)
    today = d("2027-01-11")
    for partnership, challenge_rows, compliance_rows in (
            (pan(tmp_path), rows(rng, today, 200, PAN_PEOPLE, challenge, "1234"), []),
            (durham(tmp_path), rows(rng, today, 80, PAN_PEOPLE[:3], challenge, "1234"),
             rows(rng, today, 160, DURHAM_PEOPLE, compliance, "234"))):
        whole = tables(filled(rng, challenge_rows, CHALLENGES, CHALLENGE_COLUMNS),
                       filled(rng, compliance_rows, COMPLIANCE, COMPLIANCE_COLUMNS))
        first = plan_reminders(partnership, whole, today, base_url="https://challenges.example.org")
        sent = [r.email.key for r in first.reminders if rng.random() < 0.5]
        whole = tables(challenge_rows, compliance_rows, sent)
        read = {tab: only(table, JOB_COLUMNS[tab]) if tab in JOB_COLUMNS else table for tab, table in whole.items()}
        assert set(job_reads(partnership)) - {"Lists"} <= set(read)

        full, narrow = (plan_reminders(partnership, t, today, base_url="https://challenges.example.org")
                        for t in (whole, read))
        assert len(full.reminders) > 20
        assert [(r.kind, r.reference, r.recipient, r.due, r.email) for r in narrow.reminders] == [
            (r.kind, r.reference, r.recipient, r.due, r.email) for r in full.reminders]
        assert (narrow.updates, [str(p) for p in narrow.problems]) == (full.updates, [str(p) for p in full.problems])
        assert compute_summary(partnership, read, today) == compute_summary(partnership, whole, today)


def test_the_job_leaves_case_details_and_free_text_unread():
    for tab, columns in JOB_COLUMNS.items():
        assert {"Reference", "Status", "Step due by", "Last reminder"} <= set(columns)
        assert not set(columns) & {"Case reference", "Family reference", "Submission ID"}
        assert not set(columns) & set(FREE_TEXT[tab])
    assert REMINDERS not in JOB_COLUMNS and {CHALLENGES, COMPLIANCE} == set(JOB_COLUMNS)
