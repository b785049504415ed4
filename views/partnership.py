"""Finding the partnership a URL names."""
from __future__ import annotations

from flask import abort, current_app, request

from partnership import partnerships_of
from partnership.config import Partnership


def get_partnership(slug: str) -> Partnership:
    """The partnership called ``slug``, or 404."""
    partnership = partnerships_of(current_app).get(slug)
    if partnership is None:
        abort(404)
    return partnership


def partnership_in_url() -> Partnership | None:
    """The partnership the page's address names (its ``slug``), if there is one."""
    return partnerships_of(current_app).get((request.view_args or {}).get("slug"))


def by_name() -> list[Partnership]:
    """Every partnership, by name (the pages that list them)."""
    return sorted(partnerships_of(current_app).values(), key=lambda p: p.name)
