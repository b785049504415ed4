"""Email: one send function, backends chosen by ``MAIL_BACKEND`` (outbox, smtp, notify).

Emails carry a reference, a step, a deadline and a link: never names of children,
families or case detail.
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str | None = None
    reply_to: str | None = None
    # What the email is about, when it has an identity (the daily job's reminder key): its
    # Message-ID is derived from it, so an email sent again after a crash carries the same one.
    key: str | None = None


class EmailFailed(Exception):
    """The email was not sent; the caller keeps it to try again."""


def message_id(email: Email, from_address: str) -> str:
    """The email's Message-ID: derived from its ``key`` when it has one, otherwise unique.

    The same key always gives the same Message-ID, so mail clients show an email sent twice
    (after a crash between sending and noting it as sent) once.
    """
    domain = from_address.rpartition("@")[2].strip(" >") or "challenge-tracker.invalid"
    if email.key:
        digest = hashlib.sha256(email.key.encode("utf-8")).hexdigest()[:32]
        return f"<{digest}@{domain}>"
    return f"<{uuid.uuid4().hex}@{domain}>"


def send_email(email: Email, *, from_address: str, config: Mapping[str, Any]) -> None:
    """Send one email with the backend ``config["MAIL_BACKEND"]`` names (default ``outbox``).

    Raises EmailFailed if it could not be sent.
    """
    backend = config.get("MAIL_BACKEND", "outbox")
    if backend == "outbox":
        from notify.outbox import send
    elif backend == "smtp":
        from notify.smtp import send
    elif backend == "notify":
        from notify.govuk_notify import send
    else:
        raise EmailFailed(f"MAIL_BACKEND {backend!r} is not one of outbox, smtp, notify")
    send(email, from_address=from_address, config=config)


def send_kept_email(data: Mapping[str, Any], *, from_address: str, config: Mapping[str, Any]) -> bool:
    """Send the email a kept submission was kept with (``sheets.pending``), now that it is in the
    sheet; False if there was none or it could not be sent (the challenge's page offers to send
    the link again)."""
    if not data.get("email"):
        return False
    try:
        send_email(Email(**data["email"]), from_address=from_address, config=config)
    except EmailFailed:
        return False
    return True
