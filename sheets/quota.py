"""Google Sheets calls paced under the per-minute quota, shared by every process through the state store.

Google allows each user (a service account is one) 60 read requests and 60 write requests a
minute, and answers 429 beyond that. Every call first takes a slot in a sliding 60-second window
kept in the state store, so every worker and the cron job on every machine count together, set
below Google's figure (``SHEETS_READS_PER_MINUTE``, ``SHEETS_WRITES_PER_MINUTE``: 58 each).

The job waits for a slot rather than meet a 429, and never uses the last ``SHEETS_PAGE_RESERVE``
(5) slots of a window: those are kept for people's pages, so a page never waits behind the job.
A page takes any free slot; when none frees within ``PAGE_WAIT_SECONDS`` it is told the quota is
in use (QuotaInUse, a SheetUnavailable) instead of waiting, and a form's answers are kept as when Google is down
(a page that has a recent copy of the sheet re-reads it only as a *refresh*: with a slot the job
could take, at once or not at all, and otherwise shows the copy, saying how old it is: ``sheets.google``).

While the job runs (it asked for a slot within the last minute), pages leave it ``SHEETS_JOB_SHARE``
(10) slots of every window: they hold at most the rest less the reserve, counted in a window of
their own, so the job finishes however busy the pages are. With no job running pages may use every slot.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Literal, Mapping

from sheets.base import SheetUnavailable
from state import StateStore, StateUnavailable, store_for

Kind = Literal["read", "write"]
# "refresh": a page re-reading a copy of the sheet it could show instead (sheets.google): it takes
# only a slot the job could take, leaving the reserve to pages that have no copy, and never waits.
Who = Literal["page", "job", "refresh"]

WINDOW_SECONDS = 60.0
PAGE_WAIT_SECONDS = 2.0
DEFAULT_PER_MINUTE = 58  # Google allows 60 per user per minute; the rest is room for clock drift and people
DEFAULT_PAGE_RESERVE = 5
DEFAULT_JOB_SHARE = 10
MIN_SLEEP = 0.001
QUOTA_IN_USE = "the partnership's Google Sheets quota is in use; try again in a minute"

log = logging.getLogger(__name__)


class QuotaInUse(SheetUnavailable):
    """No quota slot freed within a page's short wait: Google was not asked (a page may say so)."""


@dataclass(frozen=True)
class QuotaLimiter:
    """Slots for one Google account's reads and writes. ``clock`` is wall time shared by every
    process (time.time); ``sleep`` is how the job waits. Both can be replaced by a simulated clock."""

    store: StateStore
    account: str = "default"
    reads_per_minute: int = DEFAULT_PER_MINUTE
    writes_per_minute: int = DEFAULT_PER_MINUTE
    reserve_for_pages: int = DEFAULT_PAGE_RESERVE
    job_share: int = DEFAULT_JOB_SHARE
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    page_wait: float = PAGE_WAIT_SECONDS

    def __post_init__(self) -> None:
        for name in ("reads_per_minute", "writes_per_minute"):
            if getattr(self, name) - self.reserve_for_pages < 1:
                raise ValueError(f"{name} ({getattr(self, name)}) must be above the page reserve "
                                 f"({self.reserve_for_pages}), or the job could never call Google")
        if self.reserve_for_pages < 0:
            raise ValueError(f"the page reserve cannot be negative ({self.reserve_for_pages})")
        for name in ("reads_per_minute", "writes_per_minute"):
            if self.job_share < 1 or self.pages_while_job_runs(getattr(self, name)) < 1:
                raise ValueError(f"the job's share ({self.job_share}) must be at least 1 and leave pages at least one "
                                 f"of the {getattr(self, name)} slots ({name}) beside the page reserve "
                                 f"({self.reserve_for_pages})")

    def pages_while_job_runs(self, limit: int) -> int:
        """The most slots of a window pages may hold while the job runs: the job keeps its share."""
        return limit - self.reserve_for_pages - self.job_share

    def for_account(self, account: str | None) -> "QuotaLimiter":
        """The same settings for another Google account (each has its own quota)."""
        return replace(self, account=account) if account else self

    def limit(self, kind: Kind, who: Who) -> int:
        """How many slots of a window ``who`` may fill: the job and a refresh leave the page reserve free."""
        limit = self.reads_per_minute if kind == "read" else self.writes_per_minute
        return limit if who == "page" else limit - self.reserve_for_pages

    def window(self, kind: Kind) -> str:
        return f"sheets-quota:{self.account}:{kind}"

    def _job_runs(self, kind: Kind) -> bool:
        """Whether the job asked for a slot of this kind within the last window."""
        asked = self.store.get(f"{self.window(kind)}:job-asked")
        return asked is not None and self.clock() - float(asked) < WINDOW_SECONDS

    def take(self, kind: Kind, who: Who) -> float:
        """Take a slot for one call, waiting for one if need be; return the seconds waited.

        A page waits at most ``page_wait`` seconds in all, then gets QuotaInUse; a refresh gets it
        at once when no slot is free. When the
        state store cannot be asked, the call goes ahead unpaced (the retry client still honours
        a 429): pacing must not stop people's work.
        """
        if kind not in ("read", "write") or who not in ("page", "job", "refresh"):
            raise ValueError(f"kind must be read or write and who page, refresh or job, not {kind!r}, {who!r}")
        limit, name, waited = self.limit(kind, who), self.window(kind), 0.0
        try:
            if who == "job":
                self.store.put(f"{name}:job-asked", repr(self.clock()))
            elif self._job_runs(kind):
                # The pages' own count first: while the job runs they leave it its share.
                waited = self._take(f"{name}:pages", self.pages_while_job_runs(self.limit(kind, "page")), who, waited)
            return self._take(name, limit, who, waited)
        except StateUnavailable as e:
            log.warning("Google Sheets calls are not paced: %s", e)
            return waited

    def _take(self, name: str, limit: int, who: Who, waited: float) -> float:
        """A slot of window ``name`` (``waited`` seconds so far); the seconds waited in all."""
        while True:
            wait = self.store.take_slot(name, limit, WINDOW_SECONDS, self.clock())
            if wait <= 0:
                return waited
            if who != "job" and waited + wait > (self.page_wait if who == "page" else 0.0):
                raise QuotaInUse(f"The spreadsheet could not be reached: {QUOTA_IN_USE}")
            wait = max(wait, MIN_SLEEP)
            self.sleep(wait)
            waited += wait


def limiter_from_config(config: Mapping[str, Any], **overrides: Any) -> QuotaLimiter:
    """The limiter the app's settings describe, on the state store ``STATE_URL`` names."""
    settings = {
        "reads_per_minute": int(config.get("SHEETS_READS_PER_MINUTE") or DEFAULT_PER_MINUTE),
        "writes_per_minute": int(config.get("SHEETS_WRITES_PER_MINUTE") or DEFAULT_PER_MINUTE),
        "reserve_for_pages": int(config.get("SHEETS_PAGE_RESERVE", DEFAULT_PAGE_RESERVE)),
        "job_share": int(config.get("SHEETS_JOB_SHARE", DEFAULT_JOB_SHARE)),
    }
    settings.update(overrides)
    store = settings.pop("store", None) or store_for(config)
    return QuotaLimiter(store, **settings)


WHO: dict[str, Who] = {"web": "page", "cron": "job"}
