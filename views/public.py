"""Pages anyone may see: the list of partnerships."""
from __future__ import annotations

from flask import Blueprint, render_template

from views.partnership import by_name

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    return render_template("index.html", partnerships=by_name())
