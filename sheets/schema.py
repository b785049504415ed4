"""The tabs of a partnership's spreadsheet and the columns the app owns.

Columns are always found by header name. Business support may add their own
columns anywhere; the app never writes to a column not listed here.
"""
from __future__ import annotations

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
    REFERENCE,
    RAISED_ON,
    "Raised by",
    "Raiser role",
    "Raiser agency",
    "Raiser email",
    "Line manager email",
    "Other agency",
    "Other professional",
    "Other professional email",
    "Child or adult",
    "Case reference",
    "Theme",
    "Decision challenged",
    "Outcome sought",
    "Concern arose on",
    STEP,
    STEP_STARTED,
    "Escalated to",
    "Escalated to email",
    STATUS,
    STEP_DUE_BY,
    LAST_REMINDER,
    RESOLVED_ON,
    "What was done",
    "Outcome",
    "How resolved",
    "Raiser satisfied",
    "Referred to partnership",
    WITHDRAWN_ON,
    "Withdrawal reason",
    SUBMISSION_ID,
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
    REFERENCE,
    RAISED_ON,
    "Family reference",
    "IRO",
    "IRO email",
    "Professional",
    "Professional agency",
    "Professional email",
    "Line manager",
    "Line manager email",
    "Safeguarding lead",
    "Safeguarding lead email",
    "Identified issue",
    "Concern and what we would like to see",
    STEP,
    STEP_STARTED,
    STATUS,
    STEP_DUE_BY,
    LAST_REMINDER,
    "Line manager response",
    "Stage 2 resolved or progressed on",
    "Stage 3 meeting on",
    "Stage 3 record",
    "Stage 3 resolved or progressed on",
    "Stage 4 meeting on",
    "Stage 4 record",
    "Stage 4 resolved or progressed on",
    "Stage 5 escalated on",
    "Stage 5 reasons for escalation",
    RESOLVED_ON,
    "Outcome",
    WITHDRAWN_ON,
    "Withdrawal reason",
    SUBMISSION_ID,
)

HISTORY_COLUMNS = ("When", REFERENCE, "Tab", "Action", STEP, "By", "Details")

REMINDER_KEY = "Key"
REMINDERS_COLUMNS = ("Sent at", REFERENCE, STEP, "Kind", "Recipient", "Due date", REMINDER_KEY)

# Lists: each column is its own list, read top to bottom; blank cells are ignored.
AGENCIES = "Agencies"
THEMES = "Themes"
BUSINESS_SUPPORT = "Business support"
LISTS_COLUMNS = (AGENCIES, THEMES, BUSINESS_SUPPORT)

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

# Columns read as dates (typed as 21/11/2026, 2026-11-21 or a real date cell).
DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    CHALLENGES: (RAISED_ON, "Concern arose on", STEP_STARTED, RESOLVED_ON, WITHDRAWN_ON, STEP_DUE_BY),
    COMPLIANCE: (RAISED_ON, STEP_STARTED, RESOLVED_ON, WITHDRAWN_ON, STEP_DUE_BY,
                 "Stage 2 resolved or progressed on", "Stage 3 meeting on", "Stage 3 resolved or progressed on",
                 "Stage 4 meeting on", "Stage 4 resolved or progressed on", "Stage 5 escalated on"),
    REMINDERS: ("Due date",),
}

# Tabs whose rows are challenges, found by Reference.
REFERENCED_TABS = (CHALLENGES, COMPLIANCE)

CELL_LIMIT = 50_000
