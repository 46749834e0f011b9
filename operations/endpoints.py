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


def add_export_downloads(app: web.Application, runtime) -> None:
    """`GET /privacy/export/<token>` (bot/people/export_links.py): the person's records as a JSON
    download, or 404 for a token that is changed, expired or for nobody. Never logged."""
    from bot.catalogue import Translator, language_for
    from bot.people import export_links, records
    from storage.models import Person

    async def download(request: web.Request) -> web.Response:
        now = runtime.now()
        language = language_for((request.headers.get("Accept-Language") or "").split(",")[0].split(";")[0].strip() or None)
        headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}
        async with runtime.sessions() as session:
            person_id = await export_links.redeem(session, request.match_info["token"], now)
            person = await session.get(Person, person_id) if person_id is not None else None
            if person is None:
                await session.commit()
                return web.Response(status=404, text=Translator(language)("privacy.export_link_gone"), headers=headers)
            content = records.export_json(await records.export(session, person), now)
            await session.commit()
        filename = f"affinity-records-{now.astimezone(runtime.settings.timezone).date().isoformat()}.json"
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        return web.Response(body=content, content_type="application/json", headers=headers)

    app.router.add_get(export_links.PATH + "{token}", download)
