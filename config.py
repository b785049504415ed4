"""Application settings, read from environment variables."""
from __future__ import annotations

import os
from pathlib import Path

from procedures.values import DEFAULT_TIMEZONE

ROOT = Path(__file__).resolve().parent


def _flag(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in ("1", "true", "yes", "on")


class Config:
    """Production-safe defaults; every value can be set by an environment variable of the same name."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    PARTNERSHIPS_DIR = os.environ.get("PARTNERSHIPS_DIR", str(ROOT / "partnerships"))
    BASE_DIR = os.environ.get("BASE_DIR", str(ROOT))
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    LOCAL_DEV = _flag("LOCAL_DEV", False)
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "outbox")
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(ROOT / "instance" / "outbox"))
    # Where sessions, used links, rate-limit counts, the job's lock and journal and kept submissions
    # live: empty means the SQLite file instance/state.sqlite3; redis://host:6379/0 for several machines.
    STATE_URL = os.environ.get("STATE_URL", "")
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS", "12"))
    # A daily run's lock frees itself after this long, so a node that died mid-run does not block tomorrow's.
    JOB_LOCK_MINUTES = int(os.environ.get("JOB_LOCK_MINUTES", "120"))
    LISTS_CACHE_SECONDS = int(os.environ.get("LISTS_CACHE_SECONDS", "300"))
    SIGN_IN_LINK_MINUTES = int(os.environ.get("SIGN_IN_LINK_MINUTES", "15"))
    SIGN_IN_LIMIT_PER_ADDRESS = os.environ.get("SIGN_IN_LIMIT_PER_ADDRESS", "5 per 15 minutes")
    SIGN_IN_LIMIT_PER_CLIENT = os.environ.get("SIGN_IN_LIMIT_PER_CLIENT", "20 per hour")
    # Every sign-in request takes at least this long, so its timing does not reveal who may sign in.
    SIGN_IN_MIN_SECONDS = float(os.environ.get("SIGN_IN_MIN_SECONDS", "2"))
    # The addresses (or networks) of the proxies in front of the app, comma-separated; their
    # X-Forwarded-For/-Proto/-Host are honoured, nobody else's. Empty: none (the socket's address).
    TRUSTED_PROXIES = os.environ.get("TRUSTED_PROXIES", "")
    # The time zone every time is shown in (an IANA name); dates and "today" are this zone's too.
    TIMEZONE = os.environ.get("TIMEZONE", DEFAULT_TIMEZONE)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    WTF_CSRF_TIME_LIMIT = 60 * 60 * 4


class LocalConfig(Config):
    """`make run`: plain http on 127.0.0.1, mail saved to the outbox folder."""

    LOCAL_DEV = True
    SESSION_COOKIE_SECURE = False
    SECRET_KEY = Config.SECRET_KEY or "local-development-only"
