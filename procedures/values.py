"""Reading values people type into a spreadsheet."""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The time zone times are shown in, unless TIMEZONE says otherwise.
DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_ZONE = ZoneInfo(DEFAULT_TIMEZONE)


def time_zone(name: str) -> ZoneInfo:
    """The zone called ``name`` (an IANA name such as ``Europe/London``); ValueError for an unknown one."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(f"TIMEZONE {name!r} is not a time zone name (for example Europe/London)") from e

from email_validator import EmailNotValidError, validate_email

# The longest address a mail system carries (RFC 5321's path limit less its angle brackets).
EMAIL_LENGTH = 254


def is_email_address(text: object) -> bool:
    """The one rule for an email address, wherever one is typed or read: the sign-in form, every
    other form, the partnership files and the Lists tab. ASCII only (an address with a non-ASCII
    part needs SMTPUTF8, which many relays refuse), one ``@``, a domain with a dot, at most 254 characters.
    """
    if not isinstance(text, str) or not text or len(text) > EMAIL_LENGTH or text != text.strip():
        return False
    try:
        validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return False
    return True


class _EmailAddressRule:
    """``is_email_address`` for readers that take a compiled pattern (``rule.match(text)``)."""

    def match(self, text: str) -> bool:
        return is_email_address(text)


EMAIL_ADDRESS = _EmailAddressRule()

_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
_MONTH_FORMATS = ("%d %B %Y", "%d %b %Y", "%d %B %y", "%d %b %y")


def parse_date(text: object) -> dt.date | None:
    """A date typed as ``21/11/2026``, ``21-11-26``, ``2026-11-21``, ``21 November 2026``
    or read from a real date cell. Blank gives None; anything else raises ValueError.
    """
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    return _parse_text(str(text or ""))


@lru_cache(maxsize=65536)
def _parse_text(text: str) -> dt.date | None:
    """Memoised: a sheet of 100,000 rows holds a few hundred distinct dates."""
    value = text.strip()
    if not value:
        return None
    # A real date cell read as text, possibly with a midnight time.
    iso = value.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2}[ T]00:00(:00)?$", value) else value
    try:
        return dt.date.fromisoformat(iso)
    except ValueError:
        pass
    m = _DMY.match(value)
    if m:
        day, month, year = (int(g) for g in m.groups())
        if year < 100:
            year += 2000
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise ValueError(f"{value!r} is not a real date") from None
    for fmt in _MONTH_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a date (type it as 21/11/2026)")


def format_date(day: dt.date | None) -> str:
    """How the app writes a date into the sheet: unambiguous ISO, which every reader above accepts."""
    return day.isoformat() if day else ""


def display_date(day: dt.date | None) -> str:
    """How a date is shown to people, everywhere (GOV.UK style): ``29 December 2026``."""
    return f"{day.day} {day:%B %Y}" if day else ""


def local_time(moment: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """``moment`` in ``zone``; a naive moment is taken to be this machine's local time."""
    return moment.astimezone(zone)


def display_time(moment: dt.datetime | None, zone: dt.tzinfo) -> str:
    """A moment as people read it, in the partnership's time zone and saying which:
    ``29 December 2026 at 2:05pm (GMT)``. A naive moment is this machine's local time."""
    if moment is None:
        return ""
    local = local_time(moment, zone)
    hour = local.hour % 12 or 12
    clock = f"{hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"
    return f"{display_date(local.date())} at {clock} ({local.tzname()})"
