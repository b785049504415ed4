"""Partnership files: one TOML file per partnership, validated in full at start-up.

A mistake raises ConfigError with one line naming the file, the key and what is
wrong, e.g. ``partnerships/durham.toml: procedure.steps[2].conclude_by: expected a
whole number of days, got "seven"``.
"""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import procedures
from procedures.calendar import NATIONS, Calendar
from procedures.model import DEFAULT_STEP_LABEL, PEOPLE, Procedure, Step, Timescale
from procedures.values import EMAIL_ADDRESS

LIBRARY = Path(procedures.__file__).parent / "library"  # the procedures shipped with the app
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
EMAIL = EMAIL_ADDRESS  # the one rule for addresses, as forms use it
DOMAIN = re.compile(r"^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$")


class ConfigError(Exception):
    """A partnership or procedure file that cannot be used, with a message for a person."""


@dataclass(frozen=True)
class SheetConfig:
    backend: str
    path: Path | None = None
    spreadsheet_id: str | None = None
    credentials: Path | None = None


@dataclass(frozen=True)
class EmailConfig:
    from_address: str
    business_support: str
    partnership_manager: str


@dataclass(frozen=True)
class AccessConfig:
    allowed_domains: tuple[str, ...] = ()
    business_support_users: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReminderConfig:
    due_soon_days: int = 1
    overdue_every: int = 2
    repeated_challenges: int = 3
    repeated_window_days: int = 90
    # The weekday (0 = Monday) the stuck-challenge digest goes to business support and the
    # partnership manager; on a bank holiday it goes on the next working day of that week.
    digest_day: int = 0


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class RetentionConfig:
    """``[retention]``: how long after a challenge closes its personal details are cleared.

    There is no default: until ``anonymise_after_months`` is set, retention refuses to run.
    """

    anonymise_after_months: int | None = None
    weekday: int = 0  # the day of the week the daily job also runs retention (0 Monday)


@dataclass(frozen=True)
class PublicInfo:
    """What the privacy notice, accessibility statement and immediate-risk page say about the partnership.

    Every key is optional; the pages say plainly what has not been filled in.
    """

    controller: str = ""
    lawful_basis: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    dpo_email: str = ""
    children_front_door: str = ""
    adults_front_door: str = ""
    emergency: str = "999"


@dataclass(frozen=True)
class Partnership:
    slug: str
    name: str
    nation: str
    procedure: Procedure
    sheet: SheetConfig
    email: EmailConfig
    access: AccessConfig
    closures: dict[dt.date, str] = field(default_factory=dict)
    compliance_procedure: Procedure | None = None
    reminders: ReminderConfig = ReminderConfig()
    reference_prefix: str = "PC"
    period_start_months: tuple[int, int] = (4, 10)
    retention: RetentionConfig = RetentionConfig()
    info: PublicInfo = PublicInfo()
    source: Path | None = None

    @cached_property
    def calendar(self) -> Calendar:
        return Calendar(self.nation, self.closures)


class _Reader:
    """Typed access to a parsed TOML table, naming the file and key in every error."""

    def __init__(self, source: str, data: dict[str, Any], prefix: str = ""):
        self.source, self.data, self.prefix = source, data, prefix

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.source}: {self.prefix}{key}: {problem}")

    def sub(self, key: str, data: dict[str, Any]) -> "_Reader":
        return _Reader(self.source, data, f"{self.prefix}{key}.")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ..., what: str = "") -> Any:
        if key not in self.data:
            if default is ...:
                raise self.fail(key, "is required")
            return default
        value = self.data[key]
        if isinstance(value, bool) and kind is int:
            raise self.fail(key, f"expected {what or 'a whole number'}, got {_show(value)}")
        if not isinstance(value, kind):
            raise self.fail(key, f"expected {what or _kind_name(kind)}, got {_show(value)}")
        return value

    def text(self, key: str, default: Any = ..., pattern: re.Pattern | None = None, what: str = "") -> str:
        value = self.get(key, str, default, what)
        if value is default and default is not ...:
            return value
        if not value.strip():
            raise self.fail(key, "must not be empty")
        if pattern and not pattern.match(value):
            raise self.fail(key, f"expected {what}, got {_show(value)}")
        return value

    def count(self, key: str, default: Any = ..., minimum: int = 0, what: str = "a whole number") -> int:
        value = self.get(key, int, default, what)
        if value < minimum:
            raise self.fail(key, f"must be at least {minimum}, got {value}")
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: Any = ...) -> str:
        value = self.get(key, str, default, f"one of {', '.join(choices)}")
        if value not in choices:
            raise self.fail(key, f"expected one of {', '.join(choices)}, got {_show(value)}")
        return value

    def unknown(self, allowed: set[str]) -> None:
        extra = sorted(set(self.data) - allowed)
        if extra:
            raise self.fail(extra[0], f"unknown key (expected one of {', '.join(sorted(allowed))})")


def _show(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value).lower() if isinstance(value, bool) else repr(value)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "text", int: "a whole number", bool: "true or false", dict: "a table", list: "a list"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _timescale(r: _Reader, key: str, unit: str, counted_from: str) -> Timescale | None:
    value = r.data.get(key)
    if value is None:
        return None
    if isinstance(value, dict):
        t = r.sub(key, value)
        t.unknown({"days", "unit", "counted_from"})
        return Timescale(
            days=t.count("days", what="a whole number of days"),
            unit=t.choice("unit", ("working", "calendar"), unit),
            counted_from=t.choice("counted_from", ("challenge", "step"), counted_from),
        )
    return Timescale(r.count(key, what="a whole number of days"), unit, counted_from)


def parse_procedure(source: str, data: dict[str, Any], prefix: str = "") -> Procedure:
    """Build a Procedure from a TOML table (a library file or a partnership's inline table)."""
    r = _Reader(source, data, prefix)
    r.unknown({"slug", "name", "source", "step_label", "unit", "counted_from", "final_escalation",
               "may_bypass", "notes", "total", "steps", "starts_at", "stuck_after"})
    unit = r.choice("unit", ("working", "calendar"), "working")
    counted_from = r.choice("counted_from", ("challenge", "step"), "challenge")
    raw_steps = r.get("steps", list, what="a list of steps ([[procedure.steps]] tables)")
    if not raw_steps:
        raise r.fail("steps", "needs at least one step")
    steps = []
    for i, raw in enumerate(raw_steps):
        key = f"steps[{i}]"
        if not isinstance(raw, dict):
            raise r.fail(key, f"expected a table, got {_show(raw)}")
        s = r.sub(key, raw)
        s.unknown({"name", "role", "start_by", "conclude_by", "reporting_threshold", "description", "acts", "told"})
        start_by = _timescale(s, "start_by", unit, counted_from)
        conclude_by = _timescale(s, "conclude_by", unit, counted_from)
        if start_by and conclude_by and start_by.counted_from == conclude_by.counted_from == "challenge" \
                and conclude_by.days < start_by.days:
            raise s.fail("conclude_by", f"day {conclude_by.days} is before start_by day {start_by.days}")
        steps.append(Step(
            number=i + 1,
            name=s.text("name"),
            role=s.text("role"),
            start_by=start_by,
            conclude_by=conclude_by,
            reporting_threshold=s.get("reporting_threshold", bool, False),
            description=s.text("description", ""),
            acts=_people(s, "acts", DEFAULT_ACTS[min(i, 1)], empty=False),
            told=_people(s, "told", ()),
        ))
    starts_at = r.count("starts_at", 1, 1, "a step number")
    if starts_at > len(steps):
        raise r.fail("starts_at", f"there is no step {starts_at} (the procedure has {len(steps)})")
    return Procedure(
        slug=r.text("slug", "inline", SLUG, "lower-case letters, digits and hyphens"),
        name=r.text("name"),
        source=r.text("source", ""),
        steps=tuple(steps),
        step_label=r.text("step_label", DEFAULT_STEP_LABEL),
        final_escalation=r.text("final_escalation", steps[-1].role),
        may_bypass=r.get("may_bypass", bool, False),
        notes=r.text("notes", ""),
        total=_timescale(r, "total", unit, "step"),  # "within N days" of day 1
        starts_at=starts_at,
        stuck_after=r.count("stuck_after", 5, 1, "a whole number of working days"),
    )


# Who acts when a procedure file does not say: the two professionals at the first step, then
# both line managers and whoever the challenge was escalated to.
DEFAULT_ACTS = (("raiser", "challenged"), ("raiser_line_manager", "challenged_line_manager", "escalated_to"))


def _people(r: _Reader, key: str, default: tuple[str, ...], *, empty: bool = True) -> tuple[str, ...]:
    """A step's ``acts`` or ``told``: names from the one list of people (procedures.model.PEOPLE)."""
    values = r.get(key, list, list(default), f"a list of people ({', '.join(PEOPLE)})")
    if not values and not empty:
        raise r.fail(key, "needs at least one person")
    for i, value in enumerate(values):
        if value not in PEOPLE:
            raise r.fail(f"{key}[{i}]", f"expected one of {', '.join(PEOPLE)}, got {_show(value)}")
    return tuple(dict.fromkeys(values))


def load_library_procedure(slug: str) -> Procedure:
    path = LIBRARY / f"{slug}.toml"
    return parse_procedure(_display(path), _read_toml(path))


def library_slugs() -> list[str]:
    return sorted(p.stem for p in LIBRARY.glob("*.toml"))


def _procedure(r: _Reader, key: str) -> Procedure | None:
    value = r.data.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        if value not in library_slugs():
            raise r.fail(key, f"no procedure called {_show(value)} (shipped: {', '.join(library_slugs())})")
        return load_library_procedure(value)
    if isinstance(value, dict):
        return parse_procedure(r.source, value, f"{r.prefix}{key}.")
    raise r.fail(key, f"expected the name of a shipped procedure or a table, got {_show(value)}")


def parse_partnership(source: str, data: dict[str, Any], base_dir: Path) -> Partnership:
    """Build a Partnership from a parsed TOML file; relative paths are taken from ``base_dir``."""
    r = _Reader(source, data)
    r.unknown({"slug", "name", "nation", "closures", "reference_prefix", "procedure",
               "compliance_procedure", "sheet", "email", "access", "reminders", "summary",
               "retention", "privacy", "contact", "immediate_risk"})
    procedure = _procedure(r, "procedure")
    if procedure is None:
        raise r.fail("procedure", "is required")

    sheet_r = r.sub("sheet", r.get("sheet", dict))
    sheet_r.unknown({"backend", "path", "spreadsheet_id", "credentials"})
    backend = sheet_r.choice("backend", ("local", "google"))
    if backend == "local":
        sheet = SheetConfig("local", path=_path(base_dir, sheet_r.text("path")))
    else:
        creds = sheet_r.text("credentials", None)
        sheet = SheetConfig("google", spreadsheet_id=sheet_r.text("spreadsheet_id"),
                            credentials=_path(base_dir, creds) if creds else None)

    email_r = r.sub("email", r.get("email", dict))
    email_r.unknown({"from", "business_support", "partnership_manager"})
    what = "an email address"
    email = EmailConfig(
        from_address=email_r.text("from", pattern=EMAIL, what=what),
        business_support=email_r.text("business_support", pattern=EMAIL, what=what),
        partnership_manager=email_r.text("partnership_manager", pattern=EMAIL, what=what),
    )

    access_r = r.sub("access", r.get("access", dict, {}))
    access_r.unknown({"allowed_domains", "business_support_users"})
    domains = _text_list(access_r, "allowed_domains", DOMAIN, "a domain such as \"example.gov.uk\"")
    users = _text_list(access_r, "business_support_users", EMAIL, what)

    rem_r = r.sub("reminders", r.get("reminders", dict, {}))
    rem_r.unknown({"due_soon_days", "overdue_every", "repeated_challenges", "repeated_window_days", "digest_day"})
    reminders = ReminderConfig(
        due_soon_days=rem_r.count("due_soon_days", 1, 0, "a whole number of working days"),
        overdue_every=rem_r.count("overdue_every", 2, 1, "a whole number of working days"),
        repeated_challenges=rem_r.count("repeated_challenges", 3, 2),
        repeated_window_days=rem_r.count("repeated_window_days", 90, 1, "a whole number of days"),
        digest_day=_weekday(rem_r, "digest_day", "monday"),
    )

    summary_r = r.sub("summary", r.get("summary", dict, {}))
    summary_r.unknown({"period_start_months"})
    months = summary_r.get("period_start_months", list, [4, 10], "a list of two month numbers")
    if len(months) != 2 or not all(isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 12 for m in months) \
            or (months[1] - months[0]) % 12 != 6:
        raise summary_r.fail("period_start_months", f"expected two month numbers six months apart, got {months!r}")

    closures: dict[dt.date, str] = {}
    raw_closures = r.get("closures", (list, dict), [], "a list of dates or a table of date = \"reason\"")
    items = raw_closures.items() if isinstance(raw_closures, dict) else ((c, "Closure day") for c in raw_closures)
    for i, (day, reason) in enumerate(items):
        if isinstance(day, str):
            try:
                day = dt.date.fromisoformat(day)
            except ValueError:
                raise r.fail(f"closures[{i}]", f"expected a date like 2026-12-24, got {_show(day)}") from None
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            raise r.fail(f"closures[{i}]", f"expected a date like 2026-12-24, got {_show(day)}")
        closures[day] = str(reason)

    return Partnership(
        slug=r.text("slug", pattern=SLUG, what="lower-case letters, digits and hyphens"),
        name=r.text("name"),
        nation=r.choice("nation", NATIONS),
        closures=closures,
        reference_prefix=r.text("reference_prefix", "PC", re.compile(r"^[A-Z]{1,6}$"), "1 to 6 capital letters"),
        procedure=procedure,
        compliance_procedure=_procedure(r, "compliance_procedure"),
        sheet=sheet,
        email=email,
        access=AccessConfig(tuple(d.lower() for d in domains), tuple(u.lower() for u in users)),
        reminders=reminders,
        period_start_months=(months[0], months[1]),
        retention=_retention(r),
        info=_public_info(r),
    )


PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{1,23}$")


def _retention(r: _Reader) -> RetentionConfig:
    t = r.sub("retention", r.get("retention", dict, {}))
    t.unknown({"anonymise_after_months", "weekday"})
    months = None
    if "anonymise_after_months" in t.data:
        months = t.count("anonymise_after_months", minimum=1, what="a whole number of months")
    day = t.get("weekday", str, "Monday", "a day of the week such as \"Monday\"")
    if day.strip().lower() not in WEEKDAYS:
        raise t.fail("weekday", f"expected a day of the week such as \"Monday\", got {_show(day)}")
    return RetentionConfig(months, WEEKDAYS.index(day.strip().lower()))


def _public_info(r: _Reader) -> PublicInfo:
    """``[privacy]``, ``[contact]`` and ``[immediate_risk]``."""
    privacy = r.sub("privacy", r.get("privacy", dict, {}))
    privacy.unknown({"controller", "lawful_basis", "dpo_email"})
    contact = r.sub("contact", r.get("contact", dict, {}))
    contact.unknown({"email", "phone"})
    risk = r.sub("immediate_risk", r.get("immediate_risk", dict, {}))
    risk.unknown({"children_front_door", "adults_front_door", "emergency"})
    phone = "a telephone number such as \"0300 123 4567\""
    return PublicInfo(
        controller=privacy.text("controller", ""),
        lawful_basis=privacy.text("lawful_basis", ""),
        dpo_email=privacy.text("dpo_email", "", EMAIL, "an email address"),
        contact_email=contact.text("email", "", EMAIL, "an email address"),
        contact_phone=contact.text("phone", "", PHONE, phone),
        children_front_door=risk.text("children_front_door", "", PHONE, phone),
        adults_front_door=risk.text("adults_front_door", "", PHONE, phone),
        emergency=risk.text("emergency", "999", PHONE, phone),
    )


def _weekday(r: _Reader, key: str, default: str) -> int:
    """A day of the week, as "Monday" or "monday"; 0 is Monday."""
    day = r.get(key, str, default, "a day of the week, such as \"Monday\"")
    if day.strip().lower() not in WEEKDAYS:
        raise r.fail(key, f"expected a day of the week, such as \"Monday\", got {_show(day)}")
    return WEEKDAYS.index(day.strip().lower())


def _text_list(r: _Reader, key: str, pattern: re.Pattern, what: str) -> list[str]:
    values = r.get(key, list, [], f"a list, each {what}")
    for i, v in enumerate(values):
        if not isinstance(v, str) or not pattern.match(v.lower()):
            raise r.fail(f"{key}[{i}]", f"expected {what}, got {_show(v)}")
    return values


def _path(base_dir: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else base_dir / path


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{_display(path)}: not valid TOML: {e}") from None
    except OSError as e:
        raise ConfigError(f"{_display(path)}: cannot be read: {e.strerror}") from None


def load_partnership(path: Path, base_dir: Path | None = None) -> Partnership:
    """Load and validate one partnership file. Relative paths are from ``base_dir`` (default: the current folder)."""
    data = _read_toml(path)
    p = parse_partnership(_display(path), data, base_dir or Path.cwd())
    if p.slug != path.stem:
        raise ConfigError(f"{_display(path)}: slug: expected \"{path.stem}\" (the file's name), got \"{p.slug}\"")
    return _with_source(p, path)


def _with_source(p: Partnership, path: Path) -> Partnership:
    from dataclasses import replace
    return replace(p, source=path)


def load_partnerships(folder: Path, base_dir: Path | None = None) -> dict[str, Partnership]:
    """Every ``*.toml`` partnership in ``folder``, keyed by slug."""
    files = sorted(Path(folder).glob("*.toml"))
    if not files:
        raise ConfigError(f"{_display(Path(folder))}: no partnership files (*.toml) found")
    return {p.slug: p for p in (load_partnership(f, base_dir) for f in files)}
