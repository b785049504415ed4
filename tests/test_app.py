"""The factory, the layout's boundaries and the CLI's documentation."""
import ast
from pathlib import Path

import click
import pytest

from app import create_app

ROOT = Path(__file__).resolve().parent.parent


def test_factory_serves_the_partnership_list(client):
    page = client.get("/")
    assert page.status_code == 200
    assert b"Demo Safeguarding Partnership" in page.data


def test_factory_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("LOCAL_DEV", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(SystemExit, match="SECRET_KEY is not set"):
        create_app({"SECRET_KEY": None})


@pytest.mark.parametrize("module", sorted((ROOT / "procedures").glob("*.py")), ids=lambda p: p.name)
def test_the_domain_touches_no_web_sheet_or_form_library(module):
    tree = ast.parse(module.read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not imported & {"flask", "gspread", "wtforms", "flask_wtf", "openpyxl", "requests", "sheets", "views", "jobs"}


def _commands(group: click.Group, prefix: str = ""):
    for name, command in group.commands.items():
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix}{name} ")


def test_every_cli_command_of_ours_is_documented(app):
    ours = {"sheet", "demo", "jobs"}
    found = [(name, cmd) for name, cmd in _commands(app.cli) if name.split(" ")[0] in ours]
    assert {name.split(" ")[0] for name, _ in found} == ours
    for name, command in found:
        assert (command.help or "").strip(), f"flask {name} has no --help text"
