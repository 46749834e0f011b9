"""Opening the database: engines, sessions, and bringing the schema up to date."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS = Path(__file__).with_name("migrations")


def open_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An engine for `url` (sqlite+aiosqlite or postgresql+asyncpg), tuned per dialect.

    Statement parameters are hidden from errors and logs: they can hold what people wrote.
    """
    parsed = make_url(url)
    quiet_driver_logs()
    if parsed.get_backend_name() == "sqlite":
        engine = create_async_engine(url, echo=echo, hide_parameters=True, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, echo=echo, hide_parameters=True, pool_pre_ping=True, pool_size=10, max_overflow=10)


def quiet_driver_logs() -> None:
    """aiosqlite logs every statement with its parameters at DEBUG, and SQLAlchemy's engine logs
    every result row at DEBUG; both can be what people wrote (a concern's text) next to who they
    are, so the first never goes below WARNING and the second never emits a DEBUG record, whatever
    level an operator sets."""
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)
    engine_log = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(f, _NoRowEcho) for f in engine_log.filters):
        engine_log.addFilter(_NoRowEcho())


class _NoRowEcho(logging.Filter):
    """Drops SQLAlchemy's DEBUG records (result rows and their columns); statements stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # Foreign keys make forget-me's cascades real; WAL lets the dispatcher read while a
    # command writes; NORMAL sync is durable in WAL mode at a fraction of the cost.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    # What is deleted is overwritten, not left in free pages: forget-me leaves no copy of the
    # person in the database file (docs/privacy.md).
    cur.execute("PRAGMA secure_delete=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def session_maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def _alembic_config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply every migration up to `revision` on this engine's database."""
    from alembic import command

    cfg = _alembic_config()

    def run(sync_conn) -> None:
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    async with engine.connect() as conn:
        return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()
