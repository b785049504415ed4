"""Emailed sign-in links: signed, short-lived, and good for one use.

A link carries the partnership's slug, the email address, a random nonce and
where to go afterwards, signed with ``SECRET_KEY`` (itsdangerous, salt
``sign-in``). The state store remembers the nonces already used (``views.sign_in``),
so a link works once on every worker and every instance.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

SALT = "sign-in"


@dataclass(frozen=True)
class SignInLink:
    """What a verified link says: who, for which partnership, and where to go next."""

    slug: str
    email: str
    nonce: str
    next: str


class LinkRefused(Exception):
    """A link that must not sign anyone in; ``reason`` picks the page the person sees."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # one of: expired, used, invalid, other_partnership


def _serializer(secret_key: str, issued_at: float | None = None) -> URLSafeTimedSerializer:
    if issued_at is None:
        return URLSafeTimedSerializer(secret_key, salt=SALT)

    class SignerAt(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(issued_at)

    return URLSafeTimedSerializer(secret_key, salt=SALT, signer=SignerAt)


def make_token(secret_key: str, slug: str, email: str, next_path: str = "",
               *, issued_at: float | None = None) -> str:
    """A signed token for one sign-in; ``issued_at`` (seconds since the epoch) defaults to now."""
    payload = {"p": slug, "e": email, "n": secrets.token_urlsafe(16), "x": next_path}
    return _serializer(secret_key, issued_at).dumps(payload)


def read_token(secret_key: str, token: str, slug: str, max_age_seconds: int) -> SignInLink:
    """The link a token carries, or LinkRefused saying why it cannot be used here."""
    try:
        payload = _serializer(secret_key).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        raise LinkRefused("expired") from None
    except BadSignature:
        raise LinkRefused("invalid") from None
    if not isinstance(payload, dict) or not all(isinstance(payload.get(k), str) for k in "penx"):
        raise LinkRefused("invalid")
    if payload["p"] != slug:
        raise LinkRefused("other_partnership")
    return SignInLink(payload["p"], payload["e"], payload["n"], payload["x"])


def has_control_character(text: str | None) -> bool:
    """Whether ``text`` holds a control character (a line break, a tab, NUL...)."""
    return bool(text) and any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text)


def local_path(target: str | None, slug: str) -> str | None:
    """``target`` if it is a path inside this partnership's pages, else None (never another site,
    and never a control character, which would break the Location header it goes into)."""
    if not target or "\\" in target or not target.startswith("/") or target.startswith("//"):
        return None
    if has_control_character(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    if parts.path != f"/{slug}" and not parts.path.startswith(f"/{slug}/"):
        return None
    return target
