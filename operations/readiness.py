"""Whether this process can do its work now (`GET /readyz`): the database, its schema, the scheduler.

`/healthz` says the process is alive; `/readyz` says whether a load balancer should send it
requests. Each reason is one short sentence an operator can act on (docs/operations.md lists
them). A platform that cannot be reached is not a reason: every replica would fail alike.

The database is asked through an engine of its own without a pool, so a probe opens a fresh
connection as a new request would: a pooled connection can outlive the database's file being
moved away, or keep a socket the network has silently dropped. On SQLite the file is opened
read-write without creating it (`mode=rw`), so a probe never leaves an empty database where
the real one was.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

#: The scheduler runs the jobs each minute; two minutes without a run means it is stuck.
SCHEDULER_STALE = timedelta(minutes=2)
#: A probe that takes longer than this counts as the database being unreachable.
PROBE_TIMEOUT = 5.0

UNREACHABLE = "database unreachable"
NOT_AT_HEAD = "migrations not at head"
SCHEDULER_STALLED = "scheduler has not ticked for 2 minutes"


@dataclass(frozen=True)
class Readiness:
    reasons: tuple[str, ...]
    detail: dict

    @property
    def ready(self) -> bool:
        return not self.reasons

    def body(self) -> dict:
        return {"ready": self.ready, "reasons": list(self.reasons), **self.detail}


def probe_url(database_url: str) -> str:
    """`database_url` for probing: SQLite opened read-write, never created."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return database_url
    database = url.database if url.database.startswith("file:") else f"file:{url.database}"
    return str(url.set(database=database, query={**url.query, "mode": "rw", "uri": "true"}))


def probe_engine(database_url: str) -> AsyncEngine:
    return create_async_engine(probe_url(database_url), poolclass=NullPool, hide_parameters=True, connect_args={"timeout": PROBE_TIMEOUT})


class ReadinessCheck:
    """Asks the database and the scheduler; `check()` is what `/readyz` answers."""

    def __init__(
        self,
        database_url: str,
        clock: Callable[[], datetime],
        last_tick: Callable[[], datetime | None] | None = None,
        started: datetime | None = None,
        platforms: Callable[[], dict] | None = None,
    ) -> None:
        self.engine = probe_engine(database_url)
        self.clock = clock
        #: None when this process runs no scheduler (`serve --no-scheduler`).
        self.last_tick = last_tick
        self.started = started or clock()
        #: Each platform's state (adapters.network.Reachability.body). Shown, never a 503: every
        #: replica would fail alike, and the bot keeps serving the other platform and the queue.
        self.platforms = platforms

    async def check(self) -> Readiness:
        from storage.engine import head_revision

        reasons: list[str] = []
        detail: dict = {}
        head = head_revision()
        try:
            current = await asyncio.wait_for(self._revision(), timeout=PROBE_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - any failure to reach it is the same answer
            reasons.append(UNREACHABLE)
            detail["database"] = type(exc).__name__
        else:
            detail["schema"] = current or "none"
            if current != head:
                reasons.append(NOT_AT_HEAD)
                detail["head"] = head
        if self.last_tick is not None:
            now = self.clock()
            last = self.last_tick() or self.started
            if now - last > SCHEDULER_STALE:
                reasons.append(SCHEDULER_STALLED)
                detail["scheduler_idle_seconds"] = int((now - last).total_seconds())
        platforms = self.platforms() if self.platforms is not None else None
        if platforms:
            detail["platforms"] = platforms
        return Readiness(tuple(reasons), detail)

    async def _revision(self) -> str | None:
        async with self.engine.connect() as conn:
            try:
                return (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
            except Exception:
                # Reached, but no schema at all (a new, empty database).
                await conn.rollback()
                await conn.execute(text("SELECT 1"))
                return None

    async def close(self) -> None:
        await self.engine.dispose()


__all__ = ["NOT_AT_HEAD", "SCHEDULER_STALLED", "UNREACHABLE", "Readiness", "ReadinessCheck", "probe_url"]
