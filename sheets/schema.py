"""The tabs of a partnership's spreadsheet and the columns the app owns.

Columns are always found by header name. Business support may add their own
columns anywhere; the app never writes to a column not listed here.
"""
from __future__ import annotations

import re


class Column(str):
    """A column's header name (it is the name, as text) and what retention does to it.

    ``personal`` columns hold names, email addresses, case and family references or anything
    typed as free text: retention clears them once a challenge has been closed long enough.
    ``kept`` columns (dates, agencies, themes, child or adult, steps, answers chosen from a list,
    references the app makes) stay, so every figure in the Summary is the same afterwards.
    """

    personal: bool

    def __new__(cls, name: str, *, personal: bool) -> "Column":
        column = super().__new__(cls, name)
        column.personal = personal
        return column


def kept(name: str) -> Column:
    """A column retention keeps: it is counted in the figures and names nobody."""
    return Column(name, personal=False)


def personal(name: str) -> Column:
    """A column retention clears: a name, an address, a case reference or free text."""
    return Column(name, personal=True)


CHALLENGES = "Challenges"
COMPLIANCE = "Compliance"
HISTORY = "History"
REMINDERS = "Reminders"
SUMMARY = "Summary"
LISTS = "Lists"
TABS = (CHALLENGES, COMPLIANCE, HISTORY, REMINDERS, SUMMARY, LISTS)

REFERENCE = "Reference"
RAISED_ON = "Raised on"
STEP = "Step"
STEP_STARTED = "Step started"
RESOLVED_ON = "Resolved on"
WITHDRAWN_ON = "Withdrawn on"
STATUS = "Status"
STEP_DUE_BY = "Step due by"
LAST_REMINDER = "Last reminder"
SUBMISSION_ID = "Submission ID"

# Written by the daily job only.
JOB_COLUMNS = (STATUS, STEP_DUE_BY, LAST_REMINDER)

# Shared by both challenge tabs: what the procedure engine reads.
TRACKED = (REFERENCE, RAISED_ON, STEP, STEP_STARTED, RESOLVED_ON, WITHDRAWN_ON, *JOB_COLUMNS)

CHALLENGE_COLUMNS = (
    kept(REFERENCE),
    kept(RAISED_ON),
    personal("Raised by"),
    personal("Raiser role"),
    kept("Raiser agency"),
    personal("Raiser email"),
    personal("Line manager email"),
    kept("Other agency"),
    personal("Other professional"),
    personal("Other professional email"),
    personal("Other professional's line manager email"),
    kept("Child or adult"),
    personal("Case reference"),
    kept("Theme"),
    personal("Decision challenged"),
    personal("Outcome sought"),
    kept("Concern arose on"),
    kept(STEP),
    kept(STEP_STARTED),
    personal("Escalated to"),
    personal("Escalated to email"),
    kept(STATUS),
    kept(STEP_DUE_BY),
    kept(LAST_REMINDER),
    kept(RESOLVED_ON),
    personal("What was done"),
    personal("Outcome"),
    personal("How resolved"),
    kept("Raiser satisfied"),
    kept("Referred to partnership"),
    kept(WITHDRAWN_ON),
    personal("Withdrawal reason"),
    kept(SUBMISSION_ID),
)

# Durham's Compliance Challenge Form (seeds/004): "Raised on" is the date the form was sent.
COMPLIANCE_ISSUES = (
    "Reports not sent to QRT within timescales to be shared with professional",
    "Reports not shared with family within timescale for meeting",
    "Lack of attendance at core groups/care team meetings/conference",
    "Not completing or progressing an action in a plan that is causing delay",
    "Lack of report",
    "Other",
)

COMPLIANCE_COLUMNS = (
    kept(REFERENCE),
    kept(RAISED_ON),
    personal("Family reference"),
    personal("IRO"),
    personal("IRO email"),
    personal("Professional"),
    kept("Professional agency"),
    personal("Professional email"),
    personal("Line manager"),
    personal("Line manager email"),
    personal("Safeguarding lead"),
    personal("Safeguarding lead email"),
    kept("Identified issue"),
    personal("Concern and what we would like to see"),
    kept(STEP),
    kept(STEP_STARTED),
    kept(STATUS),
    kept(STEP_DUE_BY),
    kept(LAST_REMINDER),
    personal("Line manager response"),
    kept("Line manager responded on"),
    kept("Stage 2 resolved or progressed on"),
    kept("Stage 3 meeting on"),
    personal("Stage 3 record"),
    kept("Stage 3 resolved or progressed on"),
    kept("Stage 4 meeting on"),
    personal("Stage 4 record"),
    kept("Stage 4 resolved or progressed on"),
    kept("Stage 5 escalated on"),
    personal("Stage 5 reasons for escalation"),
    kept(RESOLVED_ON),
    personal("Outcome"),
    kept(WITHDRAWN_ON),
    personal("Withdrawal reason"),
    kept(SUBMISSION_ID),
)

# "When" is when it was recorded; "Happened on" the day it happened, which may be earlier.
HAPPENED_ON = "Happened on"
HISTORY_COLUMNS = (kept("When"), kept(REFERENCE), kept("Tab"), kept("Action"), kept(STEP), personal("By"),
                   personal("Details"), kept(HAPPENED_ON))

# Where each person a procedure can name (procedures.model.PEOPLE) is found on a row.
# Business support and the partnership manager come from the partnership file.
PERSON_COLUMNS: dict[str, dict[str, str]] = {
    CHALLENGES: {
        "raiser": "Raiser email",
        "challenged": "Other professional email",
        "raiser_line_manager": "Line manager email",
        "challenged_line_manager": "Other professional's line manager email",
        "escalated_to": "Escalated to email",
    },
    COMPLIANCE: {
        "raiser": "IRO email",
        "iro": "IRO email",
        "challenged": "Professional email",
        "challenged_line_manager": "Line manager email",
        "safeguarding_lead": "Safeguarding lead email",
    },
}

# Who raised a challenge, who it was raised with, and what it is about, on each challenge tab
# (the lists split and search by these).
RAISER_EMAIL = {tab: people["raiser"] for tab, people in PERSON_COLUMNS.items()}
CHALLENGED_EMAIL = {tab: people["challenged"] for tab, people in PERSON_COLUMNS.items()}
CHALLENGED_AGENCY = {CHALLENGES: "Other agency", COMPLIANCE: "Professional agency"}
RAISING_AGENCY = {CHALLENGES: "Raiser agency"}
THEME = {CHALLENGES: "Theme", COMPLIANCE: "Identified issue"}


def stage_columns(tab: str, number: int, first: int) -> dict[str, str]:
    """A compliance stage's own columns: its record, the meeting date and when it concluded.

    The first recorded stage (where the form is sent) holds the line manager's response.
    """
    if number == first:
        return {"record": "Line manager response", "responded_on": "Line manager responded on",
                "concluded_on": f"Stage {number} resolved or progressed on"}
    return {"record": f"Stage {number} record", "met_on": f"Stage {number} meeting on",
            "concluded_on": f"Stage {number} resolved or progressed on",
            "escalated_on": f"Stage {number} escalated on",
            "reasons": f"Stage {number} reasons for escalation"}

REMINDER_KEY = "Key"
# The Key holds the recipient's address, so it is personal too.
REMINDERS_COLUMNS = (kept("Sent at"), kept(REFERENCE), kept(STEP), kept("Kind"), personal("Recipient"),
                     kept("Due date"), personal(REMINDER_KEY))

# Lists: each column is its own list, read top to bottom; blank cells are ignored.
AGENCIES = "Agencies"
THEMES = "Themes"
BUSINESS_SUPPORT = "Business support"
# The IROs who send compliance challenges; once any are listed, only they (and business support)
# are offered the compliance form.
IROS = "IROs"
LISTS_COLUMNS = (kept(AGENCIES), kept(THEMES), personal(BUSINESS_SUPPORT), personal(IROS))

DEFAULT_THEMES = (
    "Referral criteria",
    "Assessment outcomes",
    "Roles and responsibilities",
    "Service provision",
    "Timeliness",
    "Information sharing",
    "Other",
)

COLUMNS: dict[str, tuple[str, ...]] = {
    CHALLENGES: CHALLENGE_COLUMNS,
    COMPLIANCE: COMPLIANCE_COLUMNS,
    HISTORY: HISTORY_COLUMNS,
    REMINDERS: REMINDERS_COLUMNS,
    SUMMARY: (),
    LISTS: LISTS_COLUMNS,
}

# Columns read as dates (typed as 21/11/2026, 2026-11-21 or a real date cell). The job's own
# columns (JOB_COLUMNS) are never read: whatever is typed there is overwritten on the next run.
DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    CHALLENGES: (RAISED_ON, "Concern arose on", STEP_STARTED, RESOLVED_ON, WITHDRAWN_ON),
    COMPLIANCE: (RAISED_ON, STEP_STARTED, RESOLVED_ON, WITHDRAWN_ON, "Line manager responded on",
                 "Stage 2 resolved or progressed on", "Stage 3 meeting on", "Stage 3 resolved or progressed on",
                 "Stage 4 meeting on", "Stage 4 resolved or progressed on", "Stage 5 escalated on"),
    REMINDERS: ("Due date",),
}

# Tabs whose rows are challenges, found by Reference.
REFERENCED_TABS = (CHALLENGES, COMPLIANCE)

# What people write at length: the daily job never reads these (it reads the other columns only).
FREE_TEXT: dict[str, tuple[str, ...]] = {
    CHALLENGES: ("Decision challenged", "Outcome sought", "What was done", "Outcome", "How resolved",
                 "Withdrawal reason"),
    COMPLIANCE: ("Concern and what we would like to see", "Line manager response", "Stage 3 record",
                 "Stage 4 record", "Stage 5 reasons for escalation", "Outcome", "Withdrawal reason"),
}

CELL_LIMIT = 50_000

# Characters a cell cannot hold (XML 1.0): control characters other than tab and line breaks, lone
# surrogates, U+FFFE and U+FFFF. Forms refuse them; the local workbook drops any that reach it.
UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def personal_columns(tab: str) -> tuple[str, ...]:
    """The columns of ``tab`` that retention clears (see ``Column``)."""
    return tuple(c for c in COLUMNS.get(tab, ()) if getattr(c, "personal", True))
