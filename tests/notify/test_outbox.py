"""The default outbox backend: an .eml file per email; a folder it cannot write is EmailFailed."""
from __future__ import annotations

import email
import email.policy
import os

import pytest

from notify import Email, EmailFailed, message_id, send_email

EMAIL = Email(to="raiser@agency.example", subject="PC-0001: Step 1 is due soon", text="Plain text", html="<p>HTML</p>")


def test_each_email_is_saved_as_an_eml_file(tmp_path, capsys):
    send_email(EMAIL, from_address="challenges@example.org",
               config={"MAIL_OUTBOX_DIR": str(tmp_path / "out"), "LOCAL_DEV": True})
    [saved] = (tmp_path / "out").glob("*.eml")
    message = email.message_from_bytes(saved.read_bytes(), policy=email.policy.default)
    assert message["To"] == "raiser@agency.example"
    assert message.get_body(("plain",)).get_content().strip() == "Plain text"
    assert message.get_body(("html",)).get_content().strip() == "<p>HTML</p>"
    assert "outbox: email to raiser@agency.example: PC-0001: Step 1 is due soon" in capsys.readouterr().err


def test_outside_local_development_the_outbox_prints_nothing(tmp_path, capsys):
    send_email(EMAIL, from_address="challenges@example.org", config={"MAIL_OUTBOX_DIR": str(tmp_path / "out")})
    assert len(list((tmp_path / "out").glob("*.eml"))) == 1
    printed = capsys.readouterr()
    assert "raiser@agency.example" not in printed.err + printed.out


def test_an_unwritable_outbox_is_email_failed(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(EmailFailed, match="outbox"):
        send_email(EMAIL, from_address="x@example.org", config={"MAIL_OUTBOX_DIR": str(blocker / "out")})


def test_each_file_has_a_date_and_the_message_id_of_its_key(tmp_path):
    keyed = Email(to="raiser@agency.example", subject="S", text="T", key="PC-0001|1|due soon|raiser@agency.example|")
    config = {"MAIL_OUTBOX_DIR": str(tmp_path)}
    send_email(keyed, from_address="challenges@example.org", config=config)
    send_email(keyed, from_address="challenges@example.org", config=config)
    messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in tmp_path.glob("*.eml")]
    assert len(messages) == 2
    assert messages[0]["Message-ID"] == messages[1]["Message-ID"] == message_id(keyed, "challenges@example.org")
    assert all(m["Date"] for m in messages)


def test_a_write_that_fails_midway_leaves_no_file_at_all(tmp_path, monkeypatch):
    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(EmailFailed, match="No space left on device"):
        send_email(EMAIL, from_address="x@example.org", config={"MAIL_OUTBOX_DIR": str(tmp_path)})
    assert list(tmp_path.iterdir()) == []
