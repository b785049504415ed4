"""Where a challenge stands: every shipped procedure's timeline, with named dates."""
import datetime as dt

import pytest

from procedures import Calendar, ChallengeDates, position
from partnership.config import library_slugs, load_library_procedure

england = Calendar("ENG")
pan_cheshire = load_library_procedure("pan-cheshire")
durham = load_library_procedure("durham-iro")

saturday_21_november_2026 = dt.date(2026, 11, 21)
monday_23_november_2026 = dt.date(2026, 11, 23)
tuesday_24_november_2026 = dt.date(2026, 11, 24)
wednesday_25_november_2026 = dt.date(2026, 11, 25)
friday_27_november_2026 = dt.date(2026, 11, 27)
friday_4_december_2026 = dt.date(2026, 12, 4)
tuesday_15_december_2026 = dt.date(2026, 12, 15)
tuesday_22_december_2026 = dt.date(2026, 12, 22)
thursday_24_december_2026 = dt.date(2026, 12, 24)
wednesday_6_january_2027 = dt.date(2027, 1, 6)
wednesday_13_january_2027 = dt.date(2027, 1, 13)
friday_15_january_2027 = dt.date(2027, 1, 15)
friday_22_january_2027 = dt.date(2027, 1, 22)
monday_22_march_2027 = dt.date(2027, 3, 22)


def dates_of(pos):
    return [(t.step.number, t.start_by, t.conclude_by) for t in pos.timeline]


def test_pan_cheshire_timeline_over_christmas():
    pos = position(pan_cheshire, england, ChallengeDates(tuesday_22_december_2026), tuesday_22_december_2026)
    assert dates_of(pos) == [
        (1, tuesday_22_december_2026, tuesday_22_december_2026),
        (2, thursday_24_december_2026, wednesday_6_january_2027),
        (3, wednesday_6_january_2027, wednesday_13_january_2027),
        (4, friday_15_january_2027, friday_22_january_2027),
    ]
    assert pos.step.number == 1
    assert pos.next_step.name == "Line managers and safeguarding leads"
    assert pos.status == "due soon"


def test_durham_timeline_adds_up_to_16_working_days():
    pos = position(durham, england, ChallengeDates(monday_23_november_2026), monday_23_november_2026)
    assert [t.conclude_by for t in pos.timeline] == [
        tuesday_24_november_2026, friday_27_november_2026, friday_4_december_2026, tuesday_15_december_2026, None,
    ]
    assert pos.overall_due == tuesday_15_december_2026
    assert england.working_days_between(monday_23_november_2026, tuesday_15_december_2026) == 16
    assert durham.may_bypass
    assert durham.final_escalation == "DSCP Executive"


def test_durham_over_easter_2027():
    pos = position(durham, england, ChallengeDates(monday_22_march_2027), monday_22_march_2027)
    assert [t.conclude_by for t in pos.timeline] == [
        dt.date(2027, 3, 23), dt.date(2027, 3, 30), dt.date(2027, 4, 6), dt.date(2027, 4, 15), None,
    ]


def test_durham_stage_deadline_counts_from_the_day_the_stage_started():
    dates = ChallengeDates(monday_23_november_2026, step=2, step_started=wednesday_25_november_2026)
    pos = position(durham, england, dates, wednesday_25_november_2026)
    assert pos.conclude_by == dt.date(2026, 11, 30)
    # Stage 1 is the informal discussion held before the form is sent: it has no dates on the record.
    assert pos.timeline[0].state == "before" and pos.timeline[0].conclude_by is None
    assert pos.timeline[1].started == wednesday_25_november_2026


def test_durham_stages_done_show_the_day_they_concluded_and_later_stages_are_not_needed_once_resolved():
    dates = ChallengeDates(monday_23_november_2026, step=3, step_started=wednesday_25_november_2026,
                           resolved_on=dt.date(2026, 11, 27))
    pos = position(durham, england, dates, dt.date(2026, 11, 30))
    assert [t.state for t in pos.timeline] == ["before", "done", "current", "not needed", "not needed"]
    stage2 = pos.timeline[1]
    assert stage2.started == monday_23_november_2026            # the form was sent
    assert stage2.conclude_by == dt.date(2026, 11, 26)          # 3 working days from its start
    assert stage2.concluded == wednesday_25_november_2026       # when stage 3 started
    assert pos.timeline[2].concluded == dt.date(2026, 11, 27)
    assert pos.timeline[3].conclude_by is None and pos.timeline[4].start_by is None


def test_a_withdrawn_pan_cheshire_challenge_needs_no_later_steps():
    pos = position(pan_cheshire, england, ChallengeDates(monday_23_november_2026, withdrawn_on=monday_23_november_2026),
                   dt.date(2026, 11, 30))
    assert [t.state for t in pos.timeline] == ["current", "not needed", "not needed", "not needed"]


def test_a_challenge_raised_on_a_saturday_starts_on_monday():
    pos = position(pan_cheshire, england, ChallengeDates(saturday_21_november_2026), saturday_21_november_2026)
    assert pos.day1 == monday_23_november_2026
    assert pos.conclude_by == monday_23_november_2026
    assert pos.working_days_elapsed == 0


def test_status_moves_from_on_track_to_due_soon_to_overdue():
    dates = ChallengeDates(tuesday_22_december_2026, step=2, step_started=thursday_24_december_2026)
    on = lambda day: position(pan_cheshire, england, dates, day).status  # noqa: E731
    assert on(dt.date(2026, 12, 29)) == "on track"
    assert on(dt.date(2027, 1, 5)) == "due soon"
    assert on(wednesday_6_january_2027) == "due soon"
    assert on(dt.date(2027, 1, 7)) == "overdue"


def test_due_soon_window_comes_from_the_partnership():
    dates = ChallengeDates(tuesday_22_december_2026, step=2, step_started=thursday_24_december_2026)
    pos = position(pan_cheshire, england, dates, dt.date(2027, 1, 4), due_soon_days=2)
    assert pos.status == "due soon"


def test_a_step_concluded_late_shows_on_the_timeline():
    dates = ChallengeDates(tuesday_22_december_2026, step=3, step_started=dt.date(2027, 1, 8),
                           earlier_starts={2: thursday_24_december_2026})
    pos = position(pan_cheshire, england, dates, dt.date(2027, 1, 8))
    step2 = pos.timeline[1]
    assert step2.state == "done"
    assert step2.concluded == dt.date(2027, 1, 8)
    assert step2.late
    assert not pos.timeline[2].late
    assert pos.timeline[2].state == "current"
    assert pos.timeline[3].state == "to come"


def test_resolved_and_withdrawn():
    resolved = position(pan_cheshire, england,
                        ChallengeDates(tuesday_22_december_2026, step=2, step_started=thursday_24_december_2026,
                                       resolved_on=dt.date(2027, 1, 8)), dt.date(2027, 2, 1))
    assert resolved.status == "resolved"
    assert resolved.resolved_in_time is False
    assert resolved.working_days_elapsed == england.working_days_between(tuesday_22_december_2026, dt.date(2027, 1, 8))
    on_time = position(pan_cheshire, england,
                       ChallengeDates(tuesday_22_december_2026, resolved_on=tuesday_22_december_2026), dt.date(2027, 2, 1))
    assert on_time.resolved_in_time is True
    withdrawn = position(pan_cheshire, england,
                         ChallengeDates(tuesday_22_december_2026, withdrawn_on=dt.date(2026, 12, 23)), dt.date(2027, 2, 1))
    assert withdrawn.status == "withdrawn"
    assert not withdrawn.is_open


def test_recomputed_from_dates_correcting_a_date_corrects_the_deadline():
    wrong = position(pan_cheshire, england, ChallengeDates(dt.date(2026, 12, 1), step=2), dt.date(2026, 12, 1))
    right = position(pan_cheshire, england, ChallengeDates(tuesday_22_december_2026, step=2), dt.date(2026, 12, 1))
    assert wrong.conclude_by == dt.date(2026, 12, 11)
    assert right.conclude_by == wednesday_6_january_2027


@pytest.mark.parametrize("slug", library_slugs())
def test_every_shipped_procedure_cites_its_seed_and_has_a_full_timeline(slug):
    procedure = load_library_procedure(slug)
    assert procedure.source.startswith("seeds/")
    assert procedure.final_escalation
    assert procedure.reporting_step is not None
    pos = position(procedure, england, ChallengeDates(monday_23_november_2026), monday_23_november_2026)
    assert len(pos.timeline) == len(procedure.steps)
    due = [t.conclude_by for t in pos.timeline if t.conclude_by]
    assert due == sorted(due)


def test_lscb_policy_reports_at_stage_3_and_darlington_tops_out_at_the_scrutineer():
    lscb = load_library_procedure("lscb-school")
    assert len(lscb.steps) == 5
    assert lscb.reporting_step.number == 3
    darlington = load_library_procedure("darlington")
    assert darlington.final_escalation == "DSP Independent Scrutineer"
    assert load_library_procedure("pan-cheshire").reporting_step.number == 4


def test_steps_typed_into_the_sheet_are_read():
    assert durham.parse_step("Stage 3") == 3
    assert durham.parse_step("3") == 3
    assert durham.parse_step(3.0) == 3
    assert pan_cheshire.parse_step("step 4") == 4
    assert pan_cheshire.parse_step("Statutory Partners") == 4
    assert pan_cheshire.parse_step("5") is None
    assert pan_cheshire.parse_step("soon") is None
