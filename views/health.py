"""``/healthz`` and ``/readyz`` for load balancers and monitoring.

``/healthz``: the process is up (touches nothing else). ``/readyz``: the state store answers,
the partnership files loaded, and for each partnership whether its spreadsheet can be reached
(checked at most once a minute per process, to spare the Google quota) or, when it cannot,
how many form submissions are being kept for it. Ready (200) while the store answers; 503 when
it does not, so a load balancer sends people to an instance that can serve them.
"""
from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify

from partnership import partnerships_of
from partnership.config import Partnership
from sheets.base import SheetError
from sheets.schema import LISTS
from state import StateUnavailable, store_for

bp = Blueprint("health", __name__)

SHEET_CHECK_SECONDS = 60


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    store = store_for(current_app.config)
    try:
        store.ping()
    except StateUnavailable:
        return jsonify(status="unavailable", state_store="unreachable"), 503
    partnerships = partnerships_of(current_app)
    sheets = {}
    for slug in sorted(partnerships):
        reachable = _sheet_reachable(partnerships[slug])
        sheets[slug] = ({"spreadsheet": "reachable"} if reachable else
                        {"spreadsheet": "unreachable", "kept_submissions": len(store.kept_ids(slug))})
    return jsonify(status="ready", state_store="reachable", partnerships=sheets)


def _sheet_reachable(partnership: Partnership) -> bool:
    checked: dict[str, tuple[float, bool]] = current_app.extensions.setdefault("readyz_sheets", {})
    hit = checked.get(partnership.slug)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    from sheets.open import open_workbook
    try:
        open_workbook(partnership, purpose="web", config=current_app.config).read(LISTS)
        reachable = True
    except (SheetError, OSError):
        reachable = False
    checked[partnership.slug] = (time.monotonic() + SHEET_CHECK_SECONDS, reachable)
    return reachable
