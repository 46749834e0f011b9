"""`GET /readyz`: 503 with a reason while the database is away, behind, or the scheduler stalled; 200 again after."""

from __future__ import annotations

import os
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.bootstrap import build_web_app, open_runtime, seed_demo
from bot.catalogue import Translator
from bot.config import Settings
from schedules.dispatcher import Dispatcher
from schedules.scheduler import Scheduler
from storage.engine import open_engine
from tests.support.fuzz import grown, row_counts
from tests.support.talk import Speaker
from tests.support.tcp_proxy import TcpProxy


class Served:
    """The web app on loopback port 0, asked for /readyz."""

    def __init__(self, app: web.Application) -> None:
        self.app = app

    async def __aenter__(self) -> "Served":
        self.runner = web.AppRunner(self.app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        self.http = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.http.close()
        await self.runner.cleanup()

    async def ready(self) -> tuple[int, dict]:
        async with self.http.get(self.url + "/readyz") as response:
            return response.status, await response.json()


def _files(url: str) -> list[Path]:
    path = Path(make_url(url).database)
    return [p for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")) if p.exists()]


async def test_readyz_says_so_while_the_sqlite_file_is_unreadable_and_recovers(sqlite_runtime, sqlite_url):
    async with Served(build_web_app(sqlite_runtime)) as served:
        assert await served.ready() == (200, {"ready": True, "reasons": [], "schema": (await served.ready())[1]["schema"]})
        # Unreadable: moved out of the way (a chmod would not stop a test run as root).
        files = _files(sqlite_url)
        for f in files:
            f.rename(f.with_name(f.name + ".away"))
        try:
            status, body = await served.ready()
            assert status == 503 and body["reasons"] == ["database unreachable"] and not body["ready"]
            assert not Path(make_url(sqlite_url).database).exists(), "the probe created no empty database in its place"
        finally:
            for f in files:
                f.with_name(f.name + ".away").rename(f)
        assert (await served.ready())[0] == 200
        if os.geteuid() != 0:
            path = Path(make_url(sqlite_url).database)
            path.chmod(0)
            try:
                assert (await served.ready())[0] == 503
            finally:
                path.chmod(0o644)
            assert (await served.ready())[0] == 200


async def test_readyz_says_when_migrations_are_not_at_head(runtime):
    async with Served(build_web_app(runtime)) as served:
        async with runtime.engine.begin() as conn:
            head = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
            await conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        try:
            status, body = await served.ready()
            assert status == 503 and body["reasons"] == ["migrations not at head"] and body["schema"] == "0001" and body["head"] == head
        finally:
            async with runtime.engine.begin() as conn:
                await conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        assert (await served.ready())[0] == 200


async def test_readyz_says_when_the_scheduler_has_not_ticked_for_two_minutes(sqlite_runtime, clock):
    scheduler = Scheduler(sqlite_runtime.sessions, sqlite_runtime.settings, Dispatcher(sqlite_runtime.sessions, {}, clock), clock, jobs={})
    async with Served(build_web_app(sqlite_runtime, scheduler)) as served:
        await scheduler.run_jobs()
        clock.advance(seconds=119)
        assert (await served.ready())[0] == 200
        clock.advance(seconds=2)
        status, body = await served.ready()
        assert status == 503 and body["reasons"] == ["scheduler has not ticked for 2 minutes"] and body["scheduler_idle_seconds"] == 121
        await scheduler.run_jobs()
        assert (await served.ready())[0] == 200
    # Without a scheduler in this process (serve --no-scheduler) its ticks are not asked about.
    async with Served(build_web_app(sqlite_runtime)) as served:
        clock.advance(minutes=10)
        assert (await served.ready())[0] == 200


async def test_postgresql_cut_off_answers_try_again_writes_nothing_and_recovers(pg_url, clock, tmp_path):
    real = make_url(pg_url)
    proxy = await TcpProxy(real.host or "127.0.0.1", real.port or 5432).start()
    through = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    from tests.support.databases import empty_pg_database

    await empty_pg_database(pg_url)
    runtime = await open_runtime(Settings(database_url=through), clock)
    direct = open_engine(pg_url)
    try:
        await seed_demo(runtime, tmp_path)
        maria = Speaker(runtime, "maria.lopez@district.example")
        await maria.say("help")
        async with Served(build_web_app(runtime)) as served:
            assert (await served.ready())[0] == 200
            before = await row_counts(direct)
            await proxy.cut()
            status, body = await served.ready()
            assert status == 503 and body["reasons"] == ["database unreachable"]
            for line in ("groups join new-teachers", "groups mine", "concern"):
                reply = await maria.say(line)
                assert reply.refused and reply.text == Translator("en")("errors.unavailable"), line
            assert grown(before, await row_counts(direct)) == {}, "nothing half-written"
            await proxy.restore()
            assert (await served.ready())[0] == 200
            reply = await maria.say("groups join new-teachers")
            assert not reply.refused and reply.text != Translator("en")("errors.unavailable")
    finally:
        await direct.dispose()
        await runtime.close()
        await proxy.cut()
