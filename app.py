"""The application factory: settings, partnerships, blueprints and CLI commands, nothing else."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from flask import Flask

from config import LOCAL_BASE_URL, Config, LocalConfig, StartRefused, local_dev, unsafe_setting
from partnership import attach
from partnership.config import ConfigError, load_partnerships
from procedures.values import DEFAULT_TIMEZONE, time_zone


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    instance = os.environ.get("INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True,
                instance_path=str(Path(instance).resolve()) if instance else None)
    app.config.from_object(LocalConfig if local_dev() else Config)
    if test_config is not None:
        app.config.update(test_config)
    # Each refusal is one line for the person starting the app, never a traceback.
    problem = unsafe_setting(app.config)
    if problem:
        raise StartRefused(f"error: {problem}")
    if not app.config.get("BASE_URL") and (app.config.get("LOCAL_DEV") or app.testing):
        app.config["BASE_URL"] = LOCAL_BASE_URL
    try:
        app.extensions["timezone"] = time_zone(app.config.get("TIMEZONE") or DEFAULT_TIMEZONE)
    except ValueError as e:
        raise StartRefused(f"error: {e}") from None
    try:
        partnerships = load_partnerships(Path(app.config["PARTNERSHIPS_DIR"]), Path(app.config["BASE_DIR"]))
    except ConfigError as e:
        raise StartRefused(f"error: {e}") from None
    attach(app, partnerships)

    from state.web import init_state
    init_state(app)

    from views import register_views
    register_views(app)

    from sheets.cli import sheet_cli, demo_cli
    from jobs.cli import jobs_cli
    app.cli.add_command(sheet_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(jobs_cli)
    return app
