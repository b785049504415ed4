"""The daily job's write-ahead sent journal, kept in the state store.

Before each email is sent its Reminders row is noted as *intended*; after the relay accepts
it, as *sent*. Both notes are durable before the next step (SQLite commits with fsync; Redis
with its append-only file). So after a crash:

- an email noted as sent but not yet in the Reminders tab is logged there by the next run
  and never sent again;
- an email noted as intended only (the crash fell between sending and noting) is *in flight*:
  the next run sends it again if it is still due, with the same Message-ID (derived from its
  reminder key), so at most one email per crash can arrive twice and mail clients show it once.
"""
from __future__ import annotations

from typing import Mapping

from sheets.schema import REMINDER_KEY
from state import StateStore


class SentJournal:
    """One partnership's journal: ``intent(row)`` before a send, ``result(key, sent)`` after."""

    def __init__(self, store: StateStore, slug: str):
        self.store, self.slug = store, slug

    def intent(self, row: Mapping[str, str]) -> None:
        """Note, durably, that the email whose Reminders row is ``row`` is about to be sent."""
        self.store.journal_intent(self.slug, row[REMINDER_KEY], dict(row))

    def result(self, key: str, sent: bool) -> None:
        """Note, durably, that it was sent; or, if the relay refused it, that nothing went."""
        self.store.journal_result(self.slug, key, sent)

    def sent_rows(self) -> list[dict[str, str]]:
        """Reminders rows of emails sent that may not be in the Reminders tab yet."""
        return [entry.row for entry in self.store.journal(self.slug) if entry.sent]

    def in_flight(self) -> list[str]:
        """Keys of emails whose sending was interrupted: intended, with no result noted."""
        return [entry.key for entry in self.store.journal(self.slug) if not entry.sent]

    def forget(self, keys: list[str]) -> None:
        """Drop entries the Reminders tab now holds (or that are no longer due)."""
        self.store.journal_forget(self.slug, keys)
