"""`flask --app app jobs retention`, and retention once a week from `jobs run`, on the demo partnership."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from partnership import partnerships_of
from jobs.retention import ANONYMISED
from procedures.values import display_date, parse_date
from sheets.open import open_workbook
from sheets.schema import CHALLENGES, HISTORY

UNSET = '''slug = "unset"
name = "A partnership that has not decided"
nation = "ENG"
procedure = "pan-cheshire"

[sheet]
backend = "local"
path = "instance/unset.xlsx"

[email]
from = "a@unset.example"
business_support = "b@unset.example"
partnership_manager = "c@unset.example"
'''

MONDAY = "2030-01-07"  # years after every demo challenge closed (24 months kept)
TUESDAY = "2030-01-08"


@pytest.fixture
def demo(app, runner):
    """The demo workbook (a resolved challenge among open ones), as `make run` creates it."""
    result = runner.invoke(args=["demo", "init"])
    assert result.exit_code == 0, result.output
    return open_workbook(partnerships_of(app)["demo"])


def resolved(book) -> dict[str, str]:
    return dict(next(r for r in book.read(CHALLENGES).records if r["Resolved on"]).values)


def test_help_explains_the_command_with_examples(runner):
    result = runner.invoke(args=["jobs", "retention", "--help"])
    assert result.exit_code == 0
    for text in ("--partnership SLUG", "--today YYYY-MM-DD", "--dry-run", "anonymise_after_months",
                 "flask --app app jobs retention --partnership demo --today 2026-12-07"):
        assert text in result.output


def test_a_dry_run_lists_and_a_run_clears_then_a_second_changes_nothing(demo, runner):
    before = resolved(demo)
    assert before["Raised by"] and before["Raiser email"]

    dry = runner.invoke(args=["jobs", "retention", "--partnership", "demo", "--today", MONDAY, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output.splitlines()[0] == ("demo (dry run): 1 challenge closed before 7 January 2028 would be "
                                          "anonymised (17 cells); nothing was changed")
    closed = display_date(parse_date(before["Resolved on"]))
    assert f"  {before['Reference']} (resolved {closed}): Challenges: Raised by," in dry.output
    assert resolved(demo) == before

    run = runner.invoke(args=["jobs", "retention", "--today", MONDAY])
    assert run.exit_code == 0, run.output
    assert run.output.splitlines()[0] == "demo: 1 challenge closed before 7 January 2028 anonymised (17 cells cleared)"
    after = resolved(demo)
    assert "Raised by" not in after and "Raiser email" not in after and after["Theme"] == before["Theme"]
    history = [r for r in demo.read(HISTORY).records if r.reference == before["Reference"]]
    assert [r["Action"] for r in history][-1] == ANONYMISED

    again = runner.invoke(args=["jobs", "retention", "--today", MONDAY])
    assert again.output.splitlines() == ["demo: 0 challenges closed before 7 January 2028 anonymised (0 cells cleared)"]


def test_a_partnership_without_the_setting_is_refused_in_one_line_and_the_others_still_run(
        demo, partnerships_dir: Path, tmp_path: Path):
    (partnerships_dir / "unset.toml").write_text(UNSET)
    from app import create_app
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "PARTNERSHIPS_DIR": str(partnerships_dir),
                      "BASE_DIR": str(tmp_path), "STATE_URL": f"sqlite:///{tmp_path}/state.sqlite3"})
    result = app.test_cli_runner().invoke(args=["jobs", "retention", "--today", MONDAY])
    assert result.exit_code == 1
    assert ("unset: retention is not set: add [retention] anonymise_after_months = N to "
            f"{partnerships_dir / 'unset.toml'} (the months your data protection officer agreed); "
            "nothing was changed") in result.output.splitlines()
    assert "demo: 1 challenge closed before 7 January 2028 anonymised (17 cells cleared)" in result.output


def test_the_daily_job_runs_retention_on_the_partnerships_weekday_only(demo, runner):
    before = resolved(demo)
    tuesday = runner.invoke(args=["jobs", "run", "--partnership", "demo", "--today", TUESDAY])
    assert tuesday.exit_code == 0, tuesday.output
    assert "anonymised" not in tuesday.output and resolved(demo) == before

    dry = runner.invoke(args=["jobs", "run", "--partnership", "demo", "--today", MONDAY, "--dry-run"])
    assert "demo (dry run): 1 challenge closed before 7 January 2028 would be anonymised" in dry.output
    assert resolved(demo) == before

    monday = runner.invoke(args=["jobs", "run", "--partnership", "demo", "--today", MONDAY])
    assert monday.exit_code == 0, monday.output
    assert "demo: 1 challenge closed before 7 January 2028 anonymised (17 cells cleared)" in monday.output
    assert "Raised by" not in resolved(demo)
    assert dt.date.fromisoformat(MONDAY).weekday() == 0
