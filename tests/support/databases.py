"""Test databases: a migrated SQLite template copied per test, and a private PostgreSQL database."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.engine import open_engine, upgrade
from storage.models import Base

PG_SKIP_REASON = (
    "PostgreSQL tests need TEST_DATABASE_URL, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test "
    "(.ci/run sets it whenever a server answers on 127.0.0.1:5432)"
)


def make_sqlite_template(directory: Path) -> Path:
    path = directory / "template.db"
    url = f"sqlite+aiosqlite:///{path}"

    async def go() -> None:
        engine = open_engine(url)
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(go())
    return path


def sqlite_copy(template: Path, directory: Path) -> str:
    target = directory / "affinity.db"
    shutil.copyfile(template, target)
    return f"sqlite+aiosqlite:///{target}"


def create_pg_database(base_url: str) -> str:
    """A new, migrated database on the server of `base_url`, private to this test run."""
    import asyncpg

    url = make_url(base_url)
    name = f"affinity_test_{os.getpid()}_{secrets.token_hex(3)}"

    async def go() -> None:
        conn = await asyncpg.connect(host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username or "postgres", password=url.password, database=url.database or "postgres")
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        engine = open_engine(str(url.set(database=name).render_as_string(hide_password=False)))
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(go())
    return url.set(database=name).render_as_string(hide_password=False)


def drop_pg_database(base_url: str, test_url: str) -> None:
    import asyncpg

    url, name = make_url(base_url), make_url(test_url).database

    async def go() -> None:
        conn = await asyncpg.connect(host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username or "postgres", password=url.password, database=url.database or "postgres")
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(go())


async def empty_pg_database(url: str) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    engine = open_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE TABLE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()
