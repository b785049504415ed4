"""The app on its state store: /healthz, /readyz, a persistence check at start-up, and a
clear 503 while Redis is down, with service (and the signed-in session) back when it returns."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import session

from app import create_app
from sheets import pending
from tests.auth.conftest import PRACTITIONER, csrf_token, sign_in_as
from tests.conftest import ROOT


def make_app(tmp_path: Path, state_url: str):
    folder = tmp_path / "partnerships"
    folder.mkdir(exist_ok=True)
    shutil.copy(ROOT / "partnerships" / "demo.toml", folder / "demo.toml")
    return create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "PARTNERSHIPS_DIR": str(folder), "BASE_DIR": str(tmp_path),
        "MAIL_BACKEND": "outbox", "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"), "BASE_URL": "http://localhost",
        "SESSION_COOKIE_SECURE": False, "SIGN_IN_MIN_SECONDS": 0, "STATE_URL": state_url,
    })


def heading(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").h1.get_text(" ", strip=True)


def test_healthz_says_the_process_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_reports_the_store_and_each_spreadsheet(app, client, runner):
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["state_store"] == "reachable"
    assert ready.json["partnerships"] == {"demo": {"spreadsheet": "unreachable", "kept_submissions": 0}}
    assert runner.invoke(args=["sheet", "init", "--partnership", "demo"]).exit_code == 0
    app.extensions.pop("readyz_sheets", None)  # it is checked at most once a minute
    assert client.get("/readyz").json["partnerships"] == {"demo": {"spreadsheet": "reachable"}}


def test_a_redis_that_does_not_persist_is_refused_at_start_up_with_one_line(redis_server, redis_url, tmp_path):
    client = redis_server.client()
    client.config_set("appendonly", "no")
    try:
        with pytest.raises(SystemExit) as refused:
            make_app(tmp_path, redis_url)
    finally:
        client.config_set("appendonly", "yes")
    message = str(refused.value)
    assert message.startswith("error: STATE_URL: the Redis server at 127.0.0.1:") and "\n" not in message
    assert "appendonly yes" in message and "docs/deployment.md" in message


def test_a_state_url_of_another_kind_is_refused_with_one_line(tmp_path):
    with pytest.raises(SystemExit, match="^error: STATE_URL must start with sqlite:/// or redis://"):
        make_app(tmp_path, "postgres://db/state")


def test_redis_stopped_in_the_middle_of_a_request_gives_a_clear_503(redis_server, redis_url, tmp_path):
    app = make_app(tmp_path, redis_url)

    def stops_redis(slug):
        redis_server.stop()  # after the session was read, before the page uses the store
        pending.waiting(app.config, slug)
        return "not reached"

    def stops_redis_then_only_the_session_changes(slug):
        redis_server.stop()
        session["note"] = "changed"
        return "done"

    app.add_url_rule("/<slug>/test-stop", "test_stop", stops_redis)
    app.add_url_rule("/<slug>/test-stop-late", "test_stop_late", stops_redis_then_only_the_session_changes)
    client = app.test_client()
    sign_in_as(app, client, PRACTITIONER)
    try:
        response = client.get("/demo/test-stop")
        assert response.status_code == 503 and heading(response) == "Sorry, the service is unavailable"
        redis_server.start()
        # Only the session's own bookkeeping was lost: the page is served, the change is not kept.
        late = client.get("/demo/test-stop-late")
        assert late.status_code == 200 and late.get_data(as_text=True) == "done"
        # Signing out while the store is away says so, rather than pretending.
        redis_server.start()
        token = csrf_token(client, "/demo/sign-in")
        redis_server.stop()
        signing_out = client.post("/demo/sign-out", data={"csrf_token": token})
        assert signing_out.status_code == 503
    finally:
        if redis_server.process is None:
            redis_server.start()
    with client.session_transaction() as kept:
        assert kept["user"]["email"] == PRACTITIONER and "note" not in kept


def test_redis_stopped_gives_a_clear_503_and_service_resumes_when_it_returns(redis_server, redis_url, tmp_path):
    app = make_app(tmp_path, redis_url)
    client = app.test_client()
    sign_in_as(app, client, PRACTITIONER)
    pending.save(app.config, "demo", "kept-before", "DEMO-KEPT", [{"op": "append", "tab": "History", "rows": [],
                                                                   "key": None}])
    token = csrf_token(client, "/demo/sign-in")
    redis_server.stop()
    try:
        page = client.get("/demo/sign-in")
        assert page.status_code == 503 and heading(page) == "Sorry, the service is unavailable"
        assert page.headers["Retry-After"] == "30"
        posted = client.post("/demo/sign-in", data={"csrf_token": token, "email": PRACTITIONER})
        assert posted.status_code == 503
        assert "What you sent has not been saved" in posted.get_data(as_text=True)
        assert client.get("/readyz").status_code == 503
        assert client.get("/healthz").status_code == 200
    finally:
        redis_server.start()
    again = client.get("/demo/sign-in")
    assert again.status_code == 200
    with client.session_transaction() as session:
        assert session["user"]["email"] == PRACTITIONER  # the session survived the restart
    assert pending.waiting(app.config, "demo") == ["kept-before"]  # and so did the kept submission
