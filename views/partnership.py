"""Finding the partnership a URL names."""
from __future__ import annotations

from flask import abort, current_app

from partnership.config import Partnership


def get_partnership(slug: str) -> Partnership:
    """The partnership called ``slug``, or 404."""
    partnership = current_app.extensions["partnerships"].get(slug)
    if partnership is None:
        abort(404)
    return partnership
