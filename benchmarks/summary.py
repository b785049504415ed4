"""Figures for the Summary tab: CPU time to work out the figures and lay out the tab, by row count.

    .venv/bin/python benchmarks/summary.py

Rows are the invented challenges of tests/jobs/summary_dataset.py, repeated with new references
and dates spread over two years, so every step, status and period is represented.
"""
from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reports.summary import compute_summary, summary_table  # noqa: E402
from procedures import position  # noqa: E402
from sheets.rows import read_challenges  # noqa: E402
from sheets.base import Record, Table  # noqa: E402
from sheets.schema import CHALLENGE_COLUMNS, CHALLENGES, COMPLIANCE, COMPLIANCE_COLUMNS, LISTS  # noqa: E402
from tests.jobs import summary_dataset as data  # noqa: E402


def tables(rows: int) -> dict[str, Table]:
    """``rows`` challenges and a tenth as many compliance challenges."""
    base = [r for r in data.challenge_records() if r["Reference"] < "DEMO-0090"]
    compliance = [r for r in data.compliance_records() if r["Raised on"][0].isdigit()]

    def spread(records, count, tab):
        out = []
        for i in range(count):
            values = dict(records[i % len(records)])
            shift = dt.timedelta(days=(i // len(records)) % 730 - 365)
            for column in ("Raised on", "Resolved on", "Withdrawn on", "Step started"):
                if values.get(column):
                    day = dt.datetime.strptime(values[column].replace("-", "/"), "%d/%m/%Y" if "/" in values[column][:3]
                                               else "%Y/%m/%d").date()
                    values[column] = (day + shift).isoformat()
            values["Reference"] = f"B-{tab[:2]}-{i:06d}"
            out.append(Record(tab, i + 2, values))
        return tuple(out)

    return {
        CHALLENGES: Table(CHALLENGES, CHALLENGE_COLUMNS, spread(base, rows, CHALLENGES)),
        COMPLIANCE: Table(COMPLIANCE, COMPLIANCE_COLUMNS, spread(compliance, rows // 10, COMPLIANCE)),
        LISTS: data.tables()[LISTS],
    }


def main() -> None:
    partnership = data.sample_partnership()
    now = dt.datetime.now(dt.timezone.utc)
    print("CPU seconds for the whole summary, and for the part of it spent reading rows")
    print("(sheets.rows.read_challenges) and placing them (procedures.position), which the job also does")
    print(f"{'challenges':>10} {'compliance':>10} {'summary (CPU s)':>16} {'reading+engine':>15} {'tab rows':>9}")
    for rows in (1_000, 10_000, 100_000):
        t = tables(rows)
        start = time.process_time()
        summary = compute_summary(partnership, t, data.TODAY)
        table = summary_table(summary, now)
        seconds = time.process_time() - start
        start = time.process_time()
        for tab, procedure in ((CHALLENGES, partnership.procedure), (COMPLIANCE, partnership.compliance_procedure)):
            read, _ = read_challenges(t[tab], procedure)
            for row in read:
                position(procedure, partnership.calendar, row.dates, data.TODAY)
        engine = time.process_time() - start
        print(f"{rows:>10,} {rows // 10:>10,} {seconds:>16.3f} {engine:>15.3f} {len(table.rows):>9}")


if __name__ == "__main__":
    main()
