"""Workers starting together on a new state file: every one opens the store (gunicorn starts its
workers at once, and one that could not would stop the whole server)."""
from __future__ import annotations

import multiprocessing

from state.sqlite import SQLiteStore


def _open(url, barrier, results):
    barrier.wait()
    try:
        SQLiteStore(url).put("started", "yes")
        results.put("opened")
    except Exception as e:  # the test reports what any worker met
        results.put(repr(e))


def test_six_workers_opening_a_new_state_file_at_once_all_open_it(tmp_path):
    context = multiprocessing.get_context("fork")
    for trial in range(10):
        url = f"sqlite:///{tmp_path}/state-{trial}.sqlite3"
        barrier, results = context.Barrier(6), context.Queue()
        workers = [context.Process(target=_open, args=(url, barrier, results)) for _ in range(6)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert [results.get(timeout=5) for _ in workers] == ["opened"] * 6, f"trial {trial}"
