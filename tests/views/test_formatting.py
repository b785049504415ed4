"""One way to write dates, times and History lines, in the partnership's time zone."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from app import create_app
from procedures.values import display_date, display_time
from views.formatting import history_heading, history_time, recorded_time

LONDON = ZoneInfo("Europe/London")
monday_30_november_2026 = dt.date(2026, 11, 30)


def test_a_date_is_written_the_gov_uk_way():
    assert display_date(monday_30_november_2026) == "30 November 2026"
    assert display_date(dt.date(2027, 1, 3)) == "3 January 2027"


def test_a_time_says_its_zone_and_follows_summer_time():
    assert display_time(dt.datetime(2026, 11, 30, 14, 5, tzinfo=dt.timezone.utc), LONDON) \
        == "30 November 2026 at 2:05pm (GMT)"
    assert display_time(dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.timezone.utc), LONDON) \
        == "1 July 2026 at 12:30am (BST)"


@pytest.mark.parametrize("row, said", [
    ({"Action": "Escalated", "Step": "2"}, "Escalated from step 1 to step 2"),
    ({"Action": "Escalated", "Step": "4"}, "Escalated from step 3 to step 4"),
    ({"Action": "Resolved", "Step": "2"}, "Resolved at step 2"),
    ({"Action": "Raised", "Step": ""}, "Raised"),
])
def test_history_says_what_happened_at_which_step(row, said):
    assert history_heading(row, "Step") == said


def test_history_does_not_name_a_stage_twice():
    assert history_heading({"Action": "Stage 3 meeting", "Step": "3"}, "Stage") == "Stage 3 meeting"
    assert history_heading({"Action": "Escalated", "Step": "5"}, "Stage") == "Escalated from stage 4 to stage 5"


def test_history_times_are_written_and_shown_in_the_partnerships_zone(app):
    with app.app_context():
        written = history_time(dt.datetime(2026, 7, 1, 13, 5, tzinfo=dt.timezone.utc))
        assert written == "2026-07-01 14:05"
        assert recorded_time(written) == "1 July 2026 at 2:05pm (BST)"
        assert recorded_time("sometime last week") == "sometime last week"  # a person's edit, shown as typed


def test_another_time_zone_can_be_chosen(app):
    app.extensions["timezone"] = ZoneInfo("America/New_York")
    with app.app_context():
        assert history_time(dt.datetime(2026, 11, 30, 14, 5, tzinfo=dt.timezone.utc)) == "2026-11-30 09:05"
        assert recorded_time("2026-11-30 09:05") == "30 November 2026 at 9:05am (EST)"


def test_an_unknown_time_zone_stops_the_app_with_a_message(app):
    with pytest.raises(SystemExit, match="TIMEZONE 'Mars/Olympus' is not a time zone name"):
        create_app({**app.config, "TIMEZONE": "Mars/Olympus"})
