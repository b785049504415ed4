"""Opening a partnership's workbook: the one place that chooses Google Sheets or the local file."""
from __future__ import annotations

from typing import Literal

from procedures.config import Partnership
from sheets.base import Workbook

Purpose = Literal["web", "cron"]

# How long a local writer waits for another to finish: a page must answer quickly, cron can wait.
LOCK_TIMEOUT = {"web": 10.0, "cron": 120.0}


def open_workbook(partnership: Partnership, *, purpose: Purpose = "web") -> Workbook:
    """The partnership's workbook, as its file says (``[sheet] backend``).

    ``purpose`` sets how long to keep trying when the sheet is busy or unreachable:
    a short budget for a web request, a longer one for the cron job.
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
        return GoogleWorkbook.connect(partnership, purpose=purpose)
    raise ValueError(f"unknown sheet backend {sheet.backend!r}")
