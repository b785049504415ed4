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
    PENDING_DIR = os.environ.get("PENDING_DIR", str(ROOT / "instance" / "pending"))
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "60"))
    LISTS_CACHE_SECONDS = int(os.environ.get("LISTS_CACHE_SECONDS", "300"))
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    SIGN_IN_LINK_MINUTES = int(os.environ.get("SIGN_IN_LINK_MINUTES", "15"))
    SIGN_IN_LIMIT_PER_ADDRESS = os.environ.get("SIGN_IN_LIMIT_PER_ADDRESS", "5 per 15 minutes")
    SIGN_IN_LIMIT_PER_CLIENT = os.environ.get("SIGN_IN_LIMIT_PER_CLIENT", "20 per hour")
    # Used sign-in links (SQLite); empty means instance/sign-in-links.sqlite3.
    SIGN_IN_STORE = os.environ.get("SIGN_IN_STORE", "")
    # Every sign-in request takes at least this long, so its timing does not reveal who may sign in.
    SIGN_IN_MIN_SECONDS = float(os.environ.get("SIGN_IN_MIN_SECONDS", "2"))
    # How many proxies in front of the app set X-Forwarded-For/-Proto (0: none, use the socket's address).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
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
