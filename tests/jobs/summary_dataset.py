"""A fixed dataset for the Summary tab and the dashboard, with its figures worked out by hand.

Today is 20 November 2026. With periods starting in April and October:
current period 1 October 2026 to 31 March 2027, previous period 1 April to 30 September 2026,
the year 1 April 2026 to 31 March 2027. Pan Cheshire's deadlines are working days of the
challenge (step 1 by day 1, step 2 by day 9, step 3 by day 14, step 4 by day 21); Durham's
stages run from the stage's start (1, 3, 5, 7 working days). The only bank holiday the dates
cross is 31 August 2026.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from partnership.config import Partnership, parse_partnership

from sheets.base import Record, Table
from sheets.schema import (
    CHALLENGE_COLUMNS,
    CHALLENGES,
    COMPLIANCE,
    COMPLIANCE_COLUMNS,
    LISTS,
    LISTS_COLUMNS,
)

TODAY = dt.date(2026, 11, 20)


def sample_partnership(**extra) -> Partnership:
    """A Pan Cheshire partnership with Durham compliance challenges, periods from April and October."""
    raw = {
        "slug": "testshire", "name": "Testshire Safeguarding Partnership", "nation": "ENG",
        "procedure": "pan-cheshire", "compliance_procedure": "durham-iro",
        "sheet": {"backend": "local", "path": "testshire.xlsx"},
        "email": {"from": "challenges@testshire.example", "business_support": "support@testshire.example",
                  "partnership_manager": "manager@testshire.example"},
        "reminders": {"repeated_challenges": 3},
        **extra,
    }
    return parse_partnership("testshire.toml", raw, Path("/tmp"))

AGENCIES = ["Police", "Health", "Children's Social Care", "Education", "Probation", "Housing"]
CSC = "Children's Social Care"

# Reference, raised on, raiser agency, other agency, child or adult, theme, step,
# resolved on, withdrawn on, raiser satisfied, referred to partnership.
CHALLENGE_ROWS = [
    # Previous period: 12 challenges.
    ("DEMO-0001", "01/06/2026", "Police", CSC, "Child", "Referral criteria", "1", "01/06/2026", "", "Yes", ""),
    ("DEMO-0002", "02/06/2026", "Health", CSC, "Child", "Assessment outcomes", "1", "02/06/2026", "", "No", ""),
    ("DEMO-0003", "08/06/2026", "Education", CSC, "Child", "Referral criteria", "2", "12/06/2026", "", "Yes", ""),
    ("DEMO-0004", "15/06/2026", CSC, "Police", "Adult at risk", "Information sharing", "2", "25/06/2026", "", "Yes", ""),
    ("DEMO-0005", "01/07/2026", "Police", "Health", "Adult at risk", "Service provision", "3", "17/07/2026", "", "Yes", "No"),
    ("DEMO-0006", "06/07/2026", "Health", CSC, "Child", "Roles and responsibilities", "Step 4", "03/08/2026", "", "No", "Yes"),
    # Resolved at step 2 on 31 July, after its day-9 deadline of 23 July: the one resolved late.
    ("DEMO-0007", "13/07/2026", "Education", "Health", "Child", "Timeliness", "2", "31/07/2026", "", "Yes", ""),
    # Raised on the Friday before the August bank holiday: 1 working day to resolve, not 2.
    ("DEMO-0008", "28/08/2026", "Police", CSC, "Child", "Referral criteria", "2", "2026-09-01", "", "Yes", ""),
    ("DEMO-0009", "01/09/2026", "Health", "Police", "Adult at risk", "Information sharing", "1", "", "04/09/2026", "", ""),
    # Still open at step 3, due by 24 September: overdue.
    ("DEMO-0010", "07/09/2026", CSC, "Health", "Child", "Assessment outcomes", "3", "", "", "", ""),
    ("DEMO-0011", "14/09/2026", "Police", CSC, "Child", "", "2", "14/09/2026", "", "", ""),
    ("DEMO-0012", "21/09/2026", "Probation", "Police", "Adult at risk", "Service provision", "1", "21/09/2026", "", "Yes", ""),
    # Current period: 12 challenges.
    ("DEMO-0013", "01/10/2026", "Police", CSC, "Child", "Referral criteria", "1", "01/10/2026", "", "Yes", ""),
    ("DEMO-0014", "05/10/2026", "Police", CSC, "Child", "Timeliness", "2", "14/10/2026", "", "Yes", ""),
    # Resolved at step 3 on its last day (29 October).
    ("DEMO-0015", "12/10/2026", "Health", CSC, "child", "Assessment outcomes", "3", "29/10/2026", "", "No", ""),
    # Open at step 4 (the reporting threshold), due by 16 November: overdue.
    ("DEMO-0016", "19/10/2026", "Education", CSC, "Child", "Referral criteria", "4", "", "", "", "Yes"),
    ("DEMO-0017", "02/11/2026", "Police", "Health", "Adult at risk", "Information sharing", "2", "", "", "", ""),
    ("DEMO-0018", "09/11/2026", CSC, "Police", "Child", "Roles and responsibilities", "2", "", "", "", ""),
    # Open at step 2, due by 26 November: on track.
    ("DEMO-0019", "16/11/2026", "Health", "Police", "Adult at risk", "Service provision", "2", "", "", "", ""),
    ("DEMO-0020", "18/11/2026", "Police", CSC, "Child", "Referral criteria", "1", "", "", "", ""),
    # Raised today, due today: open, not overdue.
    ("DEMO-0021", "20/11/2026", "Education", CSC, "Child", "Timeliness", "1", "", "", "", ""),
    # Typed by hand in other case and spacing: counted under the Lists spelling.
    ("DEMO-0022", "06/10/2026", "police ", "children's social care", "Child", "referral criteria", "1", "", "07/10/2026", "", ""),
    ("DEMO-0023", "22/10/2026", "Health", "Education", "Child", "Information sharing", "3", "27/10/2026", "", "Yes", ""),
    ("DEMO-0024", "28/10/2026", CSC, "Health", "Adult at risk", "Service provision", "1", "28/10/2026", "", "yes", ""),
    # Before the year: open and overdue, so only in "open today, whenever raised".
    ("DEMO-0025", "02/03/2026", "Police", CSC, "Child", "Timeliness", "2", "", "", "", ""),
    # Mistyped rows, not counted.
    ("DEMO-0090", "31/09/2026", "Police", CSC, "Child", "Timeliness", "1", "", "", "", ""),
    ("DEMO-0091", "2026-10-15", "Police", CSC, "Child", "Timeliness", "Step 7", "", "", "", ""),
    ("DEMO-0092", "2026-10-16", "Health", CSC, "Child", "Timeliness", "1", "", "", "", ""),
    ("DEMO-0092", "2026-10-16", "Health", CSC, "Child", "Timeliness", "1", "", "", "", ""),
]

LACK = "Lack of report"
NOT_SHARED = "Reports not shared with family within timescale for meeting"
ATTENDANCE = "Lack of attendance at core groups/care team meetings/conference"

# Reference, raised on, professional agency, identified issue, stage, stage started, resolved on, withdrawn on.
COMPLIANCE_ROWS = [
    ("DEMO-C001", "05/10/2026", CSC, f"{LACK}; {NOT_SHARED}", "2", "06/10/2026", "08/10/2026", ""),
    ("DEMO-C002", "12/10/2026", CSC, LACK, "1", "", "", ""),
    ("DEMO-C003", "02/11/2026", "Health", f"{ATTENDANCE}\nOther", "3", "04/11/2026", "", ""),
    ("DEMO-C004", "10/06/2026", CSC, "lack of report", "1", "", "11/06/2026", ""),
    ("DEMO-C005", "15/06/2026", "Education", "", "1", "", "", "16/06/2026"),
    ("DEMO-C006", "next Tuesday", "Health", LACK, "1", "", "", ""),
]


def challenge_records() -> list[dict[str, str]]:
    keys = ("Reference", "Raised on", "Raiser agency", "Other agency", "Child or adult", "Theme", "Step",
            "Resolved on", "Withdrawn on", "Raiser satisfied", "Referred to partnership")
    return [dict(zip(keys, row)) for row in CHALLENGE_ROWS]


def compliance_records() -> list[dict[str, str]]:
    keys = ("Reference", "Raised on", "Professional agency", "Identified issue", "Step", "Step started",
            "Resolved on", "Withdrawn on")
    return [dict(zip(keys, row)) for row in COMPLIANCE_ROWS]


def lists_records() -> list[dict[str, str]]:
    return [{"Agencies": agency} for agency in AGENCIES]


def _table(tab: str, headers: tuple[str, ...], records: list[dict[str, str]]) -> Table:
    """A tab as the workbook reads it: header in row 1, rows from row 2."""
    return Table(tab, headers, tuple(Record(tab, i + 2, values) for i, values in enumerate(records)))


def tables() -> dict[str, Table]:
    return {
        CHALLENGES: _table(CHALLENGES, CHALLENGE_COLUMNS, challenge_records()),
        COMPLIANCE: _table(COMPLIANCE, COMPLIANCE_COLUMNS, compliance_records()),
        LISTS: _table(LISTS, LISTS_COLUMNS, lists_records()),
    }


def fill(workbook) -> None:
    """Write the dataset into a workbook, in the same row order as ``tables()``."""
    workbook.init()
    workbook.append(CHALLENGES, challenge_records())
    workbook.append(COMPLIANCE, compliance_records())
    workbook.append(LISTS, lists_records())
