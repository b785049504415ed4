"""`flask sheet ...` and `flask demo ...`: thin click wrappers over the spreadsheet layer."""
from __future__ import annotations

import click
from flask.cli import AppGroup

sheet_cli = AppGroup("sheet", help="Set up and check a partnership's spreadsheet.")
demo_cli = AppGroup("demo", help="The demo partnership's invented data.")
