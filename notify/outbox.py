"""The local backend: each email saved as an .eml file, and a line on the console."""
from __future__ import annotations

import datetime as dt
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Mapping

import click


def build_message(email, from_address: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = from_address
    message["To"] = email.to
    message["Subject"] = email.subject
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message.set_content(email.text)
    if email.html:
        message.add_alternative(email.html, subtype="html")
    return message


def send(email, *, from_address: str, config: Mapping[str, Any]) -> None:
    from notify import EmailFailed

    folder = Path(config.get("MAIL_OUTBOX_DIR", "instance/outbox"))
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes(build_message(email, from_address)))
    except OSError as e:
        raise EmailFailed(f"outbox {folder}: {e.strerror or e}") from e
    if config.get("LOCAL_DEV"):  # addresses on the console only in local development
        click.echo(f"outbox: email to {email.to}: {email.subject} ({path})", err=True)
