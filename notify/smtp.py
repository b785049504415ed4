"""The SMTP backend: smtplib with STARTTLS and login, for a partnership's own mail relay.

Settings (app config or environment): ``MAIL_SMTP_HOST``, ``MAIL_SMTP_PORT`` (587),
``MAIL_SMTP_USERNAME``, ``MAIL_SMTP_PASSWORD``, ``MAIL_SMTP_STARTTLS`` (on),
``MAIL_SMTP_TIMEOUT`` (seconds, 10) and ``MAIL_SMTP_CA_FILE`` (a CA bundle for a relay
with a private certificate; the system's CAs by default).
"""
from __future__ import annotations

import smtplib
import ssl
from typing import Any, Mapping

from notify import Email, EmailFailed
from notify.outbox import build_message
from notify.settings import flag, setting


def send(email: Email, *, from_address: str, config: Mapping[str, Any]) -> None:
    """Send one email through the configured relay; any failure raises EmailFailed."""
    host = setting(config, "MAIL_SMTP_HOST")
    if not host:
        raise EmailFailed("MAIL_SMTP_HOST is not set (the mail relay to send through)")
    try:
        port = int(setting(config, "MAIL_SMTP_PORT", 587))
        timeout = float(setting(config, "MAIL_SMTP_TIMEOUT", 10))
    except ValueError as e:
        raise EmailFailed(f"MAIL_SMTP_PORT and MAIL_SMTP_TIMEOUT must be numbers: {e}") from None
    username = setting(config, "MAIL_SMTP_USERNAME")
    password = setting(config, "MAIL_SMTP_PASSWORD", "")
    message = build_message(email, from_address)
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            if flag(config, "MAIL_SMTP_STARTTLS", True):
                context = ssl.create_default_context(cafile=setting(config, "MAIL_SMTP_CA_FILE"))
                smtp.starttls(context=context)
            if username:
                smtp.login(username, password)
            refused = smtp.send_message(message)
    except (smtplib.SMTPException, OSError, ssl.SSLError) as e:
        raise EmailFailed(f"SMTP {host}:{port}: {_describe(e)}") from e
    if refused:
        raise EmailFailed(f"SMTP {host}:{port} refused {', '.join(refused)}")


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        detail = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        return f"{error.smtp_code} {detail}"
    return str(error) or type(error).__name__
