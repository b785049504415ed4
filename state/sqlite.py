"""The embedded state store: one SQLite file (WAL mode), shared by every worker on one machine.

Each thread keeps its own connection (a forked worker opens new ones), so the store is safe
across threads and workers. Writes that must survive a power cut (the sent journal, kept
submissions, used links, values) commit with ``synchronous=FULL``: on disk before they return.
"""
from __future__ import annotations

import contextlib
import json
import os
import random
import sqlite3
import threading
import time
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

from limits.storage import Storage
from tenacity import retry, retry_if_exception, stop_after_delay, wait_random

from state.base import JournalEntry, StateStore, StateUnavailable, hashed

SCHEMA = """
CREATE TABLE IF NOT EXISTS claims (kind TEXT, key TEXT, forget_after REAL NOT NULL, PRIMARY KEY (kind, key));
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, email TEXT, data TEXT NOT NULL, expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_email ON sessions (email);
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires);
CREATE TABLE IF NOT EXISTS locks (name TEXT PRIMARY KEY, token TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS vals (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (slug TEXT, key TEXT, row TEXT NOT NULL, sent INTEGER NOT NULL,
                                    seq INTEGER NOT NULL, PRIMARY KEY (slug, key));
CREATE TABLE IF NOT EXISTS kept (slug TEXT, id TEXT, data TEXT NOT NULL, seq INTEGER NOT NULL,
                                 aside TEXT, PRIMARY KEY (slug, id));
CREATE TABLE IF NOT EXISTS limits (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS slots (name TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS slots_name_at ON slots (name, at);
"""


BUSY_SECONDS = 30  # how long a writer queues behind others before the store counts as unavailable
MIN_WAIT = 0.001  # a wait is never reported as nothing: the caller would ask again at once
CLEAN_UP_CHANCE = 0.02  # one session save in fifty also deletes expired sessions


def path_from_url(url: str) -> Path:
    """``sqlite:////abs/path.sqlite3`` (or ``sqlite:///relative``) as a path."""
    parts = urlsplit(url)
    if parts.scheme != "sqlite" or parts.netloc or not parts.path:
        raise ValueError(f"not a SQLite state URL: {url!r} (expected sqlite:///path/to/state.sqlite3)")
    return Path(parts.path[1:])


def _locked(error: BaseException) -> bool:
    return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)


# Workers starting together on a new file race to switch it to WAL, and SQLite answers the losers
# "database is locked" at once, without waiting its busy timeout: they try again for a while.
@retry(retry=retry_if_exception(_locked), stop=stop_after_delay(10), wait=wait_random(0.01, 0.1), reraise=True)
def _create(path: Path) -> None:
    """The file in WAL mode with every table."""
    with closing(sqlite3.connect(path, timeout=10)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(SCHEMA)


class SQLiteStore(StateStore):
    def __init__(self, url: str):
        self.url = url
        self.path = path_from_url(url)
        self._local = threading.local()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _create(self.path)
        except (sqlite3.Error, OSError) as e:
            raise StateUnavailable(f"the state file {self.path} cannot be used: {e}") from e

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection (a forked worker opens its own)."""
        db = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():
            db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
            self._local.db, self._local.pid = db, os.getpid()
        return db

    @contextmanager
    def _db(self, *, write: bool = True, durable: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection; for ``write`` in one transaction (BEGIN IMMEDIATE: writers queue instead of
        failing). ``durable``: the commit is fsynced before it returns (journal, kept answers, values);
        otherwise it survives a crash of the app but perhaps not a power cut (sessions, limits)."""
        try:
            db = self._connection()
            if not write:
                yield db
                return
            db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except (sqlite3.Error, OSError) as e:
            self.close()
            raise StateUnavailable(f"the state file {self.path} cannot be used: {e}") from e

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            self._local.db = None
            with contextlib.suppress(sqlite3.Error):
                db.close()

    def ping(self) -> None:
        with self._db(write=False) as db:
            db.execute("SELECT 1 FROM vals LIMIT 1")

    def limiter_uri(self) -> str:
        return "state-" + self.url

    # -- once-only keys
    def claim(self, kind: str, key: str, keep_seconds: float) -> bool:
        now = time.time()
        with self._db(durable=True) as db:
            db.execute("DELETE FROM claims WHERE forget_after < ?", (now,))
            done = db.execute("INSERT OR IGNORE INTO claims VALUES (?, ?, ?)", (kind, key, now + keep_seconds))
            return done.rowcount == 1

    def is_claimed(self, kind: str, key: str) -> bool:
        with self._db(write=False) as db:
            return db.execute("SELECT 1 FROM claims WHERE kind = ? AND key = ? AND forget_after >= ?",
                              (kind, key, time.time())).fetchone() is not None

    # -- sessions
    def load_session(self, session_id: str) -> dict[str, Any] | None:
        with self._db(write=False) as db:
            found = db.execute("SELECT data FROM sessions WHERE id = ? AND expires >= ?",
                               (hashed(session_id), time.time())).fetchone()
        return json.loads(found[0]) if found else None

    def save_session(self, session_id: str, data: dict[str, Any], keep_seconds: float, email: str | None) -> None:
        now = time.time()
        owner = hashed(email.strip().lower()) if email else None
        with self._db() as db:
            if random.random() < CLEAN_UP_CHANCE:
                db.execute("DELETE FROM sessions WHERE expires < ?", (now,))
            db.execute("INSERT OR REPLACE INTO sessions VALUES (?, ?, ?, ?)",
                       (hashed(session_id), owner, json.dumps(data), now + keep_seconds))

    def delete_session(self, session_id: str) -> None:
        with self._db(durable=True) as db:
            db.execute("DELETE FROM sessions WHERE id = ?", (hashed(session_id),))

    def end_sessions_of(self, email: str) -> int:
        with self._db(durable=True) as db:
            return db.execute("DELETE FROM sessions WHERE email = ? AND expires >= ?",
                              (hashed(email.strip().lower()), time.time())).rowcount

    # -- locks
    def acquire(self, name: str, token: str, expire_seconds: float) -> bool:
        now = time.time()
        with self._db() as db:
            db.execute("DELETE FROM locks WHERE name = ? AND expires < ?", (name, now))
            return db.execute("INSERT OR IGNORE INTO locks VALUES (?, ?, ?)",
                              (name, token, now + expire_seconds)).rowcount == 1

    def release(self, name: str, token: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM locks WHERE name = ? AND token = ?", (name, token))

    # -- values
    def get(self, name: str) -> str | None:
        with self._db(write=False) as db:
            found = db.execute("SELECT value FROM vals WHERE name = ?", (name,)).fetchone()
        return found[0] if found else None

    def put(self, name: str, value: str) -> None:
        with self._db(durable=True) as db:
            db.execute("INSERT OR REPLACE INTO vals VALUES (?, ?)", (name, value))

    def increment(self, name: str) -> int:
        with self._db(durable=True) as db:
            found = db.execute("SELECT value FROM vals WHERE name = ?", (name,)).fetchone()
            value = int(found[0]) + 1 if found else 1
            db.execute("INSERT OR REPLACE INTO vals VALUES (?, ?)", (name, str(value)))
        return value

    # -- sliding windows
    def take_slot(self, name: str, limit: int, window_seconds: float, now: float) -> float:
        if limit < 1:
            raise ValueError(f"a window needs at least one slot, not {limit}")
        with self._db() as db:  # one transaction (BEGIN IMMEDIATE): takers on every worker queue
            db.execute("DELETE FROM slots WHERE name = ? AND at <= ?", (name, now - window_seconds))
            taken = db.execute("SELECT COUNT(*) FROM slots WHERE name = ?", (name,)).fetchone()[0]
            if taken < limit:
                db.execute("INSERT INTO slots VALUES (?, ?)", (name, now))
                return 0.0
            # The slot frees when the oldest entries beyond the limit leave the window.
            frees = db.execute("SELECT at FROM slots WHERE name = ? ORDER BY at LIMIT 1 OFFSET ?",
                               (name, taken - limit)).fetchone()[0]
        return max(frees + window_seconds - now, MIN_WAIT)

    # -- journal
    def journal_intent(self, slug: str, key: str, row: dict[str, str]) -> None:
        with self._db(durable=True) as db:
            seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM journal").fetchone()[0]
            db.execute("INSERT OR REPLACE INTO journal VALUES (?, ?, ?, 0, ?)", (slug, key, json.dumps(row), seq))

    def journal_result(self, slug: str, key: str, sent: bool) -> None:
        with self._db(durable=True) as db:
            if sent:
                db.execute("UPDATE journal SET sent = 1 WHERE slug = ? AND key = ?", (slug, key))
            else:
                db.execute("DELETE FROM journal WHERE slug = ? AND key = ?", (slug, key))

    def journal(self, slug: str) -> list[JournalEntry]:
        with self._db(write=False) as db:
            rows = db.execute("SELECT key, row, sent FROM journal WHERE slug = ? ORDER BY seq", (slug,)).fetchall()
        return [JournalEntry(key, json.loads(row), bool(sent)) for key, row, sent in rows]

    def journal_forget(self, slug: str, keys: list[str]) -> None:
        with self._db(durable=True) as db:
            db.executemany("DELETE FROM journal WHERE slug = ? AND key = ?", [(slug, k) for k in keys])

    # -- kept submissions
    def keep(self, slug: str, submission_id: str, data: dict[str, Any]) -> None:
        with self._db(durable=True) as db:
            done = db.execute("UPDATE kept SET data = ? WHERE slug = ? AND id = ?",
                              (json.dumps(data, ensure_ascii=False), slug, submission_id))
            if done.rowcount == 0:
                seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM kept").fetchone()[0]
                db.execute("INSERT INTO kept VALUES (?, ?, ?, ?, NULL)",
                           (slug, submission_id, json.dumps(data, ensure_ascii=False), seq))

    def kept(self, slug: str, submission_id: str) -> dict[str, Any] | None:
        with self._db(write=False) as db:
            found = db.execute("SELECT data FROM kept WHERE slug = ? AND id = ? AND aside IS NULL",
                               (slug, submission_id)).fetchone()
        return json.loads(found[0]) if found else None

    def kept_ids(self, slug: str) -> list[str]:
        with self._db(write=False) as db:
            rows = db.execute("SELECT id FROM kept WHERE slug = ? AND aside IS NULL ORDER BY seq", (slug,)).fetchall()
        return [r[0] for r in rows]

    def forget_kept(self, slug: str, submission_id: str) -> None:
        with self._db(durable=True) as db:
            db.execute("DELETE FROM kept WHERE slug = ? AND id = ?", (slug, submission_id))

    def set_aside(self, slug: str, submission_id: str, reason: str) -> None:
        with self._db(durable=True) as db:
            db.execute("UPDATE kept SET aside = ? WHERE slug = ? AND id = ?", (reason, slug, submission_id))

    def set_aside_ids(self, slug: str) -> list[str]:
        with self._db(write=False) as db:
            rows = db.execute("SELECT id FROM kept WHERE slug = ? AND aside IS NOT NULL ORDER BY seq",
                              (slug,)).fetchall()
        return [r[0] for r in rows]


class SQLiteLimits(Storage):
    """Flask-Limiter's counts in the state file, so every worker on the machine shares them
    (``RATELIMIT_STORAGE_URI = state-sqlite:///path``; fixed-window strategy)."""

    STORAGE_SCHEME = ["state-sqlite"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.store = SQLiteStore((uri or "")[len("state-"):])

    @property
    def base_exceptions(self) -> type[Exception]:
        return StateUnavailable

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self.store._db() as db:
            db.execute("DELETE FROM limits WHERE key = ? AND expires <= ?", (key, now))
            db.execute("INSERT INTO limits VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET count = count + ?",
                       (key, amount, now + expiry, amount))
            return db.execute("SELECT count FROM limits WHERE key = ?", (key,)).fetchone()[0]

    def get(self, key: str) -> int:
        with self.store._db(write=False) as db:
            found = db.execute("SELECT count FROM limits WHERE key = ? AND expires > ?", (key, time.time())).fetchone()
        return found[0] if found else 0

    def get_expiry(self, key: str) -> float:
        with self.store._db(write=False) as db:
            found = db.execute("SELECT expires FROM limits WHERE key = ?", (key,)).fetchone()
        return found[0] if found else time.time()

    def check(self) -> bool:
        try:
            self.store.ping()
        except StateUnavailable:
            return False
        return True

    def reset(self) -> int | None:
        with self.store._db() as db:
            return db.execute("DELETE FROM limits").rowcount

    def clear(self, key: str) -> None:
        with self.store._db() as db:
            db.execute("DELETE FROM limits WHERE key = ?", (key,))
