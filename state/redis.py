"""The state store across machines: Redis (``STATE_URL=redis://host:6379/0``).

Kept submissions and the sent journal must survive a Redis restart, so the server must
persist with its append-only file (``appendonly yes``, ``appendfsync everysec`` or
``always``); ``check_persistence`` says so at start-up. Keys start with ``pct:``.
"""
from __future__ import annotations

import json
import secrets
import time
from typing import Any

import redis

from state.base import JournalEntry, StateStore, StateUnavailable, hashed

PREFIX = "pct:"
TIMEOUT_SECONDS = 2.0
FAILURES = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)

# Free the lock only if this holder still has it (another may have taken it after it expired).
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

# A sliding window as a sorted set of the times slots were taken: drop those out of the window,
# then take a slot if fewer than the limit remain, else say when the oldest one beyond it leaves.
# (Numbers come back as text: Redis would cut a Lua float to an integer.)
TAKE_SLOT = """
local limit, window, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('zremrangebyscore', KEYS[1], '-inf', now - window)
local taken = redis.call('zcard', KEYS[1])
if taken < limit then
  redis.call('zadd', KEYS[1], now, ARGV[4])
  redis.call('pexpire', KEYS[1], math.ceil(window * 1000) + 1000)
  return 'taken'
end
local frees = redis.call('zrange', KEYS[1], taken - limit, taken - limit, 'WITHSCORES')
return tostring(tonumber(frees[2]) + window - now)
"""
MIN_WAIT = 0.001  # a wait is never reported as nothing: the caller would ask again at once


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def _wrap(method):
    def wrapped(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except FAILURES as e:
            raise StateUnavailable(f"the state store (Redis) cannot be reached: {type(e).__name__}") from e
    wrapped.__name__ = method.__name__
    wrapped.__doc__ = method.__doc__
    return wrapped


class RedisStore(StateStore):
    def __init__(self, url: str):
        self.url = url
        self.r = redis.Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS,
                                      retry_on_timeout=False, decode_responses=True)
        self._release = self.r.register_script(RELEASE)
        self._take_slot = self.r.register_script(TAKE_SLOT)

    def close(self) -> None:
        self.r.close()

    @_wrap
    def ping(self) -> None:
        self.r.ping()

    def limiter_uri(self) -> str:
        return self.url

    @_wrap
    def persistence(self) -> tuple[str, str] | None:
        """(appendonly, appendfsync) as the server says, or None if it does not allow CONFIG GET."""
        try:
            found = self.r.config_get("append*")
        except redis.exceptions.ResponseError:
            return None  # managed services often disable CONFIG
        return found.get("appendonly", ""), found.get("appendfsync", "")

    # -- once-only keys
    @_wrap
    def claim(self, kind: str, key: str, keep_seconds: int) -> bool:
        return bool(self.r.set(f"{PREFIX}claim:{kind}:{key}", "1", nx=True, px=_ms(keep_seconds)))

    @_wrap
    def is_claimed(self, kind: str, key: str) -> bool:
        return bool(self.r.exists(f"{PREFIX}claim:{kind}:{key}"))

    # -- sessions
    def _session(self, session_id: str) -> str:
        return f"{PREFIX}session:{hashed(session_id)}"

    def _owner(self, email: str) -> str:
        return f"{PREFIX}sessions-of:{hashed(email.strip().lower())}"

    @_wrap
    def load_session(self, session_id: str) -> dict[str, Any] | None:
        found = self.r.get(self._session(session_id))
        return json.loads(found) if found else None

    @_wrap
    def save_session(self, session_id: str, data: dict[str, Any], keep_seconds: int, email: str | None) -> None:
        key, ttl = self._session(session_id), _ms(keep_seconds)
        with self.r.pipeline() as pipe:
            pipe.set(key, json.dumps(data), px=ttl)
            if email:
                owner = self._owner(email)
                pipe.sadd(owner, key)
                pipe.pexpire(owner, ttl, gt=True)
                pipe.pexpire(owner, ttl, nx=True)
            pipe.execute()

    @_wrap
    def delete_session(self, session_id: str) -> None:
        self.r.delete(self._session(session_id))

    @_wrap
    def end_sessions_of(self, email: str) -> int:
        owner = self._owner(email)
        keys = list(self.r.smembers(owner))
        ended = self.r.delete(*keys) if keys else 0
        self.r.delete(owner)
        return int(ended)

    # -- locks
    @_wrap
    def acquire(self, name: str, token: str, expire_seconds: int) -> bool:
        return bool(self.r.set(f"{PREFIX}lock:{name}", token, nx=True, px=_ms(expire_seconds)))

    @_wrap
    def release(self, name: str, token: str) -> None:
        self._release(keys=[f"{PREFIX}lock:{name}"], args=[token])

    # -- values
    @_wrap
    def get(self, name: str) -> str | None:
        return self.r.get(f"{PREFIX}val:{name}")

    @_wrap
    def put(self, name: str, value: str) -> None:
        self.r.set(f"{PREFIX}val:{name}", value)

    @_wrap
    def increment(self, name: str) -> int:
        return int(self.r.incr(f"{PREFIX}val:{name}"))

    # -- sliding windows
    @_wrap
    def take_slot(self, name: str, limit: int, window_seconds: float, now: float) -> float:
        if limit < 1:
            raise ValueError(f"a window needs at least one slot, not {limit}")
        member = f"{now!r}:{secrets.token_hex(8)}"  # unique, so two slots taken at one instant both count
        found = self._take_slot(keys=[f"{PREFIX}slots:{name}"],
                                args=[limit, repr(float(window_seconds)), repr(float(now)), member])
        return 0.0 if found == "taken" else max(float(found), MIN_WAIT)

    # -- journal: a hash of key -> entry, and a sorted set for the order noted
    @_wrap
    def journal_intent(self, slug: str, key: str, row: dict[str, str]) -> None:
        with self.r.pipeline() as pipe:  # MULTI/EXEC: both or neither
            pipe.hset(f"{PREFIX}journal:{slug}", key, json.dumps({"row": row, "sent": False}))
            pipe.zadd(f"{PREFIX}journal-order:{slug}", {key: time.time()}, nx=True)
            pipe.execute()

    @_wrap
    def journal_result(self, slug: str, key: str, sent: bool) -> None:
        if not sent:
            with self.r.pipeline() as pipe:
                pipe.hdel(f"{PREFIX}journal:{slug}", key)
                pipe.zrem(f"{PREFIX}journal-order:{slug}", key)
                pipe.execute()
            return
        found = self.r.hget(f"{PREFIX}journal:{slug}", key)
        if found:
            entry = json.loads(found)
            entry["sent"] = True
            self.r.hset(f"{PREFIX}journal:{slug}", key, json.dumps(entry))

    @_wrap
    def journal(self, slug: str) -> list[JournalEntry]:
        order = self.r.zrange(f"{PREFIX}journal-order:{slug}", 0, -1)
        entries = self.r.hgetall(f"{PREFIX}journal:{slug}")
        found = []
        for key in order:
            if key in entries:
                entry = json.loads(entries[key])
                found.append(JournalEntry(key, entry["row"], bool(entry["sent"])))
        return found

    @_wrap
    def journal_forget(self, slug: str, keys: list[str]) -> None:
        if keys:
            with self.r.pipeline() as pipe:
                pipe.hdel(f"{PREFIX}journal:{slug}", *keys)
                pipe.zrem(f"{PREFIX}journal-order:{slug}", *keys)
                pipe.execute()

    # -- kept submissions: a hash of id -> data and a sorted set for the order kept
    @_wrap
    def keep(self, slug: str, submission_id: str, data: dict[str, Any]) -> None:
        with self.r.pipeline() as pipe:
            pipe.hset(f"{PREFIX}kept:{slug}", submission_id, json.dumps(data, ensure_ascii=False))
            pipe.zadd(f"{PREFIX}kept-order:{slug}", {submission_id: time.time()}, nx=True)
            pipe.execute()

    @_wrap
    def kept(self, slug: str, submission_id: str) -> dict[str, Any] | None:
        found = self.r.hget(f"{PREFIX}kept:{slug}", submission_id)
        return json.loads(found) if found else None

    @_wrap
    def kept_ids(self, slug: str) -> list[str]:
        return list(self.r.zrange(f"{PREFIX}kept-order:{slug}", 0, -1))

    @_wrap
    def forget_kept(self, slug: str, submission_id: str) -> None:
        with self.r.pipeline() as pipe:
            pipe.hdel(f"{PREFIX}kept:{slug}", submission_id)
            pipe.zrem(f"{PREFIX}kept-order:{slug}", submission_id)
            pipe.execute()

    @_wrap
    def set_aside(self, slug: str, submission_id: str, reason: str) -> None:
        found = self.r.hget(f"{PREFIX}kept:{slug}", submission_id)
        if found is None:
            return
        with self.r.pipeline() as pipe:
            pipe.hset(f"{PREFIX}set-aside:{slug}", submission_id, json.dumps({"data": json.loads(found), "reason": reason}))
            pipe.hdel(f"{PREFIX}kept:{slug}", submission_id)
            pipe.zrem(f"{PREFIX}kept-order:{slug}", submission_id)
            pipe.execute()

    @_wrap
    def set_aside_ids(self, slug: str) -> list[str]:
        return sorted(self.r.hkeys(f"{PREFIX}set-aside:{slug}"))
