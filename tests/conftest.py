"""Fixtures shared by every test: backends, clock, runtime, and the sample district."""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import datetime, timezone

import pytest

from bot.bootstrap import Runtime, open_runtime
from bot.clock import FrozenClock
from bot.config import Settings
from tests.support.databases import PG_SKIP_REASON, create_pg_database, drop_pg_database, empty_pg_database, make_sqlite_template, sqlite_copy
from tests.support.talk import Speaker

# A Monday afternoon in the district (America/Chicago, 10:00 local).
START = datetime(2026, 9, 14, 15, 0, tzinfo=timezone.utc)
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> "os.PathLike":
    return make_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def pg_url():
    base = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not base:
        pytest.skip(PG_SKIP_REASON)
    url = create_pg_database(base)
    yield url
    drop_pg_database(base, url)


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path, sqlite_template) -> str:
    """A fresh, migrated database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        return sqlite_copy(sqlite_template, tmp_path)
    url = request.getfixturevalue("pg_url")
    asyncio.run(empty_pg_database(url))
    return url


@pytest.fixture
async def sqlite_url(tmp_path, sqlite_template) -> str:
    return sqlite_copy(sqlite_template, tmp_path)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


async def _runtime(url: str, clock: FrozenClock, **settings) -> Runtime:
    return await open_runtime(Settings(database_url=url, **settings), clock)


@pytest.fixture
async def runtime(database_url, clock):
    rt = await _runtime(database_url, clock)
    yield rt
    await rt.close()


@pytest.fixture
async def sqlite_runtime(sqlite_url, clock):
    rt = await _runtime(sqlite_url, clock)
    yield rt
    await rt.close()


@pytest.fixture
async def district(runtime, tmp_path):
    """The sample district of the demo, loaded into the runtime's database."""
    from bot.bootstrap import seed_demo

    await seed_demo(runtime, tmp_path)
    return runtime


@pytest.fixture
def speaker(district):
    def make(email: str) -> Speaker:
        return Speaker(district, email if "@" in email else f"{email}@district.example")

    return make


@pytest.fixture
def captured_logs(caplog):
    """Every log line at any level, for privacy checks."""
    caplog.set_level(logging.DEBUG)
    from storage.engine import quiet_driver_logs

    quiet_driver_logs()  # as the application does; caplog's set_level lowered it
    return caplog
