"""docs/data-protection.md stays true: every column the app owns is described under its tab, and
whether retention keeps or clears it is what sheets/schema.py says."""
from __future__ import annotations

import re
from pathlib import Path

from sheets.schema import COLUMNS, SUMMARY

DOC = Path(__file__).resolve().parents[1] / "docs" / "data-protection.md"


def described() -> dict[str, dict[str, tuple[str, str]]]:
    """{tab: {column: (what it holds, "kept" | "personal")}} from the doc's column tables."""
    tabs: dict[str, dict[str, tuple[str, str]]] = {}
    tab = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^### (\w+) tab$", line)
        if heading:
            tab = heading.group(1)
            tabs[tab] = {}
            continue
        row = re.match(r"^\| `([^`]+)` \| (.+?) \| (\w+) \|$", line)
        if tab and row:
            tabs[tab][row.group(1)] = (row.group(2).strip(), row.group(3))
    return tabs


def test_every_tab_and_every_column_is_described_with_what_retention_does():
    doc = described()
    assert set(doc) == set(COLUMNS), "each tab needs its '### <Tab> tab' section"
    for tab, columns in COLUMNS.items():
        assert list(doc[tab]) == [str(c) for c in columns], f"{tab}: describe every column, in the schema's order"
        for column in columns:
            what, retention = doc[tab][column]
            assert what, f"{tab}: {column} says nothing about what it holds"
            assert retention == ("personal" if column.personal else "kept"), f"{tab}: {column}"
    assert doc[SUMMARY] == {}


def test_the_doc_names_the_stores_processors_and_protections():
    text = DOC.read_text(encoding="utf-8")
    for needed in ("## Where it is stored", "## Who can see it", "## Processors", "## How long it is kept",
                   "## How it is protected", "## The access log", "Google", "GOV.UK Notify",
                   "anonymise_after_months", "version history"):
        assert needed in text
