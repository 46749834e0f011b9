"""`GET /readyz` and `GET /metrics` for `serve`: the routes, and the outbox figures read at each scrape."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.metrics import Metrics
from operations.readiness import ReadinessCheck
from schedules.dispatcher import OUTBOX, QUEUED, STATES

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def add_readiness(app: web.Application, check: ReadinessCheck, metrics: Metrics | None = None) -> None:
    async def readyz(request: web.Request) -> web.Response:
        found = await check.check()
        if metrics is not None:
            metrics.database_up.set(0 if any(r.startswith("database") or r.startswith("migrations") for r in found.reasons) else 1)
        return web.json_response(found.body(), status=200 if found.ready else 503)

    app.router.add_get("/readyz", readyz)


def add_metrics(app: web.Application, metrics: Metrics, sessions: async_sessionmaker[AsyncSession], clock) -> None:
    async def scrape(request: web.Request) -> web.Response:
        await refresh_outbox(metrics, sessions, clock())
        return web.Response(body=metrics.text(), headers={"Content-Type": CONTENT_TYPE})

    app.router.add_get("/metrics", scrape)


async def refresh_outbox(metrics: Metrics, sessions: async_sessionmaker[AsyncSession], now: datetime) -> None:
    """Outbox items by state and the age of the oldest due one, in two small reads (both use
    the (state, next_attempt_at) index). The database being away leaves the last figures."""
    try:
        async with sessions() as session:
            counts = dict((await session.execute(select(OUTBOX.c.state, func.count()).group_by(OUTBOX.c.state))).all())
            oldest = (
                await session.execute(select(func.min(OUTBOX.c.next_attempt_at)).where(OUTBOX.c.state == QUEUED, OUTBOX.c.next_attempt_at <= now))
            ).scalar()
    except Exception:  # noqa: BLE001 - /readyz reports the database; a scrape still answers
        return
    for state in STATES:
        metrics.outbox_items.labels(state).set(int(counts.get(state, 0)))
    if oldest is not None and isinstance(oldest, str):
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        from datetime import timezone

        oldest = oldest.replace(tzinfo=timezone.utc)
    metrics.outbox_oldest_waiting.set(max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0)


def metrics_app(metrics: Metrics, sessions: async_sessionmaker[AsyncSession], clock) -> web.Application:
    """The application for `AFFINITY_METRICS_PORT`: `/metrics` alone."""
    app = web.Application()
    add_metrics(app, metrics, sessions, clock)
    return app


__all__ = ["add_metrics", "add_readiness", "metrics_app", "refresh_outbox"]
