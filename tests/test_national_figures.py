"""A small version of the night benchmarks/national.py measures: five partnerships on one quota,
scaled down so that the job needs more than one window of it, while 20 people browse."""
from __future__ import annotations

from benchmarks.national import QUICK, run


def test_a_night_on_one_quota_meets_no_429_and_every_page_answers():
    figures = run(QUICK)
    assert figures.done == QUICK.partnerships and figures.failed == []
    assert figures.refusals == 0  # paced: Google never had to refuse a call
    assert figures.pages >= QUICK.people * 6 and not figures.pages_failed
    # While the job had the quota, pages showed the copy they had, saying how old, not an error.
    assert figures.pages_older > 0 and 1 <= figures.oldest_minutes <= 10
    # The job did wait for the quota: its calls were paced, not merely few.
    assert figures.job_waited >= 60
    assert figures.minutes < 3
    assert figures.slowest_simulated <= 2.0
