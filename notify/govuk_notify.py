"""The GOV.UK Notify backend (free for public-sector services).

Notify sends from a template: set ``NOTIFY_TEMPLATE_ID`` to an email template whose
subject is ``((subject))`` and whose body is ``((body))``, and ``NOTIFY_API_KEY`` to a
live or team key. Notify formats the body itself, so the plain-text part is sent.
``NOTIFY_BASE_URL`` points elsewhere only for tests.
"""
from __future__ import annotations

from typing import Any, Mapping

import requests
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from notify import Email, EmailFailed
from notify.settings import setting

NOTIFY_API = "https://api.notifications.service.gov.uk"


def send(email: Email, *, from_address: str, config: Mapping[str, Any]) -> None:
    """Send one email through Notify; any failure raises EmailFailed.

    ``from_address`` is not used: Notify sends from the service's own address
    (its reply-to address is set in Notify).
    """
    api_key = setting(config, "NOTIFY_API_KEY")
    template_id = setting(config, "NOTIFY_TEMPLATE_ID")
    if not api_key or not template_id:
        raise EmailFailed("NOTIFY_API_KEY and NOTIFY_TEMPLATE_ID must both be set for MAIL_BACKEND=notify")
    try:
        client = NotificationsAPIClient(api_key, base_url=setting(config, "NOTIFY_BASE_URL", NOTIFY_API),
                                        timeout=float(setting(config, "NOTIFY_TIMEOUT", 10)))
        client.send_email_notification(
            email_address=email.to,
            template_id=template_id,
            personalisation={"subject": email.subject, "body": email.text},
        )
    except APIError as e:
        raise EmailFailed(f"GOV.UK Notify: {e.status_code} {e.message}") from e
    except (requests.RequestException, AssertionError, ValueError) as e:
        # AssertionError: the client's own check of a malformed API key.
        raise EmailFailed(f"GOV.UK Notify: {e}") from e
