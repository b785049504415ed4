"""The small state kept beside the spreadsheet, behind one interface.

Server-side sessions, used links, the job's lock, its sent journal and last success, kept
form submissions, cache versions and the Google Sheets quota's sliding windows live in one
``StateStore``: a SQLite file under ``instance/`` (one machine, any number of workers) or
Redis (several machines), chosen by ``STATE_URL``. Rate-limit counts live in the same place, through Flask-Limiter.
Every method raises ``StateUnavailable`` when the store cannot be reached.
"""
from __future__ import annotations

import abc
import hashlib
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator


class StateUnavailable(Exception):
    """The state store cannot be reached (Redis down, the SQLite file unwritable)."""


class Busy(Exception):
    """A lock is held by someone else."""


@dataclass(frozen=True)
class JournalEntry:
    """One email in the sent journal: noted before sending (``sent`` False: in flight) and after."""

    key: str
    row: dict[str, str]
    sent: bool


def hashed(value: str) -> str:
    """What the store keeps instead of a session id or an address: they never sit there in clear."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class StateStore(abc.ABC):
    """One store; every implementation passes ``tests/state/test_contract.py``."""

    url: str

    # -- health ---------------------------------------------------------------------------
    @abc.abstractmethod
    def ping(self) -> None:
        """Return if the store answers; raise StateUnavailable if not."""

    @abc.abstractmethod
    def limiter_uri(self) -> str:
        """The Flask-Limiter storage URI that keeps rate-limit counts in this store."""

    # -- once-only keys (used sign-in and response links) --------------------------------------
    @abc.abstractmethod
    def claim(self, kind: str, key: str, keep_seconds: float) -> bool:
        """Mark ``key`` used, for ``keep_seconds``; False if it was used already (atomically, on every node)."""

    @abc.abstractmethod
    def is_claimed(self, kind: str, key: str) -> bool:
        """Whether ``key`` has been claimed and not yet forgotten."""

    # -- sessions --------------------------------------------------------------------------
    @abc.abstractmethod
    def load_session(self, session_id: str) -> dict[str, Any] | None:
        """The session's data, or None if there is no such session (ended, expired, never was)."""

    @abc.abstractmethod
    def save_session(self, session_id: str, data: dict[str, Any], keep_seconds: float, email: str | None) -> None:
        """Store the session's data for ``keep_seconds``; ``email`` lets it be ended with the others of that address."""

    @abc.abstractmethod
    def delete_session(self, session_id: str) -> None:
        """End one session on every node."""

    @abc.abstractmethod
    def end_sessions_of(self, email: str) -> int:
        """End every session of ``email`` (any case); returns how many were ended."""

    # -- locks -----------------------------------------------------------------------------
    @abc.abstractmethod
    def acquire(self, name: str, token: str, expire_seconds: float) -> bool:
        """Take the lock ``name`` for ``token`` unless someone else holds it; it frees itself after ``expire_seconds``."""

    @abc.abstractmethod
    def release(self, name: str, token: str) -> None:
        """Free the lock if ``token`` still holds it."""

    @contextmanager
    def lock(self, name: str, *, expire_seconds: float, wait_seconds: float = 0.0) -> Iterator[None]:
        """Hold ``name`` for the block; Busy if another holder keeps it past ``wait_seconds``."""
        import secrets

        token = secrets.token_hex(16)
        deadline = time.monotonic() + wait_seconds
        while not self.acquire(name, token, expire_seconds):
            if time.monotonic() >= deadline:
                raise Busy(name)
            time.sleep(0.05)
        try:
            yield
        finally:
            self.release(name, token)

    # -- small values (last success, cache versions) ---------------------------------------
    @abc.abstractmethod
    def get(self, name: str) -> str | None:
        """A stored value, or None."""

    @abc.abstractmethod
    def put(self, name: str, value: str) -> None:
        """Store a value, durably."""

    @abc.abstractmethod
    def increment(self, name: str) -> int:
        """Add one to a counter (starting at 0) and return the new value."""

    # -- sliding windows (the Google Sheets quota, shared by every process) ----------------
    @abc.abstractmethod
    def take_slot(self, name: str, limit: int, window_seconds: float, now: float) -> float:
        """Take one of ``limit`` slots in the window ``name`` (the ``window_seconds`` before ``now``),
        atomically on every node: 0.0 if one was taken (noted at ``now``), else the seconds until
        one frees (nothing noted). ``now`` is passed in so that a simulated clock can drive it."""

    # -- the sent journal (write-ahead) ----------------------------------------------------
    @abc.abstractmethod
    def journal_intent(self, slug: str, key: str, row: dict[str, str]) -> None:
        """Note, durably, that the email ``key`` is about to be sent."""

    @abc.abstractmethod
    def journal_result(self, slug: str, key: str, sent: bool) -> None:
        """Note, durably, that it was sent (or forget the intent: it was refused, nothing went)."""

    @abc.abstractmethod
    def journal(self, slug: str) -> list[JournalEntry]:
        """Every entry, in the order noted: sent ones not yet in the Reminders tab and ones in flight."""

    @abc.abstractmethod
    def journal_forget(self, slug: str, keys: list[str]) -> None:
        """Drop entries once the Reminders tab holds them."""

    # -- kept submissions ------------------------------------------------------------------
    @abc.abstractmethod
    def keep(self, slug: str, submission_id: str, data: dict[str, Any]) -> None:
        """Keep (or replace) a submission's data, durably; order is by when it was first kept."""

    @abc.abstractmethod
    def kept(self, slug: str, submission_id: str) -> dict[str, Any] | None:
        """A kept submission's data, if it is still waiting."""

    @abc.abstractmethod
    def kept_ids(self, slug: str) -> list[str]:
        """The ids of the submissions waiting, oldest first."""

    @abc.abstractmethod
    def forget_kept(self, slug: str, submission_id: str) -> None:
        """Drop a kept submission once it is written."""

    @abc.abstractmethod
    def set_aside(self, slug: str, submission_id: str, reason: str) -> None:
        """Move a kept submission that can never be written to the set-aside list, for a person."""

    @abc.abstractmethod
    def set_aside_ids(self, slug: str) -> list[str]:
        """The ids of submissions set aside."""

    def close(self) -> None:
        """Release connections (tests and short-lived processes)."""
