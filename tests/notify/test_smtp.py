"""The SMTP backend against a real aiosmtpd server on 127.0.0.1."""
from __future__ import annotations

import socket
import threading

import pytest

from notify import Email, EmailFailed, send_email
from tests.notify.mailserver import MailServer, free_port

EMAIL = Email(
    to="line.manager@agency.example",
    subject="PC-0001: Step 2 is due soon",
    text="Step 2 of PC-0001 must conclude by 30 December 2026.\nhttp://localhost/demo/challenges/PC-0001",
    html="<p>Step 2 of PC-0001 must conclude by <strong>30 December 2026</strong>.</p>",
    reply_to="business.support@demo-partnership.example",
)
FROM = "challenges@demo-partnership.example"


@pytest.fixture
def plain_server():
    with MailServer() as server:
        yield server


@pytest.fixture
def tls_server(tmp_path):
    with MailServer(tmp_path, tls=True) as server:
        yield server


def test_plain_smtp_delivers_text_and_html(plain_server):
    send_email(EMAIL, from_address=FROM, config=plain_server.config())
    [got] = plain_server.received
    assert got.mail_from == FROM
    assert got.rcpt_tos == ["line.manager@agency.example"]
    assert got.subject == "PC-0001: Step 2 is due soon"
    assert got.message["Reply-To"] == "business.support@demo-partnership.example"
    assert "must conclude by 30 December 2026" in got.part("plain")
    assert "<strong>30 December 2026</strong>" in got.part("html")


def test_starttls_and_login_deliver(tls_server):
    send_email(EMAIL, from_address=FROM, config=tls_server.config())
    assert [m.subject for m in tls_server.received] == ["PC-0001: Step 2 is due soon"]


def test_a_wrong_password_is_email_failed(tls_server):
    with pytest.raises(EmailFailed, match="535"):
        send_email(EMAIL, from_address=FROM, config=tls_server.config(MAIL_SMTP_PASSWORD="wrong"))
    assert tls_server.received == []


def test_a_server_requiring_starttls_refuses_a_client_without_it(tls_server):
    config = tls_server.config(MAIL_SMTP_STARTTLS=False)
    with pytest.raises(EmailFailed):
        send_email(EMAIL, from_address=FROM, config=config)
    assert tls_server.received == []


def test_an_untrusted_certificate_is_email_failed(tls_server):
    config = tls_server.config()
    del config["MAIL_SMTP_CA_FILE"]
    with pytest.raises(EmailFailed, match="certificate"):
        send_email(EMAIL, from_address=FROM, config=config)


def test_nothing_listening_is_email_failed():
    config = {"MAIL_BACKEND": "smtp", "MAIL_SMTP_HOST": "127.0.0.1", "MAIL_SMTP_PORT": free_port(),
              "MAIL_SMTP_STARTTLS": "0", "MAIL_SMTP_TIMEOUT": 2}
    with pytest.raises(EmailFailed, match="127.0.0.1"):
        send_email(EMAIL, from_address=FROM, config=config)


def test_a_server_that_never_answers_times_out_as_email_failed():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True)
    thread.start()
    try:
        config = {"MAIL_BACKEND": "smtp", "MAIL_SMTP_HOST": "127.0.0.1", "MAIL_SMTP_PORT": port,
                  "MAIL_SMTP_STARTTLS": "0", "MAIL_SMTP_TIMEOUT": "0.5"}
        with pytest.raises(EmailFailed, match="timed out"):
            send_email(EMAIL, from_address=FROM, config=config)
    finally:
        thread.join(2)
        for s in accepted:
            s.close()
        listener.close()


def test_a_refused_message_is_email_failed(plain_server):
    plain_server.handler.refuse_data = True
    with pytest.raises(EmailFailed, match="451"):
        send_email(EMAIL, from_address=FROM, config=plain_server.config())


def test_settings_come_from_the_environment_through_the_apps_config(plain_server):
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    # The environment is read once, when config.py is imported: in a process of its own here.
    env = {**os.environ, "MAIL_BACKEND": "smtp", "MAIL_SMTP_HOST": "127.0.0.1",
           "MAIL_SMTP_PORT": str(plain_server.port), "MAIL_SMTP_STARTTLS": "off"}
    shown = subprocess.run(
        [sys.executable, "-c", "import json, config; c = config.Config; "
                               "print(json.dumps({n: getattr(c, n) for n in dir(c) if n.startswith('MAIL_')}))"],
        env=env, cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, check=True)
    app_config = json.loads(shown.stdout)
    assert (app_config["MAIL_SMTP_PORT"], app_config["MAIL_SMTP_STARTTLS"]) == (plain_server.port, False)
    send_email(EMAIL, from_address=FROM, config=app_config)
    assert len(plain_server.received) == 1


def test_no_host_is_email_failed_with_the_setting_named(monkeypatch):
    monkeypatch.delenv("MAIL_SMTP_HOST", raising=False)
    with pytest.raises(EmailFailed, match="MAIL_SMTP_HOST is not set"):
        send_email(EMAIL, from_address=FROM, config={"MAIL_BACKEND": "smtp"})


def test_an_unknown_backend_is_email_failed():
    with pytest.raises(EmailFailed, match="'carrier-pigeon' is not one of outbox, smtp, notify"):
        send_email(EMAIL, from_address=FROM, config={"MAIL_BACKEND": "carrier-pigeon"})
