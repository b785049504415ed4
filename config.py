"""Application settings, read from environment variables."""
from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

import click

from procedures.values import DEFAULT_TIMEZONE

ROOT = Path(__file__).resolve().parent
# The fixed key of local development: anyone can read it here, so it never signs anything elsewhere.
LOCAL_SECRET_KEY = "local-development-only"
LOCAL_BASE_URL = "http://127.0.0.1:5000"


def _flag(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in ("1", "true", "yes", "on")


def local_dev() -> bool:
    """Whether ``LOCAL_DEV`` asks for the local-development settings (nothing else does, not FLASK_DEBUG)."""
    return _flag("LOCAL_DEV", False)


class Config:
    """Production-safe defaults; every value can be set by an environment variable of the same name."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    PARTNERSHIPS_DIR = os.environ.get("PARTNERSHIPS_DIR", str(ROOT / "partnerships"))
    BASE_DIR = os.environ.get("BASE_DIR", str(ROOT))
    # The address put in emailed links; required outside local development.
    BASE_URL = os.environ.get("BASE_URL")
    LOCAL_DEV = _flag("LOCAL_DEV", False)
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "outbox")
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(ROOT / "instance" / "outbox"))
    # MAIL_BACKEND=smtp: the relay (notify/smtp.py); MAIL_BACKEND=notify: GOV.UK Notify (notify/govuk_notify.py).
    MAIL_SMTP_HOST = os.environ.get("MAIL_SMTP_HOST", "")
    MAIL_SMTP_PORT = int(os.environ.get("MAIL_SMTP_PORT", "587"))
    MAIL_SMTP_USERNAME = os.environ.get("MAIL_SMTP_USERNAME", "")
    MAIL_SMTP_PASSWORD = os.environ.get("MAIL_SMTP_PASSWORD", "")
    MAIL_SMTP_STARTTLS = _flag("MAIL_SMTP_STARTTLS", True)
    MAIL_SMTP_TIMEOUT = float(os.environ.get("MAIL_SMTP_TIMEOUT", "10"))
    MAIL_SMTP_CA_FILE = os.environ.get("MAIL_SMTP_CA_FILE", "")
    NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY", "")
    NOTIFY_TEMPLATE_ID = os.environ.get("NOTIFY_TEMPLATE_ID", "")
    # Where sessions, used links, rate-limit counts, the job's lock and journal and kept submissions
    # live: empty means the SQLite file instance/state.sqlite3; redis://host:6379/0 for several machines.
    STATE_URL = os.environ.get("STATE_URL", "")
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS", "12"))
    # A daily run's lock frees itself after this long, so a node that died mid-run does not block tomorrow's.
    JOB_LOCK_MINUTES = int(os.environ.get("JOB_LOCK_MINUTES", "120"))
    LISTS_CACHE_SECONDS = int(os.environ.get("LISTS_CACHE_SECONDS", "300"))
    # Pages re-read a Google sheet at most this often unless the app wrote to it (0: every view).
    SHEET_CACHE_SECONDS = float(os.environ.get("SHEET_CACHE_SECONDS", "30"))
    # Google Sheets calls a minute, per service account, shared by every process through the state
    # store (Google allows 60 of each); the job leaves the last SHEETS_PAGE_RESERVE to people's pages.
    SHEETS_READS_PER_MINUTE = int(os.environ.get("SHEETS_READS_PER_MINUTE", "58"))
    SHEETS_WRITES_PER_MINUTE = int(os.environ.get("SHEETS_WRITES_PER_MINUTE", "58"))
    SHEETS_PAGE_RESERVE = int(os.environ.get("SHEETS_PAGE_RESERVE", "5"))
    # While the daily job runs, pages leave it this many calls a minute however busy they are.
    SHEETS_JOB_SHARE = int(os.environ.get("SHEETS_JOB_SHARE", "10"))
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
    SECRET_KEY = Config.SECRET_KEY or LOCAL_SECRET_KEY
    BASE_URL = Config.BASE_URL or LOCAL_BASE_URL


def unsafe_setting(config: Mapping[str, Any]) -> str | None:
    """Why these settings must not serve anyone, in one line; None when they are safe to start with.

    Outside local development links are signed with ``SECRET_KEY`` and emailed with ``BASE_URL``:
    a missing or public key lets anyone forge a session, and a missing address sends links nowhere.
    """
    if not config.get("SECRET_KEY"):
        return "SECRET_KEY is not set (set it in the environment, or LOCAL_DEV=1 for local use)"
    if config.get("LOCAL_DEV"):
        return local_dev_host_problem()
    if config["SECRET_KEY"] == LOCAL_SECRET_KEY:
        return "SECRET_KEY is the local-development key, which is public: set a secret of your own"
    base_url = config.get("BASE_URL") or ""
    if not base_url and not config.get("TESTING"):  # TESTING is set by test code, never by the environment
        return ("BASE_URL is not set: emailed links would point nowhere "
                "(set it to the address people open, e.g. https://challenge.example.org)")
    parts = urlsplit(base_url)
    if base_url and (parts.scheme not in ("http", "https") or not parts.netloc):
        return f"BASE_URL {base_url!r} is not a web address like https://challenge.example.org"
    return None


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address a server listens on) is this machine only."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def local_dev_host_problem() -> str | None:
    """With LOCAL_DEV=1: why the address the app is served on is refused, or None.

    The local-development settings (a public secret, plain http) are safe on this machine only.
    ``flask run --host`` is read from the command line (it listens after loading the app); a
    server that listens first, like gunicorn's workers, is seen through its open sockets.
    """
    context = click.get_current_context(silent=True)
    hosts = listening_hosts()
    if context is not None and context.info_name == "run":
        hosts.append(str(context.params.get("host") or "127.0.0.1"))
    wide = next((host for host in hosts if not is_loopback(host)), None)
    if wide is None:
        return None
    return (f"LOCAL_DEV=1 serves this machine only, not {wide}: "
            "listen on 127.0.0.1, or set SECRET_KEY and BASE_URL without LOCAL_DEV")


def listening_hosts() -> list[str]:
    """The addresses this process's listening TCP sockets are bound to (read from /proc on Linux;
    empty where there is no /proc)."""
    try:
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return []
    inodes = set()
    for fd in fds:
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    hosts = []
    for table in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/self/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                hosts.append(_proc_address(fields[1].split(":")[0]))
    return hosts


def _proc_address(hex_address: str) -> str:
    """An address as /proc/net/tcp{,6} writes it: 32-bit words in the machine's (little-endian) order."""
    raw = bytes.fromhex(hex_address)
    swapped = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(swapped))


class StartRefused(SystemExit):
    """The app will not start: one line on stderr saying why, and exit status 3, which also
    stops gunicorn's master instead of letting it start the worker again and again."""

    def __init__(self, reason: str):
        super().__init__(3)
        self.reason = reason
        print(reason, file=sys.stderr, flush=True)

    def __str__(self) -> str:
        return self.reason
