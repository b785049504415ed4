"""Shared fixtures: an app on a temporary copy of the demo partnership, its client and CLI runner."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app import create_app

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def partnerships_dir(tmp_path: Path) -> Path:
    """A partnerships folder holding the demo partnership, its workbook under tmp_path."""
    folder = tmp_path / "partnerships"
    folder.mkdir()
    shutil.copy(ROOT / "partnerships" / "demo.toml", folder / "demo.toml")
    return folder


@pytest.fixture
def app(tmp_path: Path, partnerships_dir: Path):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "PARTNERSHIPS_DIR": str(partnerships_dir),
        "BASE_DIR": str(tmp_path),
        "MAIL_BACKEND": "outbox",
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "STATE_URL": f"sqlite:///{tmp_path}/state.sqlite3",
        "BASE_URL": "http://localhost",
        "SESSION_COOKIE_SECURE": False,
        "SIGN_IN_MIN_SECONDS": 0,
    })
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """Each test starts with an empty Google page cache (it is per process, keyed by spreadsheet id)."""
    from sheets.google import forget_cached_pages
    forget_cached_pages()
    yield
    forget_cached_pages()
