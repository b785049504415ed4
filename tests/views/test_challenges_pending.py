"""Kept submissions: written in order, resumed where they stopped, set aside when they never can be."""
from __future__ import annotations

from sheets.base import SheetUnavailable
from sheets.schema import CHALLENGES, HISTORY
from tests.views.challenge_pages import app, partnership, workbook  # noqa: F401 (fixtures)
from sheets import pending

ROW = {"Reference": "DEMO-KEPT22", "Raised on": "2026-11-20", "Step": "1", "Submission ID": "kept-1"}
HISTORY_ROW = {"When": "2026-11-20 10:00", "Reference": "DEMO-KEPT22", "Tab": CHALLENGES, "Action": "Raised"}


def keep(app, writes, submission_id="kept-1"):
    return pending.save(app.config, "demo", submission_id, "DEMO-KEPT22", writes)


def test_a_write_that_can_never_be_made_is_set_aside_and_the_rest_go_on(app, partnership, workbook):
    keep(app, [{"op": "update", "changes": {CHALLENGES: {"DEMO-NOSUCH": {"Step": "2"}}}}], "a-broken")
    keep(app, [{"op": "append", "tab": CHALLENGES, "rows": [ROW], "key": "kept-1"}], "b-good")
    assert pending.flush_pending(app.config, partnership, workbook) == 1
    assert [r.reference for r in workbook.read(CHALLENGES).records] == ["DEMO-KEPT22"]
    assert pending.waiting(app.config, "demo") == []
    assert pending.set_aside(app.config, "demo") == ["a-broken"]


class FailsAfter:
    """A workbook that answers ``good`` writes, then stops answering."""

    def __init__(self, real, good: int):
        self.real, self.good = real, good

    def read(self, tab):
        return self.real.read(tab)

    def read_all(self, tabs):
        return self.real.read_all(tabs)

    def _write(self) -> None:
        if self.good == 0:
            raise SheetUnavailable("gone")
        self.good -= 1

    def append_many(self, rows):
        self._write()
        self.real.append_many(rows)

    def update(self, changes):
        self._write()
        self.real.update(changes)


def test_a_flush_cut_short_resumes_where_it_stopped(app, partnership, workbook):
    keep(app, [{"op": "append", "tab": CHALLENGES, "rows": [ROW], "key": "kept-1"},
               {"op": "update", "changes": {CHALLENGES: {"DEMO-KEPT22": {"Step": "2"}}}},
               {"op": "append", "tab": HISTORY, "rows": [HISTORY_ROW], "key": None}])
    assert pending.flush_pending(app.config, partnership, FailsAfter(workbook, good=1)) == 0
    [left] = pending.waiting(app.config, "demo")
    assert [w["op"] for w in pending.find(app.config, "demo", left)["writes"]] == ["update", "append"]
    assert pending.flush_pending(app.config, partnership, workbook) == 1
    assert [r["Step"] for r in workbook.read(CHALLENGES).records] == ["2"]
    assert len(workbook.read(HISTORY).records) == 1
