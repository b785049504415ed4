"""`flask jobs ...`: the commands cron runs, thin wrappers over the job functions."""
from __future__ import annotations

import click
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="The daily job: reminders and the Summary tab.")
