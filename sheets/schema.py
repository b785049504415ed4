"""The tabs of a partnership's spreadsheet and the columns the app owns.

Columns are always found by header name. Business support may add their own
columns anywhere; the app never writes to a column not listed here.
"""
from __future__ import annotations

import re
from collections.abc import Iterator


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

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, bool]]:
        # Copied and pickled as itself (str's own answer would leave ``personal`` out).
        return (str(self),), {"personal": self.personal}


def kept(name: str) -> Column:
    """A column retention keeps: it is counted in the figures and names nobody."""
    return Column(name, personal=False)


def personal(name: str) -> Column:
    """A column retention clears: a name, an address, a case reference or free text."""
    return Column(name, personal=True)


class Tab(type):
    """A tab's columns, written once: each ``Column`` attribute of a class made with ``Tab`` is a
    column, in sheet order (``ChallengesTab.RAISED_BY``). Iterating the class gives them all; ``tab``
    is the tab's name. The class is fixed: nothing can be added or changed once it is made."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict, tab: str = "") -> "Tab":
        columns = tuple(value for value in namespace.values() if isinstance(value, Column))
        if len(set(columns)) != len(columns):
            raise ValueError(f"{name} names a column twice")
        return super().__new__(mcs, name, bases, {**namespace, "tab": tab, "columns": columns})

    def __setattr__(cls, name: str, value: object) -> None:
        raise AttributeError(f"{cls.__name__}'s columns are fixed")

    def __iter__(cls) -> Iterator[Column]:
        return iter(cls.columns)

    def __len__(cls) -> int:
        return len(cls.columns)


CHALLENGES = "Challenges"
COMPLIANCE = "Compliance"
HISTORY = "History"
REMINDERS = "Reminders"
SUMMARY = "Summary"
LISTS = "Lists"
TABS = (CHALLENGES, COMPLIANCE, HISTORY, REMINDERS, SUMMARY, LISTS)

# On both challenge tabs (and some on History and Reminders too).
REFERENCE = kept("Reference")
RAISED_ON = kept("Raised on")
STEP = kept("Step")
STEP_STARTED = kept("Step started")
RESOLVED_ON = kept("Resolved on")
WITHDRAWN_ON = kept("Withdrawn on")
STATUS = kept("Status")
STEP_DUE_BY = kept("Step due by")
LAST_REMINDER = kept("Last reminder")
SUBMISSION_ID = kept("Submission ID")
OUTCOME = personal("Outcome")
WITHDRAWAL_REASON = personal("Withdrawal reason")
LINE_MANAGER_EMAIL = personal("Line manager email")

# Written by the daily job only.
JOB_COLUMNS = (STATUS, STEP_DUE_BY, LAST_REMINDER)

# Shared by both challenge tabs: what the procedure engine reads.
TRACKED = (REFERENCE, RAISED_ON, STEP, STEP_STARTED, RESOLVED_ON, WITHDRAWN_ON, *JOB_COLUMNS)


class ChallengesTab(metaclass=Tab, tab=CHALLENGES):
    """A challenge between professionals, one a row."""

    REFERENCE = REFERENCE
    RAISED_ON = RAISED_ON
    RAISED_BY = personal("Raised by")
    RAISER_ROLE = personal("Raiser role")
    RAISER_AGENCY = kept("Raiser agency")
    RAISER_EMAIL = personal("Raiser email")
    LINE_MANAGER_EMAIL = LINE_MANAGER_EMAIL
    OTHER_AGENCY = kept("Other agency")
    OTHER_PROFESSIONAL = personal("Other professional")
    OTHER_PROFESSIONAL_EMAIL = personal("Other professional email")
    OTHER_LINE_MANAGER_EMAIL = personal("Other professional's line manager email")
    CHILD_OR_ADULT = kept("Child or adult")
    CASE_REFERENCE = personal("Case reference")
    THEME = kept("Theme")
    DECISION_CHALLENGED = personal("Decision challenged")
    OUTCOME_SOUGHT = personal("Outcome sought")
    CONCERN_AROSE_ON = kept("Concern arose on")
    STEP = STEP
    STEP_STARTED = STEP_STARTED
    ESCALATED_TO = personal("Escalated to")
    ESCALATED_TO_EMAIL = personal("Escalated to email")
    STATUS = STATUS
    STEP_DUE_BY = STEP_DUE_BY
    LAST_REMINDER = LAST_REMINDER
    RESOLVED_ON = RESOLVED_ON
    WHAT_WAS_DONE = personal("What was done")
    OUTCOME = OUTCOME
    HOW_RESOLVED = personal("How resolved")
    RAISER_SATISFIED = kept("Raiser satisfied")
    REFERRED_TO_PARTNERSHIP = kept("Referred to partnership")
    WITHDRAWN_ON = WITHDRAWN_ON
    WITHDRAWAL_REASON = WITHDRAWAL_REASON
    SUBMISSION_ID = SUBMISSION_ID


CHALLENGE_COLUMNS = ChallengesTab.columns

# Durham's Compliance Challenge Form (seeds/004): "Raised on" is the date the form was sent.
COMPLIANCE_ISSUES = (
    "Reports not sent to QRT within timescales to be shared with professional",
    "Reports not shared with family within timescale for meeting",
    "Lack of attendance at core groups/care team meetings/conference",
    "Not completing or progressing an action in a plan that is causing delay",
    "Lack of report",
    "Other",
)


class ComplianceTab(metaclass=Tab, tab=COMPLIANCE):
    """A compliance challenge (an IRO's form), one a row; each stage after the first has its own columns
    (``stage_columns``)."""

    REFERENCE = REFERENCE
    RAISED_ON = RAISED_ON
    FAMILY_REFERENCE = personal("Family reference")
    IRO = personal("IRO")
    IRO_EMAIL = personal("IRO email")
    PROFESSIONAL = personal("Professional")
    PROFESSIONAL_AGENCY = kept("Professional agency")
    PROFESSIONAL_EMAIL = personal("Professional email")
    LINE_MANAGER = personal("Line manager")
    LINE_MANAGER_EMAIL = LINE_MANAGER_EMAIL
    SAFEGUARDING_LEAD = personal("Safeguarding lead")
    SAFEGUARDING_LEAD_EMAIL = personal("Safeguarding lead email")
    IDENTIFIED_ISSUE = kept("Identified issue")
    CONCERN = personal("Concern and what we would like to see")
    STEP = STEP
    STEP_STARTED = STEP_STARTED
    STATUS = STATUS
    STEP_DUE_BY = STEP_DUE_BY
    LAST_REMINDER = LAST_REMINDER
    LINE_MANAGER_RESPONSE = personal("Line manager response")
    LINE_MANAGER_RESPONDED_ON = kept("Line manager responded on")
    STAGE_2_CONCLUDED_ON = kept("Stage 2 resolved or progressed on")
    STAGE_3_MET_ON = kept("Stage 3 meeting on")
    STAGE_3_RECORD = personal("Stage 3 record")
    STAGE_3_CONCLUDED_ON = kept("Stage 3 resolved or progressed on")
    STAGE_4_MET_ON = kept("Stage 4 meeting on")
    STAGE_4_RECORD = personal("Stage 4 record")
    STAGE_4_CONCLUDED_ON = kept("Stage 4 resolved or progressed on")
    STAGE_5_ESCALATED_ON = kept("Stage 5 escalated on")
    STAGE_5_REASONS = personal("Stage 5 reasons for escalation")
    RESOLVED_ON = RESOLVED_ON
    OUTCOME = OUTCOME
    WITHDRAWN_ON = WITHDRAWN_ON
    WITHDRAWAL_REASON = WITHDRAWAL_REASON
    SUBMISSION_ID = SUBMISSION_ID


COMPLIANCE_COLUMNS = ComplianceTab.columns


class HistoryTab(metaclass=Tab, tab=HISTORY):
    """The append-only History: "When" is when it was recorded; "Happened on" the day it happened,
    which may be earlier."""

    WHEN = kept("When")
    REFERENCE = REFERENCE
    TAB = kept("Tab")
    ACTION = kept("Action")
    STEP = STEP
    BY = personal("By")
    DETAILS = personal("Details")
    HAPPENED_ON = kept("Happened on")


HAPPENED_ON = HistoryTab.HAPPENED_ON
HISTORY_COLUMNS = HistoryTab.columns

# History actions read back: those that move a challenge to the step in their Step column, and a
# saved Appendix A (its Details hold the answers, not shown as a note).
ESCALATED = "Escalated"
MOVED_ON = "Moved on"
MOVES = (ESCALATED, MOVED_ON)
APPENDIX_A = "Appendix A"

# Where each person a procedure can name (procedures.model.PEOPLE) is found on a row.
# Business support and the partnership manager come from the partnership file.
PERSON_COLUMNS: dict[str, dict[str, Column]] = {
    CHALLENGES: {
        "raiser": ChallengesTab.RAISER_EMAIL,
        "challenged": ChallengesTab.OTHER_PROFESSIONAL_EMAIL,
        "raiser_line_manager": ChallengesTab.LINE_MANAGER_EMAIL,
        "challenged_line_manager": ChallengesTab.OTHER_LINE_MANAGER_EMAIL,
        "escalated_to": ChallengesTab.ESCALATED_TO_EMAIL,
    },
    COMPLIANCE: {
        "raiser": ComplianceTab.IRO_EMAIL,
        "iro": ComplianceTab.IRO_EMAIL,
        "challenged": ComplianceTab.PROFESSIONAL_EMAIL,
        "challenged_line_manager": ComplianceTab.LINE_MANAGER_EMAIL,
        "safeguarding_lead": ComplianceTab.SAFEGUARDING_LEAD_EMAIL,
    },
}

# Who raised a challenge, who it was raised with, and what it is about, on each challenge tab
# (the lists split and search by these).
RAISER_EMAIL = {tab: people["raiser"] for tab, people in PERSON_COLUMNS.items()}
CHALLENGED_EMAIL = {tab: people["challenged"] for tab, people in PERSON_COLUMNS.items()}
CHALLENGED_AGENCY = {CHALLENGES: ChallengesTab.OTHER_AGENCY, COMPLIANCE: ComplianceTab.PROFESSIONAL_AGENCY}
RAISING_AGENCY = {CHALLENGES: ChallengesTab.RAISER_AGENCY}
THEME = {CHALLENGES: ChallengesTab.THEME, COMPLIANCE: ComplianceTab.IDENTIFIED_ISSUE}


def stage_columns(tab: str, number: int, first: int) -> dict[str, Column]:
    """A compliance stage's own columns, by what they hold: its record, the meeting date, when it
    concluded, and (the last stage) when and why it was escalated. Only those the tab has are given.

    The first recorded stage (where the form is sent) holds the line manager's response.
    """
    if number == first:
        wanted = {"record": ComplianceTab.LINE_MANAGER_RESPONSE,
                  "responded_on": ComplianceTab.LINE_MANAGER_RESPONDED_ON,
                  "concluded_on": f"Stage {number} resolved or progressed on"}
    else:
        wanted = {"record": f"Stage {number} record", "met_on": f"Stage {number} meeting on",
                  "concluded_on": f"Stage {number} resolved or progressed on",
                  "escalated_on": f"Stage {number} escalated on",
                  "reasons": f"Stage {number} reasons for escalation"}
    named = {str(c): c for c in COLUMNS[tab]}
    return {kind: named[name] for kind, name in wanted.items() if name in named}


class RemindersTab(metaclass=Tab, tab=REMINDERS):
    """Each reminder sent, so none is sent twice. The Key holds the recipient's address, so it is
    personal too."""

    SENT_AT = kept("Sent at")
    REFERENCE = REFERENCE
    STEP = STEP
    KIND = kept("Kind")
    RECIPIENT = personal("Recipient")
    DUE_DATE = kept("Due date")
    KEY = personal("Key")


REMINDER_KEY = RemindersTab.KEY
REMINDERS_COLUMNS = RemindersTab.columns


class ListsTab(metaclass=Tab, tab=LISTS):
    """Each column is its own list, read top to bottom; blank cells are ignored."""

    AGENCIES = kept("Agencies")
    THEMES = kept("Themes")
    BUSINESS_SUPPORT = personal("Business support")
    # The IROs who send compliance challenges; once any are listed, only they (and business support)
    # are offered the compliance form.
    IROS = personal("IROs")


AGENCIES = ListsTab.AGENCIES
THEMES = ListsTab.THEMES
BUSINESS_SUPPORT = ListsTab.BUSINESS_SUPPORT
IROS = ListsTab.IROS
LISTS_COLUMNS = ListsTab.columns

DEFAULT_THEMES = (
    "Referral criteria",
    "Assessment outcomes",
    "Roles and responsibilities",
    "Service provision",
    "Timeliness",
    "Information sharing",
    "Other",
)

# Each tab the app owns and its columns (the Summary is written whole, its own way).
TAB_COLUMNS: dict[str, Tab] = {t.tab: t for t in (ChallengesTab, ComplianceTab, HistoryTab, RemindersTab, ListsTab)}
COLUMNS: dict[str, tuple[Column, ...]] = {tab: TAB_COLUMNS[tab].columns if tab in TAB_COLUMNS else ()
                                          for tab in TABS}

# Columns read as dates (typed as 21/11/2026, 2026-11-21 or a real date cell). The job's own
# columns (JOB_COLUMNS) are never read: whatever is typed there is overwritten on the next run.
DATE_COLUMNS: dict[str, tuple[Column, ...]] = {
    CHALLENGES: (RAISED_ON, ChallengesTab.CONCERN_AROSE_ON, STEP_STARTED, RESOLVED_ON, WITHDRAWN_ON),
    COMPLIANCE: (RAISED_ON, STEP_STARTED, RESOLVED_ON, WITHDRAWN_ON, ComplianceTab.LINE_MANAGER_RESPONDED_ON,
                 ComplianceTab.STAGE_2_CONCLUDED_ON, ComplianceTab.STAGE_3_MET_ON, ComplianceTab.STAGE_3_CONCLUDED_ON,
                 ComplianceTab.STAGE_4_MET_ON, ComplianceTab.STAGE_4_CONCLUDED_ON, ComplianceTab.STAGE_5_ESCALATED_ON),
    REMINDERS: (RemindersTab.DUE_DATE,),
}

# Tabs whose rows are challenges, found by Reference.
REFERENCED_TABS = (CHALLENGES, COMPLIANCE)

# What people write at length: the daily job never reads these (it reads the other columns only).
FREE_TEXT: dict[str, tuple[Column, ...]] = {
    CHALLENGES: (ChallengesTab.DECISION_CHALLENGED, ChallengesTab.OUTCOME_SOUGHT, ChallengesTab.WHAT_WAS_DONE,
                 OUTCOME, ChallengesTab.HOW_RESOLVED, WITHDRAWAL_REASON),
    COMPLIANCE: (ComplianceTab.CONCERN, ComplianceTab.LINE_MANAGER_RESPONSE, ComplianceTab.STAGE_3_RECORD,
                 ComplianceTab.STAGE_4_RECORD, ComplianceTab.STAGE_5_REASONS, OUTCOME, WITHDRAWAL_REASON),
}

CELL_LIMIT = 50_000

# Characters a cell cannot hold (XML 1.0): control characters other than tab and line breaks, lone
# surrogates, U+FFFE and U+FFFF. Forms refuse them; the local workbook drops any that reach it.
UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def personal_columns(tab: str) -> tuple[str, ...]:
    """The columns of ``tab`` that retention clears (see ``Column``)."""
    return tuple(c for c in COLUMNS.get(tab, ()) if getattr(c, "personal", True))
