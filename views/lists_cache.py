"""The Lists tab, read at most once every LISTS_CACHE_SECONDS per worker, for every page that needs it.

Each worker keeps its own copy; a version number in the state store lets every worker on every
instance drop its copy at once (``flask sheet refresh-lists``, ``sheet init``, each daily run).
When the tab cannot be read the last copy (or none) is used and it is tried again a minute later.
"""
from __future__ import annotations

import logging
import time

from flask import current_app

from partnership.config import Partnership
from sheets.base import SheetError, Table
from sheets.schema import LISTS
from state import lists_version_key, store_for

logger = logging.getLogger(__name__)

RETRY_SECONDS = 60  # after the Lists tab could not be read, wait this long before trying again


def lists_table(partnership: Partnership) -> Table | None:
    """The partnership's Lists tab (cached), or None if it has never been read."""
    from sheets.open import open_workbook

    cache: dict[str, tuple[float, str | None, Table | None]] = current_app.extensions.setdefault("lists_cache", {})
    version = store_for(current_app.config).get(lists_version_key(partnership.slug))
    hit = cache.get(partnership.slug)
    if hit and hit[0] > time.monotonic() and hit[1] == version:
        return hit[2]
    try:
        # Through the pages' read-through cache: a page that reads the sheet anyway costs no second read.
        table = open_workbook(partnership, purpose="web", config=current_app.config).read(LISTS)
    except (SheetError, OSError) as e:
        logger.warning("Lists tab of %s not read: %s", partnership.slug, type(e).__name__)
        found = hit[2] if hit else None
        cache[partnership.slug] = (time.monotonic() + RETRY_SECONDS, version, found)
        return found
    cache[partnership.slug] = (time.monotonic() + current_app.config.get("LISTS_CACHE_SECONDS", 300), version, table)
    return table
