"""Nothing a person typed reaches the logs: not form contents, not their address, not a link's token."""
from __future__ import annotations

import logging

from tests.auth.conftest import PRACTITIONER, ask_for_link, link_in, outbox, sign_in_as

SECRET_NOTE = "Child J, 14 Acacia Avenue"


def test_signing_in_logs_no_address_or_token(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    sign_in_as(app, client, PRACTITIONER)
    ask_for_link(client, "someone@gmail.example")
    token = link_in(outbox(app)[-1]).rpartition("/")[2]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert PRACTITIONER not in logged and "someone@gmail.example" not in logged
    assert token not in logged


def test_a_stale_form_logs_no_answers(pages_app, caplog):
    caplog.set_level(logging.DEBUG)
    client = pages_app.test_client()
    sign_in_as(pages_app, client, PRACTITIONER)
    response = client.post("/demo/test-private", data={"csrf_token": "stale", "note": SECRET_NOTE})
    assert response.status_code == 400
    assert any("stale form" in r.getMessage() for r in caplog.records)  # the refusal itself is logged
    assert SECRET_NOTE not in "\n".join(r.getMessage() for r in caplog.records)
