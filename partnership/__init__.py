"""A partnership's settings: its file in partnerships/ parsed and checked (sheet, email, access,
reminders, retention) around the procedure it follows (procedures/)."""
from __future__ import annotations

from typing import Any

from partnership.config import Partnership

_KEY = "partnerships"


def attach(app: Any, partnerships: dict[str, Partnership]) -> None:
    """Give the app the partnerships it was started with (``create_app`` does, once)."""
    app.extensions[_KEY] = partnerships


def partnerships_of(app: Any) -> dict[str, Partnership]:
    """The app's partnerships by slug: the one way pages, jobs and commands find them
    (``partnerships_of(current_app)``)."""
    return app.extensions[_KEY]
