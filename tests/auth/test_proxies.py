"""TRUSTED_PROXIES: X-Forwarded-For is honoured only from the listed proxies, so a client that
reaches the app directly cannot rotate it to dodge the sign-in limits."""
from __future__ import annotations

import pytest

from app import create_app
from tests.auth.conftest import csrf_token
from views.proxies import parse_proxies

PROXY = "10.0.0.5"


@pytest.fixture
def proxied(app, tmp_path, partnerships_dir):
    config = {k: app.config[k] for k in ("TESTING", "SECRET_KEY", "PARTNERSHIPS_DIR", "BASE_DIR", "MAIL_BACKEND",
                                         "MAIL_OUTBOX_DIR", "BASE_URL", "SESSION_COOKIE_SECURE",
                                         "SIGN_IN_MIN_SECONDS", "STATE_URL")}
    return create_app({**config, "TRUSTED_PROXIES": f"{PROXY}, 10.9.0.0/16",
                       "SIGN_IN_LIMIT_PER_CLIENT": "3 per hour"})


def ask(client, token: str, remote: str, forwarded: str | None = None, n: int = 0):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post("/demo/sign-in", data={"csrf_token": token, "email": f"person{n}@example.nhs.uk"},
                       headers=headers, environ_base={"REMOTE_ADDR": remote}).status_code


def test_a_direct_client_rotating_x_forwarded_for_is_still_one_client(proxied):
    client = proxied.test_client()
    token = csrf_token(client, "/demo/sign-in")
    codes = [ask(client, token, "192.0.2.1", forwarded=f"203.0.113.{n}", n=n) for n in range(4)]
    assert codes == [302, 302, 302, 429]


def test_behind_the_listed_proxy_each_forwarded_client_counts_alone(proxied):
    client = proxied.test_client()
    token = csrf_token(client, "/demo/sign-in")
    codes = [ask(client, token, PROXY, forwarded=f"203.0.113.{n}", n=n) for n in range(6)]
    assert codes == [302] * 6
    # The client cannot pick its own address by adding to the header: the proxy's entry is the one used.
    spoofed = [ask(client, token, PROXY, forwarded=f"198.51.100.{n}, 203.0.113.77", n=n) for n in range(4)]
    assert spoofed == [302, 302, 302, 429]
    # A second proxy in the listed network is skipped over.
    assert ask(client, token, PROXY, forwarded="203.0.113.200, 10.9.4.4", n=9) == 302


@pytest.mark.parametrize("value, message", [
    ("1", "TRUSTED_PROXIES=1: list the proxies' addresses"),
    ("10.0.0.5, proxy.local", "TRUSTED_PROXIES: 'proxy.local' is not an IP address or network"),
])
def test_a_count_or_a_name_is_refused_with_one_line(value, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        parse_proxies(value)


def test_the_app_refuses_to_start_with_a_count(app, tmp_path, partnerships_dir):
    with pytest.raises(SystemExit) as refused:
        create_app({"TESTING": True, "SECRET_KEY": "s", "PARTNERSHIPS_DIR": str(partnerships_dir),
                    "BASE_DIR": str(tmp_path), "STATE_URL": app.config["STATE_URL"], "TRUSTED_PROXIES": "2"})
    assert str(refused.value).startswith("error: TRUSTED_PROXIES=2: list the proxies' addresses")
