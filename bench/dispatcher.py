"""The outbox dispatcher against a fake Slack Web API: deliveries per second, and a 10,000-member announcement.

    python -m bench.dispatcher                                   # SQLite
    python -m bench.dispatcher --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/affinity_bench_outbox
    python -m bench.dispatcher --people 2000 --scenario throughput

The fake Slack runs in its own process, so the dispatcher (this process) has a core to itself on
a two-core machine. It answers conversations.open, chat.postMessage and conversations.history in
Slack's shapes and counts every outbox key it receives (from the message metadata), so each run
checks that every item arrived exactly once.

- *throughput*: N DMs with no rate limit, once to people the bot has never written to (each
  needs conversations.open, then chat.postMessage), and once more to the same people (their DMs
  are known: one call each). Deliveries per second from the first claim until the outbox is empty.
- *announcement*: N DMs and one channel post against a fake that keeps Slack's posting limit of
  about one message per second per conversation, with a short burst (3), and answers 429 with
  Retry-After beyond it. Prints the wall time and how many 429s the dispatcher drew.

Real time is used here; tests never do. A PostgreSQL database given with --database-url is
emptied first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import platform
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

from aiohttp import web
from sqlalchemy import func, insert, select, text

TOKEN = "xoxb-1-2-benchbenchbenchbench"
SECRET = "bench-signing-secret-0123456789abcdef"
TEAM = "T0BENCH"
CHANNEL = "C0ANNOUNCE"


# --- the fake Slack, in its own process --------------------------------------------------------------


class Limits:
    """Slack's posting limit per conversation: a bucket of `burst` refilled at `rate` a second."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.buckets: dict[str, tuple[float, float]] = {}

    def take(self, channel: str) -> float:
        """0 when the post may go (and is counted), else the seconds until it may."""
        now = time.monotonic()
        tokens, then = self.buckets.get(channel, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.rate)
        if tokens >= 1.0:
            self.buckets[channel] = (tokens - 1.0, now)
            return 0.0
        self.buckets[channel] = (tokens, now)
        return (1.0 - tokens) / self.rate


def _serve_fake(pipe, limited: bool) -> None:
    keys: Counter = Counter()
    history: dict[str, list[dict]] = {}
    stats = Counter()
    limits = Limits(1.0, 3) if limited else None
    ids = iter(range(1, 10**9))

    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            args = await request.json()
        else:
            args = dict(await request.post()) or dict(request.query)
        stats[method] += 1
        if method == "conversations.open":
            users = str(args.get("users", ""))
            return web.json_response({"ok": True, "channel": {"id": "D" + users.replace(",", "_")}})
        if method == "chat.postMessage":
            channel = str(args.get("channel"))
            if limits is not None:
                wait = limits.take(channel)
                if wait > 0:
                    stats["429"] += 1
                    return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(max(1, math.ceil(wait)))})
            ts = f"{int(time.time())}.{next(ids):06d}"
            metadata = args.get("metadata") or {}
            key = (metadata.get("event_payload") or {}).get("key")
            if key:
                keys[key] += 1
            history.setdefault(channel, []).append({"type": "message", "ts": ts, "metadata": metadata})
            return web.json_response({"ok": True, "channel": channel, "ts": ts, "message": {"type": "message", "ts": ts, "text": args.get("text")}})
        if method == "conversations.history":
            found = list(reversed(history.get(str(args.get("channel")), [])))
            return web.json_response({"ok": True, "messages": found[:200], "has_more": False, "pin_count": 0, "response_metadata": {"next_cursor": ""}})
        return web.json_response({"ok": False, "error": "unknown_method"})

    async def report(request: web.Request) -> web.Response:
        return web.json_response({"keys": len(keys), "repeated": sum(1 for n in keys.values() if n > 1), "calls": dict(stats)})

    async def reset(request: web.Request) -> web.Response:
        keys.clear()
        history.clear()
        stats.clear()
        if limits is not None:
            limits.buckets.clear()
        return web.json_response({"ok": True})

    async def main() -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post("/api/{method}", api)
        app.router.add_get("/api/{method}", api)
        app.router.add_get("/stats", report)
        app.router.add_post("/reset", reset)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        pipe.send(f"http://{host}:{port}")
        await asyncio.Event().wait()

    asyncio.run(main())


class FakeSlackProcess:
    def __init__(self, limited: bool) -> None:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        self.process = context.Process(target=_serve_fake, args=(child, limited), daemon=True)
        self.process.start()
        self.url = parent.recv()

    async def stats(self) -> dict:
        import aiohttp

        async with aiohttp.ClientSession() as session:
            async with session.get(self.url + "/stats") as response:
                return await response.json()

    async def reset(self) -> None:
        import aiohttp

        async with aiohttp.ClientSession() as session:
            async with session.post(self.url + "/reset") as response:
                await response.read()

    def cpu(self) -> float:
        """CPU seconds the fake has used (Linux), to tell its share from the dispatcher's."""
        try:
            fields = open(f"/proc/{self.process.pid}/stat").read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return float("nan")

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(5)


# --- the district and its outbox ---------------------------------------------------------------------


async def open_database(url: str | None, workdir: str):
    from bot.bootstrap import open_runtime
    from bot.config import Settings
    from storage.engine import open_engine, upgrade
    from storage.models import Base

    if url:
        engine = open_engine(url)
        await upgrade(engine)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE TABLE {tables} RESTART IDENTITY CASCADE"))
        await engine.dispose()
    else:
        url = f"sqlite+aiosqlite:///{os.path.join(workdir, 'bench.db')}"
    return await open_runtime(Settings(database_url=url))


async def add_people(runtime, count: int) -> list[int]:
    from storage.models import Person, PlatformLink

    async with runtime.sessions() as session:
        await session.execute(
            insert(Person), [{"name": f"Staff {n}", "email": f"staff{n}@bench.example", "created_on": date(2026, 9, 1), "language": "en", "dm_ok": True, "nudges_ok": True} for n in range(count)]
        )
        ids = list((await session.execute(select(Person.id).order_by(Person.id))).scalars())
        await session.execute(insert(PlatformLink), [{"person_id": pid, "platform": "slack", "tenant": TEAM, "user_id": f"U{n:07d}"} for n, pid in enumerate(ids)])
        await session.commit()
    return ids


async def queue(runtime, people: list[int], round_name: str, channel: bool = False) -> int:
    from bot.types import Button, Card, Reply
    from storage.models import OutboxItem

    reply = Reply(
        text="LGBTQ+ Educators: potluck social this Friday",
        card=Card(title="LGBTQ+ Educators: potluck social this Friday", body="Room 114 at Lincoln Elementary, 16:00. Bring a dish if you like.", actions=(Button("RSVP", "rsvp 12 yes"),)),
        ephemeral=False,
    ).to_payload()
    now = datetime.now(timezone.utc) - timedelta(seconds=1)
    base = dict(kind="announcement", payload=reply, state="queued", attempts=0, not_before=now, next_attempt_at=now, created_at=now)
    rows = [dict(base, key=f"bench:{round_name}:{pid}", person_id=pid, channel=None, people=None) for pid in people]
    if channel:
        rows.append(dict(base, key=f"bench:{round_name}:channel", person_id=None, channel={"platform": "slack", "tenant": TEAM, "conversation_id": CHANNEL, "kind": "channel"}, people=None))
    async with runtime.sessions() as session:
        for start in range(0, len(rows), 2000):
            await session.execute(insert(OutboxItem), rows[start : start + 2000])
        await session.commit()
    return len(rows)


async def states(runtime) -> dict[str, int]:
    from storage.models import OutboxItem

    async with runtime.sessions() as session:
        return dict((await session.execute(select(OutboxItem.state, func.count()).group_by(OutboxItem.state))).all())


def gateway_for(runtime, api_url: str):
    import adapters.slack
    from bot.bootstrap import Runtime

    settings = replace(runtime.settings, slack_bot_token=TOKEN, slack_signing_secret=SECRET, slack_api_url=api_url + "/api/")
    return adapters.slack.gateway(Runtime(settings, runtime.engine, runtime.sessions, runtime.bot, runtime.clock))


async def deliver_all(runtime, gateway, expected: int, batch: int, concurrency: int) -> tuple[float, Counter]:
    """Drain until `expected` items are sent, as `outbox drain --until-empty` does; returns seconds and outcome counts."""
    from schedules.dispatcher import Dispatcher

    dispatcher = Dispatcher(runtime.sessions, {"slack": gateway}, batch=batch, concurrency=concurrency)
    started = time.perf_counter()
    while True:
        await dispatcher.drain()
        due = await dispatcher.pending()
        if due is None:
            break
        await asyncio.sleep(max(0.01, min(0.5, (due - datetime.now(timezone.utc)).total_seconds())))
    seconds = time.perf_counter() - started
    done = (await states(runtime)).get("sent", 0)
    assert done == expected, f"{done} of {expected} sent"
    return seconds, dispatcher.counts


# --- the scenarios -----------------------------------------------------------------------------------


async def throughput(url: str | None, people: int, batch: int, concurrency: int) -> None:
    fake = FakeSlackProcess(limited=False)
    with tempfile.TemporaryDirectory() as workdir:
        runtime = await open_database(url, workdir)
        gateway = gateway_for(runtime, fake.url)
        try:
            ids = await add_people(runtime, people)
            for round_name, what in (("first", "DMs never opened (2 calls each)"), ("again", "DMs already open (1 call each)")):
                await queue(runtime, ids, round_name)
                ours, theirs = time.process_time(), fake.cpu()
                seconds, _ = await deliver_all(runtime, gateway, len(ids) * (1 if round_name == "first" else 2), batch, concurrency)
                ours, theirs = time.process_time() - ours, fake.cpu() - theirs
                stats = await fake.stats()
                print(
                    f"  {len(ids):>6} {what:<34} {seconds:7.2f} s   {len(ids) / seconds:8.0f} deliveries/s   "
                    f"CPU per delivery: dispatcher {ours / len(ids) * 1000:.2f} ms, fake Slack {theirs / len(ids) * 1000:.2f} ms   repeated keys: {stats['repeated']}",
                    flush=True,
                )
                await fake.reset()
        finally:
            await gateway.close()
            await runtime.close()
            fake.stop()


async def announcement(url: str | None, people: int, batch: int, concurrency: int) -> None:
    fake = FakeSlackProcess(limited=True)
    with tempfile.TemporaryDirectory() as workdir:
        runtime = await open_database(url, workdir)
        gateway = gateway_for(runtime, fake.url)
        try:
            ids = await add_people(runtime, people)
            # The bot has written to everyone before (their DMs are known), as in a district
            # where the bot has run for a while; then one announcement to all and its channel.
            await queue(runtime, ids, "warm")
            await deliver_all(runtime, gateway, len(ids), batch, concurrency)
            await fake.reset()
            total = await queue(runtime, ids, "announcement", channel=True)
            seconds, counts = await deliver_all(runtime, gateway, len(ids) + total, batch, concurrency)
            stats = await fake.stats()
            posts = stats["calls"].get("chat.postMessage", 0)
            print(
                f"  {people} DMs + 1 channel post: {seconds:.2f} s wall, {total / seconds:.0f} deliveries/s, "
                f"{stats['calls'].get('429', 0)} answered 429, {posts} posts made, {stats['keys']} keys received, {stats['repeated']} more than once; "
                f"dispatcher retries {counts.get('retry', 0)}",
                flush=True,
            )
        finally:
            await gateway.close()
            await runtime.close()
            fake.stop()


def machine() -> str:
    # Other work on a shared machine shows in the load average; the figures are only as good as it.
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, Python {platform.python_version()}, load average {load}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL database to use (emptied first); default a temporary SQLite file")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--scenario", choices=("throughput", "announcement", "both"), default="both")
    args = parser.parse_args()
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"Outbox dispatcher on {backend}, batch {args.batch}, {args.concurrency} sends in flight ({machine()})", flush=True)
    if args.scenario in ("throughput", "both"):
        print("throughput, fake Slack without limits:", flush=True)
        asyncio.run(throughput(args.database_url, args.people, args.batch, args.concurrency))
    if args.scenario in ("announcement", "both"):
        print("announcement, fake Slack keeping ~1 message/s per conversation (burst 3), 429 + Retry-After beyond:", flush=True)
        asyncio.run(announcement(args.database_url, args.people, args.batch, args.concurrency))


if __name__ == "__main__":
    main()
