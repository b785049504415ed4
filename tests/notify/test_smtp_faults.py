"""A relay failing at every stage of the conversation: each email is delivered exactly once.

The server is aiosmtpd with STARTTLS and login (tests/notify/mailserver.py), failing at one
stage by answering an error, resetting the connection or going silent. A failure before the
relay accepts the data is EmailFailed (the email goes again on the next run); one after it is
logged, and the email counts as sent.
"""
from __future__ import annotations

import dataclasses
import email.utils
import logging

import pytest

from notify import Email, EmailFailed, message_id, send_email
from tests.notify.mailserver import HOW, STAGES, MailServer

FROM = "challenges@demo-partnership.example"
EMAIL = Email(to="line.manager@agency.example", subject="PC-0001: Step 2 is due by Wednesday 30 December 2026",
              text="Step 2 of PC-0001.\n", key="PC-0001|2|due soon|line.manager@agency.example|30/12/2026")
ACCEPTED_STAGES = ("after DATA", "QUIT")  # the relay had already answered 250 to the data


@pytest.fixture(scope="module")
def relay(tmp_path_factory):
    with MailServer(tmp_path_factory.mktemp("relay"), tls=True) as server:
        server.handler.faults.stall_seconds = 2.0
        yield server


@pytest.fixture
def config(relay):
    relay.take()
    yield relay.config(MAIL_SMTP_TIMEOUT=1.0)  # long enough for a busy machine to answer in time
    relay.handler.faults.waiting.clear()
    relay.handler.faults.wait_for_stalls()


def send_until_sent(config, email: Email, runs: int = 3) -> int:
    """Send as the daily job does across runs: again after EmailFailed; returns the runs it took."""
    for run in range(1, runs + 1):
        try:
            send_email(email, from_address=FROM, config=config)
            return run
        except EmailFailed:
            continue
    raise AssertionError(f"not sent in {runs} runs")


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("stage", STAGES)
def test_a_relay_failing_at_any_stage_delivers_the_email_exactly_once(relay, config, stage, how, caplog):
    relay.fail(stage, how)
    with caplog.at_level(logging.WARNING, logger="notify.smtp"):
        runs = send_until_sent(config, EMAIL)
    [got] = relay.take()
    assert got.message["Message-ID"].strip() == message_id(EMAIL, FROM)
    if stage in ACCEPTED_STAGES:
        assert runs == 1, "accepted by the relay: sent, not tried again"
        assert "closing the connection then failed" in caplog.text
        assert EMAIL.to not in caplog.text and "PC-0001" not in caplog.text
    else:
        assert runs == 2, "refused before the relay accepted it: tried again on the next run"


def test_data_whose_reply_is_lost_arrives_twice_with_one_message_id(relay, config):
    """The documented in-flight case: the relay kept the message but the 250 never came back."""
    relay.fail("DATA reply", "stall")
    assert send_until_sent(config, EMAIL) == 2
    first, second = relay.take()
    assert first.message["Message-ID"].strip() == second.message["Message-ID"].strip() == message_id(EMAIL, FROM)


def test_every_email_has_a_date_and_a_message_id_from_its_key(relay, config):
    send_email(EMAIL, from_address=FROM, config=config)
    send_email(dataclasses.replace(EMAIL, text="Sent again after a crash.\n"), from_address=FROM, config=config)
    send_email(dataclasses.replace(EMAIL, key=None), from_address=FROM, config=config)
    send_email(dataclasses.replace(EMAIL, key=None), from_address=FROM, config=config)
    keyed, again, plain, other = (m.message for m in relay.take())
    assert keyed["Message-ID"] == again["Message-ID"]
    assert keyed["Message-ID"].endswith("@demo-partnership.example>")
    assert len({keyed["Message-ID"], plain["Message-ID"], other["Message-ID"]}) == 3
    for message in (keyed, plain):
        assert email.utils.parsedate_to_datetime(message["Date"]).tzinfo is not None


def test_another_reminder_key_has_another_message_id():
    other = dataclasses.replace(EMAIL, key=EMAIL.key.replace("due soon", "overdue"))
    assert message_id(other, FROM) != message_id(EMAIL, FROM)
