"""Small versions of the figures benchmarks/faults.py prints: submissions to a flaky Google, and the
daily job killed with SIGKILL part way and run again."""
from __future__ import annotations

from benchmarks.faults import FAULTS, job_killed, submissions_to_flaky_google


def test_submissions_to_a_flaky_google_are_neither_lost_nor_doubled():
    result = submissions_to_flaky_google(15, rate=0.1, seed=7)
    assert set(result["injected"]) == set(FAULTS), "every kind of fault was met"
    assert set(result["statuses"]) <= {302}
    assert (result["lost"], result["doubled"], result["history_lost"], result["history_doubled"]) == (0, 0, 0, 0)
    assert result["still_kept"] == 0 and result["set_aside"] == 0


def test_the_job_killed_part_way_and_run_again_loses_nothing():
    result = job_killed(5, kills=1, per_workbook=1, longest=2.5, seed=3)
    assert result["owed per workbook"] >= 15
    assert result["lost"] == 0 and result["unexpected"] == 0 and result["unfinished workbooks"] == 0
    # The write-ahead journal notes an email before sending it and after: a kill between the send and the
    # second note sends it again on the next run, with the same Message-ID; at most one email per kill.
    assert result["extra copies"] <= result["kills"]
