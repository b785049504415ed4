"""The sign-in link's token, the used-links store, where a link may send a person, and log redaction."""
from __future__ import annotations

import logging
import time

import pytest

from views.security import RedactLinkTokens
from views.sign_in_links import LinkRefused, local_path, make_token, read_token

SECRET = "test-secret"


def test_a_token_carries_who_and_where_to():
    link = read_token(SECRET, make_token(SECRET, "demo", "a@example.nhs.uk", "/demo/x"), "demo", 900)
    assert (link.slug, link.email, link.next) == ("demo", "a@example.nhs.uk", "/demo/x")
    assert len(link.nonce) >= 16


def test_two_tokens_for_one_address_have_different_nonces():
    first = read_token(SECRET, make_token(SECRET, "demo", "a@example.nhs.uk"), "demo", 900)
    second = read_token(SECRET, make_token(SECRET, "demo", "a@example.nhs.uk"), "demo", 900)
    assert first.nonce != second.nonce


@pytest.mark.parametrize("age, reason", [(899, None), (901, "expired")])
def test_a_token_lasts_its_max_age(age, reason):
    token = make_token(SECRET, "demo", "a@example.nhs.uk", issued_at=time.time() - age)
    if reason is None:
        assert read_token(SECRET, token, "demo", 900).email == "a@example.nhs.uk"
    else:
        with pytest.raises(LinkRefused) as refused:
            read_token(SECRET, token, "demo", 900)
        assert refused.value.reason == reason


def test_a_token_signed_for_another_purpose_is_invalid():
    from itsdangerous import URLSafeTimedSerializer
    token = URLSafeTimedSerializer(SECRET, salt="compliance-response").dumps({"p": "demo", "e": "a", "n": "b", "x": ""})
    with pytest.raises(LinkRefused) as refused:
        read_token(SECRET, token, "demo", 900)
    assert refused.value.reason == "invalid"


@pytest.mark.parametrize("target, expected", [
    ("/demo/challenges/DEMO-1", "/demo/challenges/DEMO-1"),
    ("/demo/challenges/DEMO-1?tab=history", "/demo/challenges/DEMO-1?tab=history"),
    ("/demo", "/demo"),
    ("/demonstration/x", None),
    ("/other/x", None),
    ("//evil.example/demo/", None),
    ("https://evil.example/demo/", None),
    ("/\\evil.example", None),
    ("javascript:alert(1)", None),
    ("", None),
    (None, None),
])
def test_local_path_keeps_people_inside_their_partnership(target, expected):
    assert local_path(target, "demo") == expected


def test_access_logs_never_show_a_links_token():
    token = make_token(SECRET, "demo", "a@example.nhs.uk")
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - "%s" %s',
                               ("127.0.0.1", f"GET /demo/sign-in/{token} HTTP/1.1", "200"), None)
    RedactLinkTokens().filter(record)
    assert record.getMessage() == '127.0.0.1 - - "GET /demo/sign-in/[token] HTTP/1.1" 200'
    response = logging.LogRecord("werkzeug", logging.INFO, __file__, 1,
                                 f"POST /demo/compliance/DEMO-1/respond/{token} HTTP/1.1", (), None)
    RedactLinkTokens().filter(response)
    assert token not in response.getMessage()
    plain = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, "GET /demo/sign-in HTTP/1.1", (), None)
    RedactLinkTokens().filter(plain)
    assert plain.getMessage() == "GET /demo/sign-in HTTP/1.1"


def test_a_compressed_token_is_redacted_too():
    from itsdangerous import URLSafeTimedSerializer

    from views.security import redact
    token = make_token(SECRET, "demo", "a@example.nhs.uk", "/demo/challenges?q=" + "a" * 300)
    assert token.startswith(".")  # itsdangerous compresses a long payload and marks it with a dot
    response_token = URLSafeTimedSerializer(SECRET, salt="compliance-response").dumps({"r": "x" * 200})
    line = (f'127.0.0.1 - - "GET /demo/sign-in/{token} HTTP/1.1" 200 - '
            f'"https://c.example/demo/compliance/DEMO-1/respond/{response_token}" "Mozilla"')
    assert redact(line) == ('127.0.0.1 - - "GET /demo/sign-in/[token] HTTP/1.1" 200 - '
                            '"https://c.example/demo/compliance/DEMO-1/respond/[token]" "Mozilla"')
    assert redact(f"a token on its own: {token}.") == "a token on its own: [token]."
    assert redact("GET /demo/sign-in/check-your-email HTTP/1.1") == "GET /demo/sign-in/check-your-email HTTP/1.1"


def test_an_exceptions_path_and_traceback_are_redacted_whichever_logger_prints_them(caplog):
    from views.security import redact_every_log
    redact_every_log()
    token = make_token(SECRET, "demo", "a@example.nhs.uk")
    try:
        raise ValueError(f"cannot use {token}")
    except ValueError:
        logging.getLogger("any.logger.at.all").exception("Exception on /demo/sign-in/%s [GET]", token)
    [record] = [r for r in caplog.records if r.name == "any.logger.at.all"]
    printed = caplog.handler.format(record)
    assert token not in printed
    assert "Exception on /demo/sign-in/[token] [GET]" in printed and "cannot use [token]" in printed
