"""Slack through the full HTTP stack: signed `/groups` into `affinity-bot serve` vs a bare slack-bolt app.

    python -m bench.slack_http                          # SQLite and, if reachable, PostgreSQL; 150,000 people
    python -m bench.slack_http --backend sqlite --people 20000 --duration 5
    python -m bench.slack_http --keep --churn 1,0   # one change to a listing a second, from another process
    BENCH_PG_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/affinity_bench_slack python -m bench.slack_http --backend postgresql

Each server runs in its own process (ours: `build_web_app`, the app `affinity-bot serve` runs, with
a single-workspace token and a fake Slack Web API for auth.test and users.info; bare: an AsyncApp
whose `/groups` listener acks a fixed text, served by the same aiohttp). The load generator runs in
this process on the same machine: closed loop, N clients, signed form-encoded slash commands.
Every user is looked up once before measuring (users.info is cached, as in steady use).
Each line ends with the server process's CPU time per request answered: on a machine shared with
other work, latency and throughput move with the neighbours, CPU time much less.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import web

from bench.slack_load import LoadResult, command_request, run_load

SECRET = "bench-signing-secret-0123456789abcdef"
TOKEN = "xoxb-1-2-benchbenchbenchbench"
TEAM = "T0DISTRICT"


# --- a fake Slack Web API: just what a command needs -------------------------------------------------


async def start_fake_slack() -> tuple[web.AppRunner, str]:
    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = dict(request.query) | dict(await request.post())
        if method == "auth.test":
            return web.json_response({"ok": True, "team_id": TEAM, "user_id": "U0BOT", "bot_id": "B0BOT", "team": "District", "user": "bot", "url": "https://x.slack.com/"})
        if method == "users.info":
            user = str(form.get("user"))
            number = user.removeprefix("U")
            return web.json_response(
                {
                    "ok": True,
                    "user": {
                        "id": user,
                        "team_id": TEAM,
                        "name": f"person{number}",
                        "real_name": f"Person {number}",
                        "tz": "America/Chicago",
                        "locale": "en-US",
                        "profile": {"real_name": f"Person {number}", "email": f"person{number}@district.example"},
                    },
                }
            )
        return web.json_response({"ok": True})

    async def respond(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/respond", respond)
    app.router.add_post("/api/{method}", api)
    app.router.add_get("/api/{method}", api)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}/api/"


# --- the two servers, each in its own process ------------------------------------------------------


def _serve(kind: str, database_url: str, api_url: str, pipe, stub_core: bool = False) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)

    async def ours() -> web.Application:
        from bot.bootstrap import build_web_app, open_runtime
        from bot.config import Settings

        runtime = await open_runtime(Settings(database_url=database_url, slack_bot_token=TOKEN, slack_signing_secret=SECRET, slack_api_url=api_url))
        if stub_core:
            # What the adapter, slack-bolt and aiohttp cost on their own: the core's real answer
            # to the first request, given again to every later one without touching the database.
            real = runtime.bot.handle
            answers: dict[str, object] = {}

            async def remembered(inbound):
                key = inbound.text or ""
                if key not in answers:
                    answers[key] = await real(inbound)
                return answers[key]

            runtime.bot.handle = remembered
        return build_web_app(runtime)

    async def bare() -> web.Application:
        from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
        from slack_bolt.async_app import AsyncApp
        from slack_sdk.web.async_client import AsyncWebClient

        bolt = AsyncApp(signing_secret=SECRET, client=AsyncWebClient(token=TOKEN, base_url=api_url))

        @bolt.command("/groups")
        async def groups(ack) -> None:
            await ack("Here are the district's affinity groups.")

        async def events(request: web.Request) -> web.Response:
            return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

        app = web.Application()
        app.router.add_post("/slack/events", events)
        return app

    async def main() -> None:
        app = await (ours() if kind == "ours" else bare())
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        if kind == "ours":
            from bot.bootstrap import settle_heap

            settle_heap()  # as `affinity-bot serve` does once it listens
        pipe.send(runner.addresses[0][1])
        await asyncio.Event().wait()

    asyncio.run(main())


class Server:
    def __init__(self, kind: str, database_url: str, api_url: str, stub_core: bool = False) -> None:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(kind, database_url, api_url, child, stub_core), daemon=True)
        self.process.start()
        if not parent.poll(120):
            self.process.terminate()
            raise RuntimeError(f"the {kind} server did not start")
        self.url = f"http://127.0.0.1:{parent.recv()}/slack/events"

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(10)


# --- the measurement ------------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux; 0 elsewhere): what a request costs the
    server, which other work on a shared machine does not inflate the way it does latency."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _answered(payload: bytes) -> bool:
    try:
        return bool(json.loads(payload).get("text"))
    except ValueError:
        return bool(payload)


async def _prepare_users(url: str, users: list[str], respond_to: str) -> None:
    """Every user's first command once (users.info, linking by e-mail), a few at a time."""
    requests = [command_request(u, "/help", "", SECRET, response_url=respond_to) for u in users]
    await run_load(url, requests, concurrency=8, duration=len(users) / 40 + 30, warmup=0, max_requests=len(users), check=_answered)


async def _churn(database_url: str, churn: tuple[float, float], people: int) -> None:
    """Writes from another process while the load runs: `churn[0]` a second that raise the
    listing's generation (a group's row written, as a join does) and `churn[1]` a second that
    raise the people generation (a person's time zone written, as a settings change does). Each
    makes the server's kept copies of that kind stale, so that it reads them again."""
    from sqlalchemy import text as sql

    from storage.engine import open_engine

    engine = open_engine(database_url)
    rng = random.Random(11)
    statements = []
    if churn[0] > 0:
        statements.append((sql("UPDATE affinity_group SET active_count = active_count WHERE id = :id"), 500, churn[0]))
    if churn[1] > 0:
        statements.append((sql("UPDATE person SET timezone = timezone WHERE id = :id"), people, churn[1]))

    async def writer(statement, ids: int, per_second: float) -> None:
        while True:
            await asyncio.sleep(1 / per_second)
            async with engine.begin() as conn:
                await conn.execute(statement, {"id": rng.randint(1, ids)})

    try:
        await asyncio.gather(*(writer(*w) for w in statements))
    finally:
        await engine.dispose()


async def compare(
    database_url: str, api_url: str, users: list[str], concurrencies: list[int], duration: float, label: str, text: str = "", stub_core: bool = False,
    churn: tuple[float, float] = (0.0, 0.0), people: int = 150_000,
) -> list[tuple[str, LoadResult, float]]:
    """Each server's runs: (kind, result, server CPU milliseconds per request answered)."""
    results: list[tuple[str, LoadResult, float]] = []
    # Late answers (past the acknowledgement budget) go to the fake, as they would to Slack.
    respond_to = api_url.removesuffix("api/") + "respond"
    for kind in ("bare", "ours"):
        server = Server(kind, database_url, api_url, stub_core)
        try:
            if kind == "ours":
                await _prepare_users(server.url, users, respond_to)
            for concurrency in concurrencies:
                # Fresh signatures for each run: Slack's replay window is five minutes.
                requests = [command_request(u, "/groups", text, SECRET, response_url=respond_to) for u in users]
                writes = asyncio.ensure_future(_churn(database_url, churn, people)) if any(churn) else None
                cpu_before = _cpu_seconds(server.process.pid)
                try:
                    result = await run_load(server.url, requests, concurrency, duration, warmup=2.0, check=_answered)
                finally:
                    if writes is not None:
                        writes.cancel()
                        await asyncio.gather(writes, return_exceptions=True)
                cpu = _cpu_seconds(server.process.pid) - cpu_before
                name = f"[{label}] bare slack-bolt AsyncApp" if kind == "bare" else f"[{label}] affinity-bot serve /groups {text}".rstrip()
                if kind == "ours" and stub_core:
                    name += " (core stubbed)"
                if any(churn):
                    name += f" (writes/s: {churn[0]:g} listing, {churn[1]:g} people)"
                cpu_ms = 1000 * cpu / max(1, result.answered)
                print(result.line(name) + f"   server CPU {cpu_ms:.2f} ms/request", flush=True)
                results.append((kind, result, cpu_ms))
        finally:
            server.stop()
    return results


async def _built(url: str, people: int) -> bool:
    """Whether a district of this size is already there; if so its schema is brought up to date
    (a migration added since it was built would otherwise stop the server from starting)."""
    from sqlalchemy import text

    from storage.engine import open_engine, upgrade

    engine = open_engine(url)
    try:
        try:
            async with engine.connect() as conn:
                built = (await conn.execute(text("SELECT count(*) FROM person WHERE email IS NOT NULL"))).scalar() == people
        except Exception:  # noqa: BLE001 - no table yet: not built
            return False
        if built:
            await upgrade(engine)
        return built
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--people", type=int, default=150_000, help="district size (150,000 is the core benchmark's)")
    parser.add_argument("--users", type=int, default=1000, help="distinct Slack users sending commands")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per run")
    parser.add_argument("--concurrency", default="50,20")
    parser.add_argument("--text", default="", help="words after /groups (default none: the full listing)")
    parser.add_argument("--stub-core", action="store_true", help="answer every request with the core's first answer: the adapter's own cost")
    parser.add_argument("--keep", action="store_true", help="reuse a district already built by an earlier --keep run of the same size")
    parser.add_argument("--churn", default="0,0", help="LISTING,PEOPLE: writes per second from another process during each run that change a listing, and a person")
    args = parser.parse_args()
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    listing_churn, _, people_churn = args.churn.partition(",")
    churn = (float(listing_churn or 0), float(people_churn or 0))
    from bench.core import _ensure_pg_database
    from bench.district import build

    fake, api_url = await start_fake_slack()
    rng = random.Random(5)
    users = [f"U{n}" for n in rng.sample(range(1, args.people + 1), min(args.users, args.people))]
    print(f"machine: {os.cpu_count()} cores; load generator in this process, each server in its own; {len(users)} Slack users; {args.duration:.0f} s per run", flush=True)
    try:
        backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
        for backend in backends:
            if backend == "sqlite":
                folder = Path(tempfile.gettempdir()) / f"affinity-slack-bench-{args.people}" if args.keep else Path(tempfile.mkdtemp())
                folder.mkdir(exist_ok=True)
                url = f"sqlite+aiosqlite:///{folder}/bench.db"
            else:
                url = os.environ.get("BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/affinity_bench_slack")
                try:
                    await _ensure_pg_database(url)
                except OSError as exc:
                    print(f"[postgresql] skipped: {type(exc).__name__}: {exc}")
                    continue
            began = time.perf_counter()
            if args.keep and await _built(url, args.people):
                print(f"[{backend}] reusing the district of {args.people:,} people already built", flush=True)
            else:
                engine = await build(url, people=args.people, groups=500, memberships=int(args.people * 20 / 3))
                await engine.dispose()
                print(f"[{backend}] district of {args.people:,} people, 500 groups, {int(args.people * 20 / 3):,} memberships built in {time.perf_counter() - began:.0f} s", flush=True)
            results = await compare(url, api_url, users, concurrencies, args.duration, backend, args.text, args.stub_core, churn, args.people)
            bare = {r.concurrency: (r, cpu) for k, r, cpu in results if k == "bare"}
            ours = {r.concurrency: (r, cpu) for k, r, cpu in results if k == "ours"}
            for concurrency in concurrencies:
                if concurrency in bare and concurrency in ours and bare[concurrency][0].per_second:
                    (b, b_cpu), (o, o_cpu) = bare[concurrency], ours[concurrency]
                    ratio = o.per_second / b.per_second
                    # The two servers run one after the other, so neighbours' load can differ
                    # between them; the CPU ratio is what the throughput ratio would be with the
                    # cores to themselves.
                    print(
                        f"[{backend}] c={concurrency}: ours/bare throughput {ratio:.2f}x (target >= 0.5x at 50); ours p99 {o.p99_ms:.1f} ms "
                        f"(target < 100 ms at 20); bare/ours CPU per request {b_cpu / o_cpu if o_cpu else 0:.2f}x",
                        flush=True,
                    )
    finally:
        await fake.cleanup()


if __name__ == "__main__":
    if sys.platform != "win32":
        multiprocessing.set_start_method("spawn", force=True)
    asyncio.run(main())
