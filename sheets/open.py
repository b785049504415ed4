"""Opening a partnership's workbook: the one place that chooses Google Sheets or the local file."""
from __future__ import annotations

from typing import Any, Callable, Literal, Mapping

from partnership.config import Partnership
from sheets.base import Workbook

Purpose = Literal["web", "cron"]

# How long a local writer waits for another to finish: a page must answer quickly, cron can wait.
LOCK_TIMEOUT = {"web": 10.0, "cron": 120.0}


def open_workbook(partnership: Partnership, *, purpose: Purpose = "web",
                  config: Mapping[str, Any] | None = None,
                  on_stale: Callable[[float], None] | None = None) -> Workbook:
    """The partnership's workbook, as its file says (``[sheet] backend``).

    ``purpose`` sets how long to keep trying when the sheet is busy or unreachable:
    a short budget for a web request, a longer one for the cron job. ``config`` (the app's)
    names the state store, where a Google sheet's layout and version are kept for every
    process; pages then share a cache of the sheet for ``SHEET_CACHE_SECONDS``; and every
    call is paced under Google's per-minute quota there (``sheets.quota``): the job waits for
    its share, a page takes the share kept for people. ``on_stale`` (pages) is told the age in
    seconds of a cached copy shown because the quota was in use; without it such a page is refused.
    """
    if purpose not in LOCK_TIMEOUT:
        raise ValueError(f"purpose must be 'web' or 'cron', not {purpose!r}")
    sheet = partnership.sheet
    if sheet.backend == "local":
        from sheets.local import LocalWorkbook
        assert sheet.path is not None, "a local sheet always has a path (checked when the file is loaded)"
        return LocalWorkbook(sheet.path, lock_timeout=LOCK_TIMEOUT[purpose])
    if sheet.backend == "google":
        from sheets.google import GoogleWorkbook
        from sheets.quota import limiter_from_config
        store = limiter = None
        if config is not None and config.get("STATE_URL"):
            from state import store_for
            store = store_for(config)
            limiter = limiter_from_config(config, store=store)
        seconds = float((config or {}).get("SHEET_CACHE_SECONDS", 0)) if purpose == "web" else 0.0
        return GoogleWorkbook.connect(partnership, purpose=purpose, store=store, cache_seconds=seconds,
                                      limiter=limiter, on_stale=on_stale)
    raise ValueError(f"unknown sheet backend {sheet.backend!r}")
