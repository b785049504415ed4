"""Pages anyone may see: the list of partnerships."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    partnerships = sorted(current_app.extensions["partnerships"].values(), key=lambda p: p.name)
    return render_template("index.html", partnerships=partnerships)
