"""The Lists tab for the pages: one cache, read at most once every LISTS_CACHE_SECONDS per worker.

The forms (agencies, themes), sign-in (business support's addresses), the compliance form's
IROs and the dashboard all take the tab from here, the one copy pages use (a Google sheet's
Lists tab comes in the pages' one read of the sheet, ``sheets.google``, and is taken from there). Each worker keeps
its own, held by the app (``app.extensions["lists_cache"]``, made by ``register``); a version
number in the state store lets every worker on every instance drop its copy at once
(``flask sheet refresh-lists``, ``sheet init``, each daily run). When the tab cannot be read the
last copy (or none) is used and it is tried again a minute later.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Mapping

from flask import Flask, current_app

from partnership.config import Partnership
from sheets.base import SheetError, Table
from sheets.open import open_workbook
from sheets.schema import LISTS
from state import lists_version_key, store_for

logger = logging.getLogger(__name__)

RETRY_SECONDS = 60  # after the Lists tab could not be read, wait this long before trying again


class ListsCache:
    """Each partnership's Lists tab as last read: until when it holds, at which version, the Table."""

    def __init__(self) -> None:
        self._copies: dict[str, tuple[float, str | None, Table | None]] = {}
        self._lock = threading.Lock()

    def table(self, partnership: Partnership, config: Mapping[str, Any]) -> Table | None:
        """The partnership's Lists tab, read again when its time is up or its version moved."""
        version = store_for(config).get(lists_version_key(partnership.slug))
        with self._lock:
            hit = self._copies.get(partnership.slug)
        if hit and hit[0] > time.monotonic() and hit[1] == version:
            return hit[2]
        try:
            table = open_workbook(partnership, purpose="web", config=config).read(LISTS)
        except (SheetError, OSError) as e:
            logger.warning("Lists tab of %s not read: %s", partnership.slug, type(e).__name__)
            found = hit[2] if hit else None
            self._keep(partnership.slug, RETRY_SECONDS, version, found)
            return found
        self._keep(partnership.slug, config.get("LISTS_CACHE_SECONDS", 300), version, table)
        return table

    def _keep(self, slug: str, seconds: float, version: str | None, table: Table | None) -> None:
        with self._lock:
            self._copies[slug] = (time.monotonic() + seconds, version, table)


def register(app: Flask) -> None:
    """Give the app its Lists cache (``views.register_views`` does, once)."""
    app.extensions["lists_cache"] = ListsCache()


def lists_table(partnership: Partnership) -> Table | None:
    """The partnership's Lists tab (cached), or None if it has never been read."""
    return current_app.extensions["lists_cache"].table(partnership, current_app.config)
