"""Submissions kept while the spreadsheet cannot be reached, and writing them later.

They live in the state store (``state``: the SQLite file, or Redis across machines), so a
submission kept on one instance is written from any instance: before the next form's own
answers, by ``flask jobs write-kept`` and by the daily job. Each holds the writes still to be
made, in order; ``flush_pending`` makes them and forgets the submission, so an answer is never
lost. This module only stores and writes: the caller decides what to send once one is written. One that can never be written (its row was deleted
meanwhile) is set aside in the store for a person to look at (``set_aside`` lists them).
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping

from partnership.config import Partnership
from sheets.base import SheetError, SheetUnavailable, Workbook, rows_present
from sheets.schema import SUBMISSION_ID
from state import Busy, store_for

logger = logging.getLogger(__name__)

# One write still to be made: {"op": "append", "tab": ..., "rows": [...], "key": submission id or None}
# or {"op": "update", "changes": {tab: {reference: {column: value}}}}.
Write = dict[str, Any]

LOCK_SECONDS = 300  # a holder that died frees the lock after this long
WAIT_SECONDS = 30


@contextmanager
def lock(config: Mapping[str, Any], slug: str) -> Iterator[None]:
    """Held while a partnership's kept submissions are checked and written, by any worker on any instance."""
    try:
        with store_for(config).lock(f"pending:{slug}", expire_seconds=LOCK_SECONDS, wait_seconds=WAIT_SECONDS):
            yield
    except Busy:
        raise SheetUnavailable("another worker is writing this partnership's kept submissions; try again") from None


def save(config: Mapping[str, Any], slug: str, submission_id: str, reference: str,
         writes: list[Write], email: Mapping[str, str] | None = None) -> str:
    """Keep a submission's writes (and the email to send once written), durably; returns its id."""
    data = {"submission_id": submission_id, "reference": reference, "writes": writes,
            "email": dict(email) if email else None}
    store_for(config).keep(slug, submission_id, data)
    return submission_id


def find(config: Mapping[str, Any], slug: str, submission_id: str) -> dict[str, Any] | None:
    """The kept submission with this id, if it is still waiting."""
    return store_for(config).kept(slug, submission_id)


def waiting(config: Mapping[str, Any], slug: str) -> list[str]:
    """The ids of the partnership's kept submissions, oldest first."""
    return store_for(config).kept_ids(slug)


def set_aside(config: Mapping[str, Any], slug: str) -> list[str]:
    """The ids of kept submissions that could never be written, for business support to look at."""
    return store_for(config).set_aside_ids(slug)


def apply(workbook: Workbook, writes: list[Write], on_done: Callable[[list[Write]], None] | None = None,
          *, keys_checked: bool = False, recheck: bool = False) -> None:
    """Make ``writes`` in order, consecutive appends together as one write (``append_many``).

    An append keyed by a submission id already in its tab is skipped, so writing a submission
    twice records it once; ``keys_checked`` says the caller has just looked and saves a read.
    ``recheck`` (writing kept submissions, whose first try may have landed with its reply lost)
    reads every tab appended to first and skips rows already there, keyed or not (a History row
    is recognised by its values). After each write ``on_done`` gets what is left.
    """
    remaining = list(writes)
    while remaining:
        if remaining[0]["op"] == "append":
            count = next((i for i, w in enumerate(remaining) if w["op"] != "append"), len(remaining))
            batch = remaining[:count]
            if recheck:
                tables = workbook.read_all(list(dict.fromkeys(w["tab"] for w in batch)))
                batch = [w for w in batch if not rows_present(tables[w["tab"]], w["rows"])]
            elif not keys_checked:
                keyed = list(dict.fromkeys(w["tab"] for w in batch if w.get("key")))
                tables = workbook.read_all(keyed) if keyed else {}
                batch = [w for w in batch if not (w.get("key") and any(
                    r[SUBMISSION_ID] == w["key"] for r in tables[w["tab"]].records))]
            rows: dict[str, list] = {}
            for write in batch:
                rows.setdefault(write["tab"], []).extend(write["rows"])
            workbook.append_many(rows)
            del remaining[:count]
        else:
            workbook.update(remaining.pop(0)["changes"])
        if on_done:
            on_done(remaining)


def flush_pending(config: Mapping[str, Any], partnership: Partnership, workbook: Workbook,
                  on_written: Callable[[Mapping[str, Any]], None] | None = None) -> int:
    """Write every kept submission of ``partnership`` (``config`` is the app's config); returns how many.

    Stops quietly at the first SheetUnavailable, keeping what is left for next time.
    The daily job, ``flask jobs write-kept`` and the next form sent to the partnership call it;
    ``on_written`` gets each submission once it is in the sheet (they send the email it was kept with).
    """
    ids = waiting(config, partnership.slug)
    if not ids:
        return 0
    written = 0
    store = store_for(config)
    with lock(config, partnership.slug):
        for submission_id in ids:
            data = store.kept(partnership.slug, submission_id)
            if data is None:
                continue  # written meanwhile by another worker

            def keep(remaining: list[Write], data=data) -> None:
                save(config, partnership.slug, data["submission_id"], data["reference"], remaining, data["email"])

            try:
                apply(workbook, data["writes"], keep, recheck=True)
            except SheetUnavailable:
                break
            except SheetError as e:
                # It can never be written as it is (its row was deleted, say): set it aside for a person.
                store.set_aside(partnership.slug, submission_id, str(e))
                logger.warning("kept submission %s set aside: %s", data["reference"], e)
                continue
            store.forget_kept(partnership.slug, submission_id)
            written += 1
            if on_written is not None:
                on_written(data)
    return written

