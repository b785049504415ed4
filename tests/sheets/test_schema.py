"""The one description of the sheet's columns: every column the app owns says what retention does to it."""
from __future__ import annotations

import ast
import copy
import pickle
import re
from pathlib import Path

import jinja2
import pytest
from jinja2 import nodes

from sheets.schema import (
    CHALLENGES, COLUMNS, COMPLIANCE, COMPLIANCE_COLUMNS, HISTORY, REMINDERS, ChallengesTab, Column, ComplianceTab,
    HistoryTab, Tab, kept, personal, personal_columns, stage_columns,
)


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


# No column name written outside the schema ------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
# The app's own code. ``procedures`` is not read: it sits below ``sheets`` and cannot import the schema,
# and its words ("Step", the class and the default step label) are the domain's, not the sheet's.
APP_PACKAGES = ("partnership", "state", "sheets", "notify", "reports", "forms", "jobs", "views")
APP_MODULES = ("app.py", "config.py")
SCHEMA = "sheets/schema.py"
# Being changed elsewhere at the same time; each name here is to go (and the test says when it has gone).
NOT_YET: dict[str, set[str]] = {}  # a module's names still to move into the schema: none
# Words for people that happen to be a column's name (a form's label, a Summary heading) say so on their line.
MARK = "# not a column"


def column_names() -> set[str]:
    return {str(c) for columns in COLUMNS.values() for c in columns}


def named_in_python(source: str, names: set[str]) -> list[tuple[int, str]]:
    """Where ``source`` writes one of ``names``: a string constant, or an f-string filling whole words
    into one (``f"Stage {n} record"``). Lines marked ``# not a column`` are words, not names."""
    lines = source.splitlines()
    tree = ast.parse(source)
    in_fstring = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in in_fstring:
            hits = [node.value] if node.value in names else []
        elif isinstance(node, ast.JoinedStr) and re.search(r"[A-Za-z]{3}", "".join(
                v.value for v in node.values if isinstance(v, ast.Constant))):
            pattern = "".join(re.escape(v.value) if isinstance(v, ast.Constant) else r"(?<!\S)\S+(?!\S)"
                              for v in node.values)
            hits = sorted(n for n in names if re.fullmatch(pattern, n))
        else:
            continue
        if hits and MARK not in lines[node.lineno - 1]:
            found += [(node.lineno, name) for name in hits]
    return sorted(found)


def named_in_template(source: str, names: set[str]) -> list[tuple[int, str]]:
    """Where a template writes one of ``names`` (a cell looked up by its header text); the label of a
    (label, column) pair is words for people."""
    tree = jinja2.Environment(extensions=["jinja2.ext.do"]).parse(source)
    labels = {id(pair.items[0]) for pair in tree.find_all(nodes.Tuple) if len(pair.items) == 2}
    return sorted((c.lineno, c.value) for c in tree.find_all(nodes.Const)
                  if isinstance(c.value, str) and c.value in names and id(c) not in labels)


def app_files() -> list[Path]:
    files = [ROOT / m for m in APP_MODULES]
    for package in APP_PACKAGES:
        files += sorted((ROOT / package).rglob("*.py"))
    return [f for f in files if f.relative_to(ROOT).as_posix() != SCHEMA]


def test_no_column_name_is_written_outside_the_schema():
    names = column_names()
    loose, gone = [], []
    for path in app_files():
        where = path.relative_to(ROOT).as_posix()
        found = named_in_python(path.read_text(), names)
        waiting = NOT_YET.get(where, set())
        loose += [f"{where}:{line}: {name!r}" for line, name in found if name not in waiting]
        gone += [f"{where}: {name!r}" for name in sorted(waiting - {name for _, name in found})]
    assert not loose, "use the column from sheets/schema.py (ChallengesTab.RAISED_BY, ...):\n" + "\n".join(loose)
    assert not gone, "no longer written there: take it off NOT_YET:\n" + "\n".join(gone)


def test_no_template_looks_a_cell_up_by_its_header_text():
    names = column_names()
    loose = [f"{path.relative_to(ROOT)}:{line}: {name!r}" for path in sorted((ROOT / "templates").rglob("*.html"))
             for line, name in named_in_template(path.read_text(), names)]
    assert not loose, ("use the column from sheets/schema.py (ChallengesTab.RAISED_BY, ...), a template global:\n"
                       + "\n".join(loose))


def test_the_checks_notice_a_column_name_however_it_is_written():
    names = column_names()
    source = ('row = {"Raised by": name}\n'
              'x = row.get("Line manager email")\n'
              'own = f"Stage {n} record"\n'
              'label = "Case reference"  # not a column\n'
              'counted = f"{n} challenge{s}"\n'
              'text = "Raised"\n')
    assert named_in_python(source, names) == [(1, "Raised by"), (2, "Line manager email"), (3, "Stage 3 record"),
                                              (3, "Stage 4 record")]
    template = ('{% with rows = [("Theme", ChallengesTab.THEME), ("Outcome", "Outcome")] %}{% endwith %}\n'
                '{{ challenge.record["Escalated to"] }}\n')
    assert named_in_template(template, names) == [(1, "Outcome"), (2, "Escalated to")]


def test_a_tab_lists_its_columns_once_in_sheet_order_and_cannot_change():
    assert ChallengesTab.tab == CHALLENGES and ChallengesTab.columns == COLUMNS[CHALLENGES]
    assert list(HistoryTab) == ["When", "Reference", "Tab", "Action", "Step", "By", "Details", "Happened on"]
    assert COMPLIANCE_COLUMNS[0] is ComplianceTab.REFERENCE is ChallengesTab.REFERENCE
    with pytest.raises(AttributeError):
        ChallengesTab.THEME = personal("Theme")
    with pytest.raises(ValueError, match="twice"):
        class Twice(metaclass=Tab, tab="Twice"):
            A = kept("A")
            B = A


def test_a_column_copied_or_pickled_still_says_what_retention_does():
    for column in (ChallengesTab.RAISED_BY, ChallengesTab.THEME):
        for copied in (copy.deepcopy(column), pickle.loads(pickle.dumps(column))):
            assert copied == column and isinstance(copied, Column) and copied.personal == column.personal


def test_a_compliance_stage_has_only_the_columns_the_tab_has():
    first = stage_columns(COMPLIANCE, 2, first=2)
    assert first == {"record": "Line manager response", "responded_on": "Line manager responded on",
                     "concluded_on": "Stage 2 resolved or progressed on"}
    assert stage_columns(COMPLIANCE, 3, first=2) == {
        "record": ComplianceTab.STAGE_3_RECORD, "met_on": ComplianceTab.STAGE_3_MET_ON,
        "concluded_on": ComplianceTab.STAGE_3_CONCLUDED_ON}
    assert stage_columns(COMPLIANCE, 5, first=2) == {"escalated_on": ComplianceTab.STAGE_5_ESCALATED_ON,
                                                     "reasons": ComplianceTab.STAGE_5_REASONS}
    every = [c for stage in range(2, 6) for c in stage_columns(COMPLIANCE, stage, first=2).values()]
    assert all(c in ComplianceTab.columns for c in every)
