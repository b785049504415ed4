"""Where a challenge stands, at the edges a user would notice: steps with no deadline, start-by
dates, calendar-day timescales, a challenge raised at a weekend, and rows placed once per set
of dates. Named dates; every expected date is worked out by hand in the comment beside it."""
import datetime as dt
import tomllib

import pytest

from procedures import Calendar, ChallengeDates, Positions, position
from partnership.config import LIBRARY, load_library_procedure, parse_procedure
from procedures.engine import day_one

england = Calendar("ENG")
durham = load_library_procedure("durham-iro")
lscb = load_library_procedure("lscb-school")
pan_cheshire = load_library_procedure("pan-cheshire")

saturday_29_august_2026 = dt.date(2026, 8, 29)
summer_bank_holiday_2026 = dt.date(2026, 8, 31)
tuesday_1_september_2026 = dt.date(2026, 9, 1)
saturday_21_november_2026 = dt.date(2026, 11, 21)
sunday_22_november_2026 = dt.date(2026, 11, 22)
monday_23_november_2026 = dt.date(2026, 11, 23)
wednesday_25_november_2026 = dt.date(2026, 11, 25)
thursday_26_november_2026 = dt.date(2026, 11, 26)
tuesday_1_december_2026 = dt.date(2026, 12, 1)
wednesday_2_december_2026 = dt.date(2026, 12, 2)
thursday_3_december_2026 = dt.date(2026, 12, 3)
friday_4_december_2026 = dt.date(2026, 12, 4)
sunday_6_december_2026 = dt.date(2026, 12, 6)
tuesday_8_december_2026 = dt.date(2026, 12, 8)
wednesday_9_december_2026 = dt.date(2026, 12, 9)
thursday_10_december_2026 = dt.date(2026, 12, 10)
sunday_13_december_2026 = dt.date(2026, 12, 13)
monday_14_december_2026 = dt.date(2026, 12, 14)
monday_1_march_2027 = dt.date(2027, 3, 1)


# --- a challenge raised when nobody is at work -------------------------------------------------

def test_a_challenge_raised_on_a_sunday_starts_on_the_monday_not_the_tuesday():
    assert england.next_working_day(sunday_22_november_2026) == monday_23_november_2026
    assert day_one(england, sunday_22_november_2026) == monday_23_november_2026
    pos = position(pan_cheshire, england, ChallengeDates(sunday_22_november_2026), sunday_22_november_2026)
    # Pan Cheshire step 1 concludes on day 1: the Monday.
    assert (pos.day1, pos.conclude_by) == (monday_23_november_2026, monday_23_november_2026)


def test_a_saturday_before_a_bank_holiday_monday_starts_on_the_tuesday():
    assert not england.is_working_day(summer_bank_holiday_2026)
    assert england.next_working_day(saturday_29_august_2026) == tuesday_1_september_2026
    assert day_one(england, saturday_29_august_2026) == tuesday_1_september_2026


def test_counting_back_is_refused_with_a_message_that_says_why():
    with pytest.raises(ValueError, match="^days must not be negative$"):
        england.add_working_days(monday_23_november_2026, -1)


def test_a_calendar_given_no_nation_is_englands():
    assert Calendar().nation == "ENG"
    assert not Calendar().is_working_day(summer_bank_holiday_2026)


def test_working_days_back_to_an_earlier_day_are_counted_negative():
    assert england.working_days_between(wednesday_25_november_2026, monday_23_november_2026) == -2
    assert england.working_days_between(monday_23_november_2026, wednesday_25_november_2026) == 2


def test_a_working_day_is_its_own_next_working_day():
    assert england.next_working_day(monday_23_november_2026) == monday_23_november_2026
    assert day_one(england, tuesday_1_september_2026) == tuesday_1_september_2026


# --- a step with no deadline stays open ------------------------------------------------------

def test_durham_stage_5_has_no_deadline_and_stays_open_on_track_months_later():
    dates = ChallengeDates(monday_23_november_2026, step=5, step_started=monday_14_december_2026)
    pos = position(durham, england, dates, monday_1_march_2027)
    assert pos.conclude_by is None
    assert pos.status == "on track"
    assert pos.is_open
    assert pos.resolved_in_time is None


@pytest.mark.parametrize("step", [1, 3, 5])
def test_the_lscb_policy_sets_no_timescales_so_every_stage_stays_open_on_track(step):
    dates = ChallengeDates(monday_23_november_2026, step=step, step_started=wednesday_25_november_2026)
    pos = position(lscb, england, dates, monday_1_march_2027)
    assert pos.conclude_by is None
    assert pos.status == "on track"
    assert pos.is_open


def test_a_step_with_no_deadline_resolved_is_resolved_in_time():
    dates = ChallengeDates(monday_23_november_2026, step=5, step_started=monday_14_december_2026,
                           resolved_on=monday_1_march_2027)
    pos = position(durham, england, dates, monday_1_march_2027)
    assert pos.status == "resolved" and not pos.is_open
    assert pos.resolved_in_time is True


# --- start-by dates for procedures that set none of their own -----------------------------------

def test_durham_start_by_dates_follow_the_stage_before():
    pos = position(durham, england, ChallengeDates(monday_23_november_2026, step=2), monday_23_november_2026)
    # The record starts at stage 2 on day 1 (Monday 23rd), 3 working days: Thursday 26th;
    # stage 3 starts by then, 5 working days: Thursday 3 December; stage 4 by then, 7 working
    # days: Monday 14 December; stage 5 starts by then and has no deadline.
    assert [(t.step.number, t.state, t.start_by, t.conclude_by) for t in pos.timeline] == [
        (1, "before", None, None),
        (2, "current", monday_23_november_2026, thursday_26_november_2026),
        (3, "to come", thursday_26_november_2026, thursday_3_december_2026),
        (4, "to come", thursday_3_december_2026, monday_14_december_2026),
        (5, "to come", monday_14_december_2026, None),
    ]
    assert pos.start_by == monday_23_november_2026


def test_durham_a_stage_started_late_starts_by_the_stage_befores_deadline_and_runs_from_its_start():
    dates = ChallengeDates(monday_23_november_2026, step=3, step_started=tuesday_1_december_2026)
    pos = position(durham, england, dates, tuesday_1_december_2026)
    # Stage 2 was due Thursday 26th and concluded when stage 3 started (Tuesday 1st): late.
    # Stage 3 should have started by the 26th; its 5 working days run from the 1st: Tuesday 8th.
    stage2, stage3 = pos.timeline[1], pos.timeline[2]
    assert (stage2.start_by, stage2.conclude_by, stage2.concluded, stage2.late) == (
        monday_23_november_2026, thursday_26_november_2026, tuesday_1_december_2026, True)
    assert (stage3.started, stage3.start_by, stage3.conclude_by) == (
        tuesday_1_december_2026, thursday_26_november_2026, tuesday_8_december_2026)
    assert (pos.start_by, pos.conclude_by) == (thursday_26_november_2026, tuesday_8_december_2026)


def test_lscb_first_stage_starts_by_day_1_and_later_stages_have_no_start_by():
    pos = position(lscb, england, ChallengeDates(saturday_21_november_2026), saturday_21_november_2026)
    assert [t.start_by for t in pos.timeline] == [monday_23_november_2026, None, None, None, None]


# --- calendar-day timescales counted from the challenge -----------------------------------

CALENDAR_DAYS = parse_procedure("calendar.toml", {
    "slug": "calendar-days", "name": "Calendar days of the challenge", "unit": "calendar",
    "counted_from": "challenge",
    "steps": [
        {"name": "Talk", "role": "Practitioners", "conclude_by": 1},
        {"name": "Managers", "role": "Line managers", "start_by": 3, "conclude_by": 10},
        {"name": "Seniors", "role": "Senior managers", "start_by": {"days": 2, "counted_from": "step"},
         "conclude_by": {"days": 5, "counted_from": "step"}},
    ],
})


def test_calendar_day_timescales_count_days_of_the_challenge_weekends_included():
    pos = position(CALENDAR_DAYS, england, ChallengeDates(friday_4_december_2026), friday_4_december_2026)
    # Day 1 is Friday 4th; day 3 is Sunday 6th; day 10 is Sunday 13th. Step 3 starts 2 calendar
    # days after step 2's deadline (Tuesday 15th) and concludes 5 after it would start (the 13th + 5).
    assert [(t.start_by, t.conclude_by) for t in pos.timeline] == [
        (friday_4_december_2026, friday_4_december_2026),
        (sunday_6_december_2026, sunday_13_december_2026),
        (dt.date(2026, 12, 15), dt.date(2026, 12, 18)),
    ]


def test_calendar_days_count_from_day_1_when_raised_at_the_weekend():
    pos = position(CALENDAR_DAYS, england, ChallengeDates(saturday_21_november_2026, step=2,
                                                          step_started=monday_23_november_2026),
                   wednesday_2_december_2026)
    # Day 1 is Monday 23rd; day 10 is Wednesday 2 December: due today, so due soon, not yet overdue.
    assert pos.conclude_by == wednesday_2_december_2026
    assert pos.status == "due soon"
    later = position(CALENDAR_DAYS, england, ChallengeDates(saturday_21_november_2026, step=2,
                                                            step_started=monday_23_november_2026),
                     thursday_3_december_2026)
    assert later.status == "overdue"


# --- many rows: each set of dates placed once, and never mixed up -------------------------

def test_rows_differing_in_any_recorded_date_are_placed_apart():
    """Positions keeps one answer per set of dates: two rows that differ only in an earlier
    stage's start (rebuilt from the History) must not share one."""
    base = dict(raised_on=monday_23_november_2026, step=4, step_started=thursday_10_december_2026)
    rows = [
        ChallengeDates(**base, earlier_starts={3: tuesday_1_december_2026}),
        ChallengeDates(**base, earlier_starts={3: wednesday_2_december_2026}),
        ChallengeDates(**base),
        ChallengeDates(**{**base, "raised_on": wednesday_25_november_2026}),
        ChallengeDates(**{**base, "step": 3}),
        ChallengeDates(**{**base, "step_started": wednesday_9_december_2026}),
        ChallengeDates(**base, resolved_on=monday_14_december_2026),
        ChallengeDates(**base, withdrawn_on=monday_14_december_2026),
    ]
    today = monday_14_december_2026
    positions = Positions(durham, england, today)
    placed = [positions(dates) for dates in rows]
    assert placed == [position(durham, england, dates, today) for dates in rows]
    # Stage 3 started Tuesday 1st concludes Tuesday 8th; started Wednesday 2nd, Wednesday 9th.
    assert placed[0].timeline[2].conclude_by == tuesday_8_december_2026
    assert placed[1].timeline[2].conclude_by == wednesday_9_december_2026
    assert positions(rows[0]) is placed[0]


def test_positions_pass_on_the_due_soon_days():
    dates = ChallengeDates(monday_23_november_2026, step=2)
    # Stage 2 concludes Thursday 26th: two working days after Tuesday 24th.
    tuesday_24_november_2026 = dt.date(2026, 11, 24)
    assert Positions(durham, england, tuesday_24_november_2026, due_soon_days=1)(dates).status == "on track"
    assert Positions(durham, england, tuesday_24_november_2026, due_soon_days=2)(dates).status == "due soon"
    # As position() does, one working day is the default.
    assert Positions(durham, england, tuesday_24_november_2026)(dates).status == "on track"
    assert Positions(durham, england, dt.date(2026, 11, 25))(dates).status == "due soon"


def test_an_overall_timescale_falls_that_many_working_days_after_day_1():
    # Pan Cheshire with an overall timescale of 10 working days ("within 10 working days" of day 1,
    # Monday 23rd): Monday 7 December.
    with open(LIBRARY / "pan-cheshire.toml", "rb") as f:
        data = tomllib.load(f)
    data["total"] = 10
    timed = parse_procedure("test", data)
    pos = position(timed, england, ChallengeDates(monday_23_november_2026, step=1), monday_23_november_2026)
    assert pos.overall_due == dt.date(2026, 12, 7)


def test_a_step_concludes_when_a_step_up_to_the_current_one_started_never_a_later_one():
    # Pan Cheshire at step 2 with its start not typed, and a History that once had it at step 3
    # (the Step was then put back): step 1's conclusion is not known, not the step 3 date.
    dates = ChallengeDates(monday_23_november_2026, step=2, earlier_starts={3: wednesday_2_december_2026})
    pos = position(pan_cheshire, england, dates, thursday_3_december_2026)
    assert pos.timeline[0].state == "done" and pos.timeline[0].concluded is None
    # Step 3 is to come again: it has not started.
    assert pos.timeline[2].state == "to come" and pos.timeline[2].started is None
    started = ChallengeDates(monday_23_november_2026, step=2, step_started=wednesday_25_november_2026,
                             earlier_starts={3: wednesday_2_december_2026})
    assert position(pan_cheshire, england, started, thursday_3_december_2026).timeline[0].concluded \
        == wednesday_25_november_2026


def test_due_soon_is_one_working_day_before_unless_a_partnership_says_otherwise():
    # Durham stage 2 from Monday 23rd concludes Thursday 26th.
    dates = ChallengeDates(monday_23_november_2026, step=2)
    assert position(durham, england, dates, dt.date(2026, 11, 24)).status == "on track"
    assert position(durham, england, dates, wednesday_25_november_2026).status == "due soon"


def test_a_durham_record_begun_at_stage_1_runs_stage_2_from_its_escalation():
    # Raised Monday 23rd at stage 1, escalated to stage 2 on Wednesday 25th (History), to stage 3 on
    # Tuesday 1 December: stage 2's 3 working days ran from the 25th, to Monday 30th.
    dates = ChallengeDates(monday_23_november_2026, step=3, step_started=tuesday_1_december_2026,
                           earlier_starts={2: wednesday_25_november_2026})
    stage2 = position(durham, england, dates, tuesday_1_december_2026).timeline[1]
    assert (stage2.started, stage2.conclude_by, stage2.concluded) == (
        wednesday_25_november_2026, dt.date(2026, 11, 30), tuesday_1_december_2026)


def test_a_step_start_left_blank_is_taken_from_the_history():
    # Pan Cheshire counts from the challenge, so a blank Step started is allowed; the History says
    # step 2 started Wednesday 25th and step 3 Wednesday 2 December.
    dates = ChallengeDates(monday_23_november_2026, step=3,
                           earlier_starts={2: wednesday_25_november_2026, 3: wednesday_2_december_2026})
    pos = position(pan_cheshire, england, dates, thursday_3_december_2026)
    assert pos.timeline[2].started == wednesday_2_december_2026
    assert pos.timeline[1].concluded == wednesday_2_december_2026


def test_steps_after_the_one_a_challenge_was_resolved_at_have_no_dates():
    dates = ChallengeDates(monday_23_november_2026, step=2, step_started=wednesday_25_november_2026,
                           resolved_on=thursday_26_november_2026, earlier_starts={3: tuesday_1_december_2026})
    pos = position(pan_cheshire, england, dates, thursday_3_december_2026)
    assert [(t.state, t.started, t.start_by, t.conclude_by, t.concluded) for t in pos.timeline[2:]] == [
        ("not needed", None, None, None, None)] * 2
    assert [t.step for t in pos.timeline] == list(pan_cheshire.steps)
    assert pos.timeline[1].concluded == thursday_26_november_2026


def test_a_first_step_whose_start_by_counts_from_its_own_start_has_none():
    procedure = parse_procedure("own-start.toml", {
        "slug": "own-start", "name": "Counted from each step", "counted_from": "step",
        "steps": [{"name": "Talk", "role": "Practitioners", "start_by": 1, "conclude_by": 2},
                  {"name": "Managers", "role": "Line managers", "start_by": 1, "conclude_by": 3}]})
    pos = position(procedure, england, ChallengeDates(monday_23_november_2026), monday_23_november_2026)
    # Step 1 concludes 2 working days after day 1 (Wednesday 25th); step 2 should start a working
    # day after that (Thursday 26th) and conclude 3 working days after step 1 is due to (Monday 30th).
    assert [(t.start_by, t.conclude_by) for t in pos.timeline] == [
        (None, wednesday_25_november_2026), (thursday_26_november_2026, dt.date(2026, 11, 30))]


@pytest.mark.parametrize("procedure", [pan_cheshire, durham, lscb], ids=["pan-cheshire", "durham", "lscb"])
def test_challenges_sharing_a_timeline_are_placed_as_each_would_be_alone(procedure):
    """Positions works out a timeline once for every challenge with the same raised date, step and
    step starts, ended or not; each challenge's own end date must still show (the current step's
    concluded date, the days elapsed, resolved in time or not)."""
    import random
    rng = random.Random(7)
    today = dt.date(2027, 3, 30)
    numbers = [s.number for s in procedure.steps]
    dates = []
    for _ in range(2000):
        raised = today - dt.timedelta(days=rng.randrange(0, 40, 3))
        step = rng.choice(numbers)
        started = raised + dt.timedelta(days=rng.choice((0, 2, 5))) if step > numbers[0] else None
        ended = raised + dt.timedelta(days=rng.randrange(1, 30))
        end = rng.choice(("open", "resolved", "withdrawn"))
        earlier = {numbers[0]: raised} if step > numbers[0] and rng.random() < 0.3 else {}
        dates.append(ChallengeDates(raised, step, started, ended if end == "resolved" else None,
                                    ended if end == "withdrawn" else None, earlier))
    where = Positions(procedure, england, today, due_soon_days=2)
    placed = [where(d) for d in dates]
    assert placed == [position(procedure, england, d, today, due_soon_days=2) for d in dates]
    assert len(where._timelines) < len(where._known) / 2  # timelines were shared
    ended = [p for p, d in zip(placed, dates) if d.resolved_on]
    assert len({(p.timeline[p.step.number - 1].concluded, p.working_days_elapsed) for p in ended}) > 20


def test_a_resolved_challenges_last_step_keeps_its_start_and_deadlines_and_concludes_that_day():
    # Pan Cheshire raised Monday 23rd, at step 2 since Wednesday 25th, resolved Thursday 3 December.
    open_ = ChallengeDates(monday_23_november_2026, step=2, step_started=wednesday_25_november_2026)
    resolved = ChallengeDates(monday_23_november_2026, step=2, step_started=wednesday_25_november_2026,
                              resolved_on=thursday_3_december_2026)
    before = position(pan_cheshire, england, open_, wednesday_2_december_2026).timeline[1]
    after = position(pan_cheshire, england, resolved, thursday_10_december_2026)
    step2 = after.timeline[1]
    # Step 2 should start by day 3 (Wednesday 25th) and was started that day.
    assert (step2.started, step2.start_by) == (wednesday_25_november_2026, wednesday_25_november_2026)
    assert (step2.started, step2.start_by, step2.conclude_by) == (before.started, before.start_by, before.conclude_by)
    assert step2.concluded == thursday_3_december_2026 and before.concluded is None
    assert (after.start_by, after.conclude_by) == (step2.start_by, step2.conclude_by)
    assert after.status == "resolved"
