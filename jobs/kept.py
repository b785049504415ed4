"""`jobs write-kept`: form answers kept while a spreadsheet could not be reached, written now.

The daily job writes them too; run this every few minutes from cron so they land shortly
(a form sent to the partnership also writes them first, but pages that only read never do).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from notify import send_kept_email
from partnership.config import Partnership
from sheets import pending
from sheets.base import SheetUnavailable, Workbook

Echo = Callable[..., None]


def write_kept(partnerships: Iterable[Partnership], open_workbook: Callable[[Partnership], Workbook], *,
               config: Mapping[str, Any], echo: Echo) -> bool:
    """Write every partnership's kept form answers and send the email each was kept with.

    Prints a line for each partnership that had any; True if none is left waiting."""
    done = True
    for partnership in partnerships:
        slug = partnership.slug
        if not pending.waiting(config, slug):
            continue
        try:
            written = pending.flush_pending(config, partnership, open_workbook(partnership),
                                            on_written=lambda data, p=partnership: send_kept_email(
                                                data, from_address=p.email.from_address, config=config))
        except SheetUnavailable as e:
            echo(f"{slug}: kept form answers not written: {e}", err=True)
            done = False
            continue
        left = len(pending.waiting(config, slug))
        echo(f"{slug}: {written} kept form submission{'' if written == 1 else 's'} written to the sheet"
             + (f", {left} still kept (the sheet could not be reached)" if left else ""), err=bool(left))
        done = done and not left
    return done
