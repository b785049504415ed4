"""Honouring X-Forwarded-For/-Proto/-Host only from the proxies named in ``TRUSTED_PROXIES``.

A request that reaches the app directly (not from a listed proxy) keeps its socket address,
whatever X-Forwarded-For it carries, so rotating that header cannot dodge the rate limits.
From a listed proxy, the client is the right-most X-Forwarded-For address that is not itself
a listed proxy (each proxy appends the address it saw; anything to its left is the client's say).
"""
from __future__ import annotations

import ipaddress
from typing import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_proxies(value: str | int | None) -> tuple[Network, ...]:
    """``10.0.0.5, 10.1.0.0/16`` as networks; ``""`` or ``0`` for none. ValueError says what is wrong."""
    text = str(value or "").strip()
    if text in ("", "0"):
        return ()
    if text.isdigit():
        raise ValueError(f"TRUSTED_PROXIES={text}: list the proxies' addresses (e.g. 10.0.0.5 or 10.0.0.0/24), "
                         f"not a count: a count would trust X-Forwarded-For from anyone who reaches the app directly")
    networks = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"TRUSTED_PROXIES: {part!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/24)") from None
    return tuple(networks)


def _listed(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


class TrustedProxies:
    """WSGI middleware: the client's address, scheme and host from a listed proxy's headers."""

    def __init__(self, app, networks: tuple[Network, ...]):
        self.app, self.networks = app, networks

    def __call__(self, environ, start_response):
        if _listed(environ.get("REMOTE_ADDR", ""), self.networks):
            forwarded = [a.strip() for a in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
            for address in reversed(forwarded):
                if not _listed(address, self.networks):
                    environ["REMOTE_ADDR"] = address
                    break
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
            host = environ.get("HTTP_X_FORWARDED_HOST", "").split(",")[-1].strip()
            if host:
                environ["HTTP_HOST"] = host
        return self.app(environ, start_response)
