"""Submissions kept on disk while the spreadsheet cannot be reached, and writing them later.

One JSON file per submission under ``PENDING_DIR/<slug>/``, written atomically
(temporary file, fsync, rename). Each holds the writes still to be made, in order;
``flush_pending`` makes them and deletes the file, so an answer is never lost. One that
can never be written (its row was deleted meanwhile) is moved to ``failed/`` beside them.
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Mapping

from filelock import FileLock

from notify import Email, EmailFailed, send_email
from procedures.config import Partnership
from sheets.base import SheetError, SheetUnavailable, Workbook
from sheets.schema import SUBMISSION_ID

logger = logging.getLogger(__name__)

# One write still to be made: {"op": "append", "tab": ..., "rows": [...], "key": submission id or None}
# or {"op": "update", "changes": {tab: {reference: {column: value}}}}.
Write = dict[str, Any]


def folder(config: Mapping[str, Any], slug: str) -> Path:
    return Path(config["PENDING_DIR"]) / slug


def lock(config: Mapping[str, Any], slug: str) -> FileLock:
    """Held while a partnership's submissions are checked and written, by any worker on this host."""
    path = folder(config, slug)
    path.mkdir(parents=True, exist_ok=True)
    return FileLock(str(path / ".lock"), timeout=30)


def save(config: Mapping[str, Any], slug: str, submission_id: str, reference: str,
         writes: list[Write], email: Mapping[str, str] | None = None) -> Path:
    """Keep a submission's writes (and the email to send once written) on disk, atomically."""
    path = folder(config, slug)
    path.mkdir(parents=True, exist_ok=True)
    target = path / f"{_safe(submission_id)}.json"
    data = {"submission_id": submission_id, "reference": reference, "writes": writes, "email": email}
    fd, tmp = tempfile.mkstemp(dir=path, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def find(config: Mapping[str, Any], slug: str, submission_id: str) -> dict[str, Any] | None:
    """The kept submission with this id, if it is still waiting."""
    path = folder(config, slug) / f"{_safe(submission_id)}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def waiting(config: Mapping[str, Any], slug: str) -> list[Path]:
    try:
        return sorted(p for p in folder(config, slug).iterdir() if p.suffix == ".json")
    except FileNotFoundError:
        return []


def apply(workbook: Workbook, writes: list[Write], on_done: Callable[[list[Write]], None] | None = None,
          *, keys_checked: bool = False) -> None:
    """Make ``writes`` in order, consecutive appends together as one write (``append_many``).

    An append keyed by a submission id already in its tab is skipped, so writing a submission
    twice records it once; ``keys_checked`` says the caller has just looked and saves a read.
    After each write ``on_done`` gets what is left.
    """
    remaining = list(writes)
    while remaining:
        if remaining[0]["op"] == "append":
            count = next((i for i, w in enumerate(remaining) if w["op"] != "append"), len(remaining))
            rows: dict[str, list] = {}
            for write in remaining[:count]:
                key = write.get("key")
                if key and not keys_checked and any(r[SUBMISSION_ID] == key
                                                    for r in workbook.read(write["tab"]).records):
                    continue
                rows.setdefault(write["tab"], []).extend(write["rows"])
            workbook.append_many(rows)
            del remaining[:count]
        else:
            workbook.update(remaining.pop(0)["changes"])
        if on_done:
            on_done(remaining)


def flush_pending(config: Mapping[str, Any], partnership: Partnership, workbook: Workbook | None = None) -> int:
    """Write every kept submission of ``partnership`` (``config`` is the app's config); returns how many.

    Stops quietly at the first SheetUnavailable, keeping what is left for next time.
    The daily job and the next request to the partnership's pages both call it.
    """
    files = waiting(config, partnership.slug)
    if not files:
        return 0
    if workbook is None:
        from sheets.open import open_workbook
        try:
            workbook = open_workbook(partnership, purpose="web")
        except SheetUnavailable:
            return 0
    written = 0
    with lock(config, partnership.slug):
        for path in files:
            if not path.exists():
                continue
            data = json.loads(path.read_text(encoding="utf-8"))

            def keep(remaining: list[Write], data=data) -> None:
                save(config, partnership.slug, data["submission_id"], data["reference"], remaining, data["email"])

            try:
                apply(workbook, data["writes"], keep)
            except SheetUnavailable:
                break
            except SheetError as e:
                # It can never be written as it is (its row was deleted, say): set it aside for a person.
                failed = path.parent / "failed"
                failed.mkdir(exist_ok=True)
                os.replace(path, failed / path.name)
                logger.warning("kept submission %s set aside in %s: %s", data["reference"], failed, e)
                continue
            path.unlink(missing_ok=True)
            written += 1
            if data.get("email"):
                try:
                    send_email(Email(**data["email"]), from_address=partnership.email.from_address, config=config)
                except EmailFailed:
                    pass  # The challenge's page offers to send the link again.
    return written


def _safe(submission_id: str) -> str:
    return "".join(c for c in submission_id if c.isalnum() or c in "-_")[:64] or "submission"
