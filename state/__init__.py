"""One state store for everything small kept beside the spreadsheet (see ``state.base``).

``store_for(config)`` gives the store named by ``STATE_URL``: a SQLite file (the default,
``instance/state.sqlite3``) or ``redis://host:6379/0``. Stores are shared per URL within a process.
"""
from __future__ import annotations

import threading
from typing import Any, Mapping

from state.base import Busy, JournalEntry, StateStore, StateUnavailable

__all__ = ["Busy", "JournalEntry", "StateStore", "StateUnavailable", "open_store", "store_for",
           "check_persistence", "lists_version_key", "refresh_lists"]

_stores: dict[str, StateStore] = {}
_guard = threading.Lock()


def open_store(url: str) -> StateStore:
    """The store for ``url`` (one per URL per process)."""
    with _guard:
        store = _stores.get(url)
        if store is None:
            if url.startswith(("redis://", "rediss://", "unix://")):
                from state.redis import RedisStore
                store = RedisStore(url)
            elif url.startswith("sqlite:///"):
                from state.sqlite import SQLiteStore
                store = SQLiteStore(url)
            else:
                raise ValueError(f"STATE_URL must start with sqlite:/// or redis://, not {url.split(':')[0]!r}")
            _stores[url] = store
        return store


def store_for(config: Mapping[str, Any]) -> StateStore:
    """The store the app's ``config`` names in ``STATE_URL`` (set by ``create_app``)."""
    url = config.get("STATE_URL")
    if not url:
        raise KeyError("STATE_URL is not set in this configuration")
    return open_store(str(url))


def forget_stores() -> None:
    """Close every open store (tests that stop a Redis server, processes that fork)."""
    with _guard:
        for store in _stores.values():
            store.close()
        _stores.clear()


def lists_version_key(slug: str) -> str:
    """The store's counter that makes every worker re-read a partnership's Lists tab when it changes."""
    return f"lists-version:{slug}"


def refresh_lists(store: StateStore, slug: str) -> int:
    """Make every worker on every instance re-read the partnership's Lists tab on its next page."""
    return store.increment(lists_version_key(slug))


def check_persistence(store: StateStore) -> str | None:
    """Why the store would lose kept submissions on a restart (one line), or None if it will not.

    Only Redis can: it must write its append-only file. A server that hides its settings
    (CONFIG disabled) is trusted, with a warning from the caller.
    """
    from state.redis import RedisStore

    if not isinstance(store, RedisStore):
        return None
    found = store.persistence()
    if found is None:
        return None
    appendonly, appendfsync = found
    if appendonly != "yes":
        return (f"the Redis server at {_where(store.url)} does not keep an append-only file (appendonly {appendonly}), "
                f"so kept form answers and the sent journal would be lost on a restart: set appendonly yes and "
                f"appendfsync everysec (or always); see docs/deployment.md")
    if appendfsync not in ("everysec", "always"):
        return (f"the Redis server at {_where(store.url)} does not sync its append-only file (appendfsync "
                f"{appendfsync}): set appendfsync everysec (or always); see docs/deployment.md")
    return None


def _where(url: str) -> str:
    """host:port/db of a Redis URL, without any password."""
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 6379}{parts.path or ''}"
