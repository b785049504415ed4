"""Fixtures for the state store: one real Redis server for the session, emptied before each test,
and ``store``: every contract test runs on the SQLite store and on the Redis store."""
from __future__ import annotations

from pathlib import Path

import pytest

import state
from tests.state.redis_server import RedisServer


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> RedisServer:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    if redis_server.process is None:
        redis_server.start()
    redis_server.client().flushdb()
    yield redis_server.url
    state.forget_stores()


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmp_path: Path) -> state.StateStore:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/state.sqlite3"
    else:
        url = request.getfixturevalue("redis_url")
    yield state.open_store(url)
    state.forget_stores()
