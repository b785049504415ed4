"""The one description of the sheet's columns: every column the app owns says what retention does to it."""
from __future__ import annotations

from sheets.schema import CHALLENGES, COLUMNS, COMPLIANCE, HISTORY, REMINDERS, Column, personal_columns


def test_every_column_says_whether_retention_keeps_or_clears_it():
    unsaid = [f"{tab}: {c}" for tab, columns in COLUMNS.items() for c in columns if not isinstance(c, Column)]
    assert unsaid == [], "declare each column with kept(...) or personal(...) in sheets/schema.py"


def test_what_the_summary_counts_is_kept_and_what_names_people_is_cleared():
    for tab in (CHALLENGES, COMPLIANCE):
        cleared = set(personal_columns(tab))
        assert not cleared & {"Reference", "Raised on", "Step", "Step started", "Resolved on", "Withdrawn on",
                              "Raiser agency", "Other agency", "Child or adult", "Theme", "Raiser satisfied",
                              "Referred to partnership", "Professional agency", "Identified issue"}
        emails = {c for c in COLUMNS[tab] if c.endswith("email")}
        assert emails and emails <= cleared
    assert {"Case reference", "Decision challenged", "What was done", "Outcome", "How resolved",
            "Withdrawal reason"} <= set(personal_columns(CHALLENGES))
    assert {"Family reference", "Concern and what we would like to see", "Line manager response",
            "Stage 3 record", "Stage 4 record"} <= set(personal_columns(COMPLIANCE))
    assert set(personal_columns(HISTORY)) == {"By", "Details"}
    assert set(personal_columns(REMINDERS)) == {"Recipient", "Key"}


def test_a_column_is_still_its_name():
    assert COLUMNS[CHALLENGES][0] == "Reference" and isinstance(COLUMNS[CHALLENGES][0], str)
    assert {"Reference": 1}[COLUMNS[CHALLENGES][0]] == 1
