"""Partnerships and sheets the reminder tests share: Pan Cheshire and Durham, named addresses."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Mapping

import pytest

from app import create_app
from partnership.config import Partnership, load_partnership
from sheets.base import Record, Table
from sheets.local import LocalWorkbook
from sheets.schema import CHALLENGE_COLUMNS, CHALLENGES, COMPLIANCE, COMPLIANCE_COLUMNS, REMINDERS, REMINDERS_COLUMNS
from tests.notify.mailserver import MailServer

PAN_TOML = """
slug = "pan"
name = "Pan Cheshire Test Partnership"
nation = "ENG"
reference_prefix = "PAN"
procedure = "pan-cheshire"

[sheet]
backend = "local"
path = "pan.xlsx"

[email]
from = "challenges@pan.example"
business_support = "business.support@pan.example"
partnership_manager = "partnership.manager@pan.example"

[reminders]
due_soon_days = 1
overdue_every = 2
"""

DURHAM_TOML = """
slug = "durham"
name = "Durham Test Partnership"
nation = "ENG"
reference_prefix = "DSCP"
procedure = "durham-iro"
compliance_procedure = "durham-iro"

[sheet]
backend = "local"
path = "durham.xlsx"

[email]
from = "dscp@durham.example"
business_support = "business.support@durham.example"
partnership_manager = "business.manager@durham.example"

[reminders]
due_soon_days = 1
overdue_every = 2
repeated_challenges = 3
repeated_window_days = 90
"""

# What no email may ever contain: the case reference, a name, the detail of the decision.
SECRETS = {"Case reference": "CASE-77-SECRET", "Raised by": "Alex Secretname",
           "Decision challenged": "Secret detail of the decision", "Family reference": "FAM-99-SECRET",
           "Professional": "Sam Secretprofessional", "Outcome": "Secret outcome text"}


def write_partnerships(folder: Path, sheets_dir: Path, *, google_durham: bool = False) -> Path:
    """A partnerships folder with pan.toml and durham.toml whose workbooks live in ``sheets_dir``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pan.toml").write_text(PAN_TOML.replace('path = "pan.xlsx"', f'path = "{sheets_dir / "pan.xlsx"}"'))
    durham = DURHAM_TOML.replace('path = "durham.xlsx"', f'path = "{sheets_dir / "durham.xlsx"}"')
    if google_durham:
        durham = durham.replace(f'backend = "local"\npath = "{sheets_dir / "durham.xlsx"}"',
                                'backend = "google"\nspreadsheet_id = "durham-sheet"')
    (folder / "durham.toml").write_text(durham)
    return folder


def pan(tmp_path: Path) -> Partnership:
    return load_partnership(write_partnerships(tmp_path / "partnerships", tmp_path) / "pan.toml")


def durham(tmp_path: Path) -> Partnership:
    return load_partnership(write_partnerships(tmp_path / "partnerships", tmp_path) / "durham.toml")


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def challenge(reference: str, raised_on: str, step: str = "1", **columns: str) -> dict[str, str]:
    """A Challenges row; keyword names with underscores stand for the header's spaces."""
    row = {"Reference": reference, "Raised on": raised_on, "Step": step, **SECRETS}
    row.update({k.replace("_", " "): v for k, v in columns.items()})
    return row


def compliance(reference: str, raised_on: str, step: str = "2", **columns: str) -> dict[str, str]:
    return challenge(reference, raised_on, step, **columns)


def tables(challenges: list[Mapping[str, str]] = (), compliance_rows: list[Mapping[str, str]] = (),
           sent_keys: list[str] = ()) -> dict[str, Table]:
    """Tables as read_all gives them, for the pure planning tests."""
    def table(tab: str, headers: tuple[str, ...], rows) -> Table:
        return Table(tab, headers, tuple(Record(tab, i + 2, dict(r)) for i, r in enumerate(rows)))
    return {
        CHALLENGES: table(CHALLENGES, CHALLENGE_COLUMNS, challenges),
        COMPLIANCE: table(COMPLIANCE, COMPLIANCE_COLUMNS, compliance_rows),
        REMINDERS: table(REMINDERS, REMINDERS_COLUMNS, [{"Key": k} for k in sent_keys]),
    }


def local_workbook(path: Path, challenges: list[Mapping[str, str]] = (),
                   compliance_rows: list[Mapping[str, str]] = ()) -> LocalWorkbook:
    workbook = LocalWorkbook(path)
    workbook.init()
    if challenges:
        workbook.append(CHALLENGES, list(challenges))
    if compliance_rows:
        workbook.append(COMPLIANCE, list(compliance_rows))
    return workbook


@pytest.fixture
def mail():
    """A real SMTP server (aiosmtpd) on 127.0.0.1 for the job's emails."""
    with MailServer() as server:
        yield server


@pytest.fixture
def app(tmp_path, mail):
    """The app with the Pan Cheshire and Durham partnerships, mailing through ``mail``."""
    folder = write_partnerships(tmp_path / "partnerships", tmp_path)
    return create_app({"TESTING": True, "SECRET_KEY": "test", "PARTNERSHIPS_DIR": str(folder),
                       "BASE_DIR": str(tmp_path), "STATE_URL": f"sqlite:///{tmp_path}/state.sqlite3",
                       "BASE_URL": "https://challenges.example.org", **mail.config()})
