"""The GOV.UK Notify backend, through notifications-python-client, against a local stand-in for the Notify API."""
from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest

from notify import Email, EmailFailed, send_email

SERVICE_ID = str(uuid.uuid4())
SECRET = str(uuid.uuid4())
API_KEY = f"challenge_tracker_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = str(uuid.uuid4())
EMAIL = Email(to="raiser@agency.example", subject="PC-0001 has been resolved",
              text="PC-0001 was resolved on 4 January 2027.", html="<p>PC-0001 was resolved.</p>")


class _NotifyAPI(BaseHTTPRequestHandler):
    """POST /v2/notifications/email as Notify answers it: 201, or 400/403 with Notify's error shape."""

    received: list[dict] = []
    status = 201

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        token = self.headers["Authorization"].removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, SECRET, algorithms=["HS256"])
            authorised = claims["iss"] == SERVICE_ID
        except jwt.InvalidTokenError:
            authorised = False
        if self.path != "/v2/notifications/email":
            self._answer(404, {"status_code": 404, "errors": [{"error": "NotFound", "message": "Not found"}]})
        elif not authorised:
            self._answer(403, {"status_code": 403, "errors": [{"error": "AuthError", "message": "Invalid token"}]})
        elif self.status != 201:
            self._answer(self.status, {"status_code": self.status, "errors": [
                {"error": "BadRequestError", "message": "Can't send to this recipient using a team-only API key"}]})
        else:
            type(self).received.append(body)
            self._answer(201, {"id": str(uuid.uuid4()), "content": {"subject": body["personalisation"]["subject"]}})

    def _answer(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def notify_api():
    _NotifyAPI.received = []
    _NotifyAPI.status = 201
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotifyAPI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(2)


def _config(server, **extra):
    return {"MAIL_BACKEND": "notify", "NOTIFY_API_KEY": API_KEY, "NOTIFY_TEMPLATE_ID": TEMPLATE_ID,
            "NOTIFY_BASE_URL": f"http://127.0.0.1:{server.server_port}", **extra}


def test_the_template_gets_the_subject_and_body(notify_api):
    send_email(EMAIL, from_address="unused@example.org", config=_config(notify_api))
    assert _NotifyAPI.received == [{
        "email_address": "raiser@agency.example",
        "template_id": TEMPLATE_ID,
        "personalisation": {"subject": "PC-0001 has been resolved",
                            "body": "PC-0001 was resolved on 4 January 2027."},
    }]


def test_a_refusal_is_email_failed_with_notifys_message(notify_api):
    _NotifyAPI.status = 400
    with pytest.raises(EmailFailed, match="400 .*team-only API key"):
        send_email(EMAIL, from_address="x@example.org", config=_config(notify_api))


def test_a_wrong_key_is_email_failed(notify_api):
    wrong = f"challenge_tracker_test-{SERVICE_ID}-{uuid.uuid4()}"
    with pytest.raises(EmailFailed, match="403"):
        send_email(EMAIL, from_address="x@example.org", config=_config(notify_api, NOTIFY_API_KEY=wrong))
    assert _NotifyAPI.received == []


def test_notify_unreachable_is_email_failed(notify_api):
    config = _config(notify_api)
    notify_api.shutdown()
    notify_api.server_close()
    with pytest.raises(EmailFailed, match="GOV.UK Notify"):
        send_email(EMAIL, from_address="x@example.org", config=config)


def test_missing_settings_are_named(monkeypatch):
    monkeypatch.delenv("NOTIFY_API_KEY", raising=False)
    monkeypatch.delenv("NOTIFY_TEMPLATE_ID", raising=False)
    with pytest.raises(EmailFailed, match="NOTIFY_API_KEY and NOTIFY_TEMPLATE_ID"):
        send_email(EMAIL, from_address="x@example.org", config={"MAIL_BACKEND": "notify"})
