"""The app refuses to start in each unsafe configuration, with one line saying why.

Each case starts a real process (python, ``flask run`` or gunicorn) with the environment a person
would set, and reads what it prints.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FACTORY = "from app import create_app; create_app()"


def environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "BASE_URL", "LOCAL_DEV", "FLASK_DEBUG", "FLASK_RUN_HOST")}
    env.update(PARTNERSHIPS_DIR=str(ROOT / "partnerships"), BASE_DIR=str(tmp_path), **settings)
    return env


def refusal(command: list[str], env: dict[str, str]) -> tuple[int, list[str]]:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    lines = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    return done.returncode, lines


UNSAFE = {
    "no-secret": ({}, "error: SECRET_KEY is not set (set it in the environment, or LOCAL_DEV=1 for local use)"),
    # FLASK_DEBUG is not local development: no development key, no plain-http cookie.
    "flask-debug": ({"FLASK_DEBUG": "1"},
                    "error: SECRET_KEY is not set (set it in the environment, or LOCAL_DEV=1 for local use)"),
    "no-base-url": ({"SECRET_KEY": "a-real-secret"}, "error: BASE_URL is not set: emailed links would point nowhere "
                    "(set it to the address people open, e.g. https://challenge.example.org)"),
    "base-url-not-an-address": ({"SECRET_KEY": "a-real-secret", "BASE_URL": "challenge.example.org"},
                                "error: BASE_URL 'challenge.example.org' is not a web address like "
                                "https://challenge.example.org"),
    "public-secret": ({"SECRET_KEY": "local-development-only", "BASE_URL": "https://challenge.example.org"},
                      "error: SECRET_KEY is the local-development key, which is public: set a secret of your own"),
}


def test_each_unsafe_setting_stops_start_up_with_one_line(tmp_path):
    """Every case in its own process, all at once (each takes a second to import the app)."""
    started = {name: subprocess.Popen([sys.executable, "-c", FACTORY], cwd=ROOT, env=environment(tmp_path, **settings),
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for name, (settings, _) in UNSAFE.items()}
    for name, process in started.items():
        _, err = process.communicate(timeout=60)
        lines = [line for line in err.splitlines() if line.startswith("error: ")]
        assert (process.returncode, lines) == (3, [UNSAFE[name][1]]), name


def test_safe_settings_start(tmp_path):
    env = environment(tmp_path, SECRET_KEY="a-real-secret", BASE_URL="https://challenge.example.org")
    assert refusal([sys.executable, "-c", FACTORY], env) == (0, [])


def test_flask_debug_does_not_switch_to_local_development(tmp_path, partnerships_dir, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.delenv("LOCAL_DEV", raising=False)
    app = create_app({"SECRET_KEY": "a-real-secret", "BASE_URL": "https://challenge.example.org",
                      "PARTNERSHIPS_DIR": str(partnerships_dir), "BASE_DIR": str(tmp_path)})
    assert not app.config["LOCAL_DEV"] and app.config["SESSION_COOKIE_SECURE"]
    response = app.test_client().get("/demo/sign-in", base_url="https://localhost")
    assert "Strict-Transport-Security" in response.headers and "Secure" in response.headers["Set-Cookie"]


WIDE = "error: LOCAL_DEV=1 serves this machine only, not 0.0.0.0: listen on 127.0.0.1, " \
       "or set SECRET_KEY and BASE_URL without LOCAL_DEV"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_local_development_refuses_flask_run_beyond_loopback(tmp_path):
    command = [str(BIN / "flask"), "--app", "app", "run", "--host", "0.0.0.0", "--port", str(free_port())]
    assert refusal(command, environment(tmp_path, LOCAL_DEV="1")) == (3, [WIDE])


def test_local_development_refuses_gunicorn_beyond_loopback_and_gunicorn_stops(tmp_path):
    command = [str(BIN / "gunicorn"), "-w", "1", "-b", f"0.0.0.0:{free_port()}", "--no-control-socket",
               "app:create_app()"]
    # gunicorn exits (instead of starting the worker again and again) within the timeout.
    assert refusal(command, environment(tmp_path, LOCAL_DEV="1")) == (3, [WIDE])


def test_local_development_answers_only_this_machine(tmp_path, partnerships_dir, monkeypatch):
    monkeypatch.setenv("LOCAL_DEV", "1")
    app = create_app({"PARTNERSHIPS_DIR": str(partnerships_dir), "BASE_DIR": str(tmp_path)})
    client = app.test_client()
    assert client.get("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    assert client.get("/", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    away = client.get("/", environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert away.status_code == 403 and b"LOCAL_DEV=1 serves this machine only" in away.data
