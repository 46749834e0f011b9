"""Alembic's entry: runs migrations on the connection the caller hands over, or on DATABASE_URL."""

from __future__ import annotations

import asyncio
import os

from alembic import context

from storage.models import Base

target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    from storage.engine import open_engine

    engine = open_engine(url)
    async with engine.connect() as conn:
        await conn.run_sync(_run)
        await conn.commit()
    await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_run_async(os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///affinity.db")))
