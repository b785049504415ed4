"""The demo partnership's workbook: its lists and a handful of clearly invented challenges.

Dates are placed around ``today`` so a newcomer sees, at once, a challenge that is overdue,
one resolved, one on track at step 2, one at step 4 and a Durham compliance challenge.
Every name, case reference and email address here is invented (``DEMO-CASE-...``, ``example.*``).
"""
from __future__ import annotations

import datetime as dt
from itertools import zip_longest

from procedures import ChallengeDates, position
from procedures.calendar import Calendar
from partnership.config import Partnership
from procedures.values import format_date
from sheets.open import open_workbook
from sheets.schema import (
    AGENCIES,
    BUSINESS_SUPPORT,
    CHALLENGES,
    COMPLIANCE,
    COMPLIANCE_ISSUES,
    ESCALATED,
    HAPPENED_ON,
    DEFAULT_THEMES,
    HISTORY,
    LISTS,
    RAISED_ON,
    REFERENCE,
    RESOLVED_ON,
    STATUS,
    STEP,
    STEP_DUE_BY,
    STEP_STARTED,
    THEMES,
    ChallengesTab,
    ComplianceTab,
    HistoryTab,
)

DEMO_AGENCIES = (
    "Children's social care",
    "Adult social care",
    "Police",
    "Health",
    "Education",
    "Voluntary sector",
    "Probation",
    "Housing",
)


def working_days_before(calendar: Calendar, day: dt.date, days: int) -> dt.date:
    """The working day ``days`` working days before ``day``."""
    while days > 0:
        day -= dt.timedelta(days=1)
        if calendar.is_working_day(day):
            days -= 1
    return day


def lists_rows(partnership: Partnership) -> list[dict[str, str]]:
    """The Lists tab: agencies, themes and business support addresses, one list per column."""
    support = list(dict.fromkeys([partnership.email.business_support, *partnership.access.business_support_users]))
    return [{AGENCIES: a or "", THEMES: t or "", BUSINESS_SUPPORT: s or ""}
            for a, t, s in zip_longest(DEMO_AGENCIES, DEFAULT_THEMES, support)]


def _challenge(n: int, raised_on: dt.date, step: int, step_started: dt.date | None, theme: str,
               other_agency: str, **extra: str) -> dict[str, str]:
    return {
        REFERENCE: f"DEMO-{n:06d}",
        RAISED_ON: format_date(raised_on),
        ChallengesTab.RAISED_BY: f"Practitioner {n} (invented)",
        ChallengesTab.RAISER_ROLE: "Health visitor",
        ChallengesTab.RAISER_AGENCY: "Health",
        ChallengesTab.RAISER_EMAIL: f"practitioner.{n}@example.nhs.uk",
        ChallengesTab.LINE_MANAGER_EMAIL: f"line.manager.{n}@example.nhs.uk",
        ChallengesTab.OTHER_AGENCY: other_agency,
        ChallengesTab.OTHER_PROFESSIONAL: f"Professional {n} (invented)",
        ChallengesTab.OTHER_PROFESSIONAL_EMAIL: f"professional.{n}@demo-partnership.example",
        ChallengesTab.OTHER_LINE_MANAGER_EMAIL: f"team.leader.{n}@demo-partnership.example",
        ChallengesTab.CHILD_OR_ADULT: "Child",
        ChallengesTab.CASE_REFERENCE: f"DEMO-CASE-{n:03d}",
        ChallengesTab.THEME: theme,
        ChallengesTab.DECISION_CHALLENGED: "Invented example: the referral was closed with no further action.",
        ChallengesTab.OUTCOME_SOUGHT: "Invented example: a strategy discussion with both agencies.",
        ChallengesTab.CONCERN_AROSE_ON: format_date(raised_on),
        STEP: str(step),
        STEP_STARTED: format_date(step_started),
        **extra,
    }


def demo_challenges(partnership: Partnership, today: dt.date) -> list[dict[str, str]]:
    """Four invented challenges at different points of the partnership's procedure."""
    cal = partnership.calendar
    back = lambda days: working_days_before(cal, today, days)  # noqa: E731
    rows = [
        # Overdue: still at step 2 well after its conclude-by day.
        _challenge(1, back(14), 2, back(11), "Referral criteria", "Children's social care",
                   **{ChallengesTab.ESCALATED_TO: "Team manager (invented)",
                      ChallengesTab.ESCALATED_TO_EMAIL: "team.manager@example.gov.uk"}),
        # Resolved at step 2.
        _challenge(2, back(20), 2, back(18), "Information sharing", "Police",
                   **{RESOLVED_ON: format_date(back(13)),
                      ChallengesTab.WHAT_WAS_DONE: "Invented example: a joint meeting.",
                      ChallengesTab.OUTCOME: "The other agency reopened the referral.",
                      ChallengesTab.HOW_RESOLVED: "Agreed at step 2",
                      ChallengesTab.RAISER_SATISFIED: "Yes", ChallengesTab.REFERRED_TO_PARTNERSHIP: "No"}),
        # On track at step 2.
        _challenge(3, back(3), 2, back(1), "Assessment outcomes", "Education"),
        # Reached step 4 (the statutory partners).
        _challenge(4, back(17), 4, back(1), "Service provision", "Adult social care",
                   **{ChallengesTab.REFERRED_TO_PARTNERSHIP: "Yes"}),
    ]
    return [_with_status(row, partnership, partnership.procedure, today) for row in rows]


def demo_compliance(partnership: Partnership, today: dt.date) -> list[dict[str, str]]:
    """One invented Durham IRO compliance challenge at stage 2 (the line manager's response)."""
    procedure = partnership.compliance_procedure
    if procedure is None:
        return []
    cal = partnership.calendar
    row = {
        REFERENCE: "DEMO-000005",
        RAISED_ON: format_date(working_days_before(cal, today, 2)),
        ComplianceTab.FAMILY_REFERENCE: "DEMO-FAMILY-005",
        ComplianceTab.IRO: "Independent Reviewing Officer (invented)",
        ComplianceTab.IRO_EMAIL: "iro@demo-partnership.example",
        ComplianceTab.PROFESSIONAL: "Social worker 5 (invented)",
        ComplianceTab.PROFESSIONAL_AGENCY: "Children's social care",
        ComplianceTab.PROFESSIONAL_EMAIL: "social.worker.5@example.gov.uk",
        ComplianceTab.LINE_MANAGER: "Line manager 5 (invented)",
        ComplianceTab.LINE_MANAGER_EMAIL: "line.manager.5@example.gov.uk",
        ComplianceTab.SAFEGUARDING_LEAD: "Safeguarding lead 5 (invented)",
        ComplianceTab.SAFEGUARDING_LEAD_EMAIL: "safeguarding.lead.5@example.gov.uk",
        ComplianceTab.IDENTIFIED_ISSUE: COMPLIANCE_ISSUES[0],
        ComplianceTab.CONCERN: "Invented example: the report was not sent to QRT in time; "
                                                  "we would like it shared before the review.",
        STEP: "2",
        STEP_STARTED: format_date(working_days_before(cal, today, 1)),
    }
    return [_with_status(row, partnership, procedure, today)]


def _with_status(row: dict[str, str], partnership: Partnership, procedure, today: dt.date) -> dict[str, str]:
    """The status columns as the daily job would write them, so the demo reads right before it runs."""
    dates = ChallengeDates(
        raised_on=dt.date.fromisoformat(row[RAISED_ON]),
        step=int(row[STEP]),
        step_started=dt.date.fromisoformat(row[STEP_STARTED]) if row.get(STEP_STARTED) else None,
        resolved_on=dt.date.fromisoformat(row[RESOLVED_ON]) if row.get(RESOLVED_ON) else None,
    )
    where = position(procedure, partnership.calendar, dates, today,
                     due_soon_days=partnership.reminders.due_soon_days)
    return {**row, STATUS: where.status, STEP_DUE_BY: format_date(where.conclude_by) if where.is_open else ""}


def history_rows(tab: str, rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Each row raised on its Raised on day; one that moved on escalated on its Step started day."""
    out = []
    for row in rows:
        first = "2" if tab == COMPLIANCE else "1"
        out.append({HistoryTab.WHEN: f"{row[RAISED_ON]} 09:00", REFERENCE: row[REFERENCE], HistoryTab.TAB: tab,
                    HistoryTab.ACTION: "Raised", STEP: first, HistoryTab.BY: "demo data",
                    HistoryTab.DETAILS: "Invented for the demo", HAPPENED_ON: row[RAISED_ON]})
        if row[STEP] != first:
            out.append({HistoryTab.WHEN: f"{row[STEP_STARTED]} 09:00", REFERENCE: row[REFERENCE], HistoryTab.TAB: tab,
                        HistoryTab.ACTION: ESCALATED, STEP: row[STEP], HistoryTab.BY: "demo data",
                        HistoryTab.DETAILS: "Invented for the demo", HAPPENED_ON: row[STEP_STARTED]})
    return out


def create_demo(partnership: Partnership, today: dt.date) -> bool:
    """Create and fill the demo workbook unless it is already there; True if it was created."""
    if partnership.sheet.backend == "local" and partnership.sheet.path and partnership.sheet.path.exists():
        return False
    workbook = open_workbook(partnership, purpose="cron")
    workbook.init()
    if workbook.read(CHALLENGES).records:
        return False
    challenges = demo_challenges(partnership, today)
    compliance = demo_compliance(partnership, today)
    workbook.append(LISTS, lists_rows(partnership))
    workbook.append(CHALLENGES, challenges)
    if compliance:
        workbook.append(COMPLIANCE, compliance)
    workbook.append(HISTORY, history_rows(CHALLENGES, challenges) + history_rows(COMPLIANCE, compliance))
    return True
