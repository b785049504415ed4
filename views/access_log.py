"""The access log: who saw which challenge, and who downloaded what, when.

Every successful view of a page about one challenge (a GET of a page whose address names a
``reference``) and every download (a response sent as an attachment) is written as one JSON line
to the ``challenge_tracker.access`` logger, which goes to the app's log (stderr under gunicorn
and ``flask run``), never to the spreadsheet. A line holds the signed-in address and role, the
partnership, the page's name, the challenge's reference or the references a download held, and
the time in UTC. Never the address requested (it may hold a link's token), a search term or any
case detail.

A view may add to its line with ``note(...)``: the subject access download names the references
it held and how many rows, never what was searched for.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any

from flask import Flask, Response, g, request
from flask.logging import has_level_handler

from views.auth import current_user

logger = logging.getLogger("challenge_tracker.access")


def note(**fields: Any) -> None:
    """Add ``fields`` to this request's access-log line (and make it one, if it would not be)."""
    g.setdefault("access_log", {}).update(fields)


def event_for(response: Response) -> str | None:
    """``download``, ``view`` or None (not logged) for this request's response."""
    if not 200 <= response.status_code < 300:
        return None
    disposition = response.headers.get("Content-Disposition", "")
    if disposition.startswith("attachment"):
        return "download"
    if request.method == "GET" and "reference" in (request.view_args or {}):
        return "view"
    if "access_log" in g:
        return str(g.access_log.get("event", "view"))
    return None


def line(event: str, response: Response, now: dt.datetime | None = None) -> str:
    """The JSON line for this request: who, what, when; keys in a fixed order."""
    user = current_user()
    view_args = request.view_args or {}
    entry: dict[str, Any] = {
        "when": (now or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds"),
        "event": event,
        "who": user.email if user else None,
        "role": user.role if user else None,
        "partnership": view_args.get("slug"),
        "page": request.endpoint,
    }
    if "reference" in view_args:
        entry["reference"] = view_args["reference"]
    if event == "download":
        filename = response.headers.get("Content-Disposition", "").partition("filename=")[2].strip('"')
        entry["file"] = filename
    entry.update({k: v for k, v in g.get("access_log", {}).items() if k != "event"})
    return json.dumps(entry, ensure_ascii=False)


def log_access(response: Response) -> Response:
    event = event_for(response)
    if event is not None:
        logger.info(line(event, response))
    return response


def init_access_log(app: Flask) -> None:
    """Log views and downloads after every request; to stderr when nothing else takes the lines."""
    logger.setLevel(logging.INFO)
    if not has_level_handler(logger):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    app.after_request(log_access)
