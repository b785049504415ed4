"""The SMTP backend: smtplib with STARTTLS and login, for a partnership's own mail relay.

Settings (app config or environment): ``MAIL_SMTP_HOST``, ``MAIL_SMTP_PORT`` (587),
``MAIL_SMTP_USERNAME``, ``MAIL_SMTP_PASSWORD``, ``MAIL_SMTP_STARTTLS`` (on),
``MAIL_SMTP_TIMEOUT`` (seconds, 10) and ``MAIL_SMTP_CA_FILE`` (a CA bundle for a relay
with a private certificate; the system's CAs by default).
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from typing import Any, Mapping

from notify import Email, EmailFailed
from notify.outbox import build_message
from notify.settings import flag, setting

logger = logging.getLogger(__name__)


def send(email: Email, *, from_address: str, config: Mapping[str, Any]) -> None:
    """Send one email through the configured relay.

    The email counts as sent once the relay answers 250 to its data: what happens after that
    (QUIT refused with 421, the connection reset, a timeout) is logged, never raised, so the
    email is not sent again. Any failure up to and including the data raises EmailFailed.
    """
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
    smtp: smtplib.SMTP | None = None
    try:
        try:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
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
        # Accepted (250 to the data): from here on the email is sent, whatever the relay says next.
        try:
            code, reply = smtp.docmd("QUIT")
            if code != 221:
                raise smtplib.SMTPResponseException(code, reply)
        except (smtplib.SMTPException, OSError, ssl.SSLError) as e:
            logger.warning("SMTP %s:%s accepted the email %s; closing the connection then failed: %s",
                           host, port, message["Message-ID"], _describe(e))
    finally:
        if smtp is not None:
            smtp.close()


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        detail = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        return f"{error.smtp_code} {detail}"
    return str(error) or type(error).__name__
