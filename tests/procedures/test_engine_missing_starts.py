"""A stage whose deadline counts from its own start, with that start not recorded (a row
`sheet check` reports): the engine leaves its deadline blank rather than guess one."""
import datetime as dt

from partnership.config import load_library_procedure
from procedures import Calendar, ChallengeDates, position

england = Calendar("ENG")
durham = load_library_procedure("durham-iro")

monday_23_november_2026 = dt.date(2026, 11, 23)
thursday_26_november_2026 = dt.date(2026, 11, 26)
thursday_10_december_2026 = dt.date(2026, 12, 10)
monday_1_march_2027 = dt.date(2027, 3, 1)


def test_a_durham_stage_with_no_recorded_start_has_no_deadline_and_is_not_overdue():
    # At stage 3 with Step started blank: stage 2 ran from day 1 (Monday 23rd) to Thursday 26th;
    # stage 3's 5 working days count from a start nobody recorded, so it has no conclude-by date,
    # even months later (had it been guessed from stage 2's deadline, it would be overdue).
    pos = position(durham, england, ChallengeDates(monday_23_november_2026, step=3), monday_1_march_2027)
    stage2, stage3 = pos.timeline[1], pos.timeline[2]
    assert (stage2.started, stage2.conclude_by) == (monday_23_november_2026, thursday_26_november_2026)
    assert (stage3.state, stage3.started, stage3.start_by, stage3.conclude_by) == (
        "current", None, thursday_26_november_2026, None)
    assert pos.conclude_by is None
    assert pos.status == "on track"


def test_a_finished_durham_stage_with_no_recorded_start_has_no_deadline_and_is_not_late():
    # At stage 4 (started Thursday 10 December) with no record of when stage 3 started.
    dates = ChallengeDates(monday_23_november_2026, step=4, step_started=thursday_10_december_2026)
    stage3 = position(durham, england, dates, monday_1_march_2027).timeline[2]
    assert (stage3.state, stage3.started, stage3.conclude_by) == ("done", None, None)
    assert stage3.concluded == thursday_10_december_2026
    assert not stage3.late
