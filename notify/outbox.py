"""The local backend: each email saved as an .eml file, and a line on the console.

Each file is written whole or not at all (temporary file, fsync, rename), so a crash never
leaves an empty or half-written ``.eml``.
"""
from __future__ import annotations

import datetime as dt
import os
import tempfile
import uuid
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Mapping

import click

from notify import EmailFailed, message_id


def build_message(email, from_address: str) -> EmailMessage:
    """The MIME message: From, To, Subject, Date and Message-ID (derived from the email's key)."""
    message = EmailMessage()
    message["From"] = from_address
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = format_datetime(dt.datetime.now(dt.timezone.utc))
    message["Message-ID"] = message_id(email, from_address)
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message.set_content(email.text)
    if email.html:
        message.add_alternative(email.html, subtype="html")
    return message


def write_atomically(path: Path, data: bytes) -> None:
    """``data`` at ``path`` whole or not at all: a temporary file beside it, fsynced, renamed over it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def send(email, *, from_address: str, config: Mapping[str, Any]) -> None:
    folder = Path(config.get("MAIL_OUTBOX_DIR", "instance/outbox"))
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(path, bytes(build_message(email, from_address)))
    except OSError as e:
        raise EmailFailed(f"outbox {folder}: {e.strerror or e}") from e
    if config.get("LOCAL_DEV"):  # addresses on the console only in local development
        click.echo(f"outbox: email to {email.to}: {email.subject} ({path})", err=True)
