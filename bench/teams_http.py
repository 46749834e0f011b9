"""Teams over HTTP: requests/s and p99 of a `groups` message through /api/messages, against a bare
botbuilder CloudAdapter echo bot in the same run, both replying to the same fake connector.

    python -m bench.teams_http                            # SQLite, 20 at a time
    python -m bench.teams_http --requests 3000 --concurrency 20
    python -m bench.teams_http --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/teams_bench

Three processes share the machine: the fake connector (which also serves the token endpoint and
the OpenID keys), the bot under test, and the load generator. A request's time runs from the
POST to /api/messages until its HTTP answer, which comes after the reply has been posted to the
connector (both bots send inside the turn).

Rows: the bare SDK echo bot; Affinity in local mode; Affinity with the SDK's token checks on
(every request carries a signed token, and replies carry the bot's own token); and Affinity's
adapter with the core's answer computed once, without and with token checks, which shows what
the adapter itself costs. Each row also shows the CPU the load generator and the fake connector
spent per request: all three processes share the machine.
`--database-url` names a PostgreSQL database that is emptied first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import tempfile
import time
from pathlib import Path

APP_ID = "0d3f8a6e-1c2b-4d5e-8f90-a1b2c3d4e5f6"
TENANT = "c5b8f2d4-3a71-4e0b-9d2f-6a8e1b7c9f03"
BOT = f"28:{APP_ID}"
ISSUER = "https://api.botframework.com"


def _people(count: int) -> list[dict]:
    from bot.demo import PEOPLE

    people = []
    for i, row in enumerate(PEOPLE[:count]):
        name = row[0]
        email = name.lower().replace(" ", ".") + "@district.example"
        people.append({"id": f"29:1bench{i:04d}", "name": name, "aadObjectId": f"00000000-0000-4000-8000-{i:012d}", "email": email, "userPrincipalName": email})
    return people


def _activity(person: dict, service_url: str, n: int) -> dict:
    return {
        "type": "message",
        "id": f"1757{n:09d}",
        "timestamp": "2026-09-14T15:00:03.764Z",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": person["id"], "name": person["name"], "aadObjectId": person["aadObjectId"]},
        "conversation": {"conversationType": "personal", "tenantId": TENANT, "id": f"a:1chat-{person['id']}"},
        "recipient": {"id": BOT, "name": "Affinity"},
        "text": "groups",
        "textFormat": "plain",
        "locale": "en-US",
        "localTimezone": "America/Chicago",
        "channelData": {"tenant": {"id": TENANT}},
    }


# --- the fake connector (its own process) -------------------------------------------------------


def _connector_process(ready, people: list[dict], public_jwk: dict) -> None:
    from aiohttp import web

    members = {p["id"]: p for p in people}
    counts = {"replies": 0, "tokens": 0, "members": 0}

    async def reply(request: web.Request) -> web.Response:
        await request.read()
        counts["replies"] += 1
        return web.json_response({"id": f"r{counts['replies']}"}, status=201)

    async def member(request: web.Request) -> web.Response:
        counts["members"] += 1
        info = members.get(request.match_info["member"])
        return web.json_response(info) if info else web.json_response({}, status=404)

    async def token(request: web.Request) -> web.Response:
        counts["tokens"] += 1
        return web.json_response({"token_type": "Bearer", "expires_in": 3599, "access_token": "bench-token"})

    async def openid(request: web.Request) -> web.Response:
        base = f"http://{request.host}"
        return web.json_response({"issuer": ISSUER, "jwks_uri": f"{base}/keys"})

    async def keys(request: web.Request) -> web.Response:
        return web.json_response({"keys": [public_jwk]})

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(counts)

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", reply)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", reply)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", member)
        app.router.add_post("/token", token)
        app.router.add_get("/openid", openid)
        app.router.add_get("/keys", keys)
        app.router.add_get("/stats", stats)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        ready.send(site._server.sockets[0].getsockname()[1])
        await asyncio.Event().wait()

    asyncio.run(main())


# --- the bots under test (each in its own process) ----------------------------------------------


def _ours_process(ready, database_url: str, connector_url: str, secured: bool, precomputed: bool = False) -> None:
    import logging

    logging.disable(logging.WARNING)
    from aiohttp import web

    from bot.bootstrap import build_web_app, open_runtime, seed_demo, settle_heap, upgrade_database
    from bot.config import Settings

    async def main() -> None:
        settings = Settings(database_url=database_url, teams_unauthenticated=True)  # local mode: AFFINITY_TEAMS_UNAUTHENTICATED=1
        if secured:
            import functools

            import adapters.teams
            from botframework.connector.auth import ChannelValidation

            # The Bot Framework's keys and token service are the fake connector's; the app is
            # otherwise the one `serve` builds.
            ChannelValidation.open_id_metadata_endpoint = connector_url + "openid"
            adapters.teams.attach = functools.partial(adapters.teams.attach, login_url=connector_url + "token")
            settings = Settings(database_url=database_url, microsoft_app_id=APP_ID, microsoft_app_password="bench-secret")
        if not database_url.startswith("sqlite"):
            await upgrade_database(settings)
        runtime = await open_runtime(settings)
        await seed_demo(runtime, Path(tempfile.mkdtemp()))
        if precomputed:
            # Everything but the core: the core's answer to `groups` is computed once and
            # handed back for every request, so what remains is the adapter's own cost.
            from bot.types import Inbound, Profile, UserRef

            for person in _people(50):
                actor = UserRef("teams", TENANT, person["aadObjectId"])
                await runtime.bot.ensure_person(actor, Profile(name=person["name"], email=person["email"]))
            answer = await runtime.bot.handle(Inbound(actor=actor, text="groups"))

            async def handle(inbound):
                return answer

            runtime.bot.handle = handle
        app = build_web_app(runtime)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        settle_heap()  # as `affinity-bot serve` does once it listens
        ready.send(site._server.sockets[0].getsockname()[1])
        await asyncio.Event().wait()

    asyncio.run(main())


def _echo_process(ready) -> None:
    """The bare SDK: CloudAdapter with configuration authentication (no app id: local mode)."""
    import logging

    logging.disable(logging.WARNING)
    from aiohttp import web
    from botbuilder.core import ActivityHandler, TurnContext
    from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

    class Config:
        APP_ID = ""
        APP_PASSWORD = ""
        APP_TYPE = "MultiTenant"
        APP_TENANTID = ""

    class Echo(ActivityHandler):
        async def on_message_activity(self, turn_context: TurnContext) -> None:
            await turn_context.send_activity(f"Echo: {turn_context.activity.text}")

    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(Config()))
    bot = Echo()

    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, bot)

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/api/messages", messages)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        ready.send(site._server.sockets[0].getsockname()[1])
        await asyncio.Event().wait()

    asyncio.run(main())


# --- the load ------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux), to show what one request costs the bot."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _load(
    bot_url: str, connector_url: str, people: list[dict], total: int, concurrency: int, tokens: dict | None, pid: int = 0, connector_pid: int = 0
) -> dict:
    import aiohttp

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        async def one(n: int) -> float:
            person = people[n % len(people)]
            headers = {"Authorization": f"Bearer {tokens[person['id']]}"} if tokens else {}
            start = time.perf_counter()
            async with session.post(bot_url + "/api/messages", json=_activity(person, connector_url, n), headers=headers) as response:
                await response.read()
                if response.status not in (200, 201):
                    raise RuntimeError(f"the bot answered HTTP {response.status}")
            return time.perf_counter() - start

        for n in range(len(people) * 3):  # first contact, member lookups, caches
            await one(n)
        async with session.get(connector_url + "stats") as response:
            before = await response.json()

        timings: list[float] = []
        queue = iter(range(total))
        cpu_before, connector_before, load_before = _cpu_seconds(pid), _cpu_seconds(connector_pid), time.process_time()

        async def worker() -> None:
            for n in queue:
                timings.append(await one(n))

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
        cpu_after, connector_after, load_after = _cpu_seconds(pid), _cpu_seconds(connector_pid), time.process_time()
        async with session.get(connector_url + "stats") as response:
            after = await response.json()
    replies = after["replies"] - before["replies"]
    if replies != total:
        raise RuntimeError(f"{total} requests but {replies} replies reached the connector")
    return {
        "rps": total / elapsed,
        "p50": statistics.median(timings) * 1000,
        "p99": percentile(timings, 0.99) * 1000,
        "member_lookups": after["members"],
        "tokens": after["tokens"],
        "cpu_ms": _per_request(cpu_before, cpu_after, total),
        # What the other two processes on the machine spent, to see what they take from the bot.
        "load_cpu_ms": _per_request(load_before, load_after, total),
        "connector_cpu_ms": _per_request(connector_before, connector_after, total),
    }


def _per_request(before: float | None, after: float | None, total: int) -> float:
    return (after - before) * 1000 / total if before is not None and after is not None else float("nan")


def _start(target, *args) -> tuple[multiprocessing.Process, int]:
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=target, args=(send, *args), daemon=True)
    process.start()
    if not receive.poll(120):
        process.terminate()
        raise RuntimeError(f"{target.__name__} did not start")
    return process, receive.recv()


def _tokens(people: list[dict], connector_url: str, private_key) -> dict:
    import jwt

    now = int(time.time())
    return {
        p["id"]: jwt.encode(
            {"iss": ISSUER, "aud": APP_ID, "serviceurl": connector_url, "nbf": now - 60, "iat": now - 60, "exp": now + 3600},
            private_key,
            algorithm="RS256",
            headers={"kid": "bench"},
        )
        for p in people
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="requests per bot for Affinity (the echo bot gets a quarter)")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--people", type=int, default=20, help="distinct Teams users sending")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--no-secured", action="store_true", help="skip the run with token checks on")
    args = parser.parse_args()

    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = {**json.loads(RSAAlgorithm.to_jwk(key.public_key())), "kid": "bench", "use": "sig", "endorsements": ["msteams"]}
    people = _people(args.people)
    connector, connector_port = _start(_connector_process, people, jwk)
    connector_url = f"http://127.0.0.1:{connector_port}/"
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; {args.concurrency} at a time; {args.people} people; "
        "message `groups` (8 groups, an Adaptive Card)"
    )
    results = {}
    try:
        runs = [("bare CloudAdapter echo bot", _echo_process, (), None, max(200, args.requests // 4))]
        variants = (
            ("Affinity, local mode", False, False),
            ("Affinity, token checks on", True, False),
            ("Affinity adapter, core precomputed", False, True),
            ("adapter, token checks, precomputed", True, True),
        )
        for label, secured, precomputed in variants:
            if secured and args.no_secured:
                continue
            url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
            if args.database_url:
                asyncio.run(_empty_database(url))
            tokens = _tokens(people, connector_url, key) if secured else None
            runs.append((label, _ours_process, (url, connector_url, secured, precomputed), tokens, args.requests))
        for label, target, extra, tokens, total in runs:
            process, port = _start(target, *extra)
            try:
                results[label] = asyncio.run(
                    _load(f"http://127.0.0.1:{port}", connector_url, people, total, args.concurrency, tokens, process.pid, connector.pid)
                )
            finally:
                process.terminate()
                process.join()
            r = results[label]
            print(
                f"{label:34} {total:5d} requests  {r['rps']:7.1f} req/s  p50 {r['p50']:7.1f} ms  p99 {r['p99']:7.1f} ms  "
                f"CPU per request: bot {r['cpu_ms']:5.2f} ms, load {r['load_cpu_ms']:4.2f} ms, connector {r['connector_cpu_ms']:4.2f} ms"
            )
    finally:
        connector.terminate()
        connector.join()
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    echo = results["bare CloudAdapter echo bot"]["rps"]
    for label in ("Affinity adapter, core precomputed", "adapter, token checks, precomputed"):
        if label in results:
            r = results[label]
            print(f"{label}: {r['rps'] / echo:.1f}x the echo bot's throughput, p99 {r['p99']:.1f} ms, {r['cpu_ms']:.2f} ms of CPU a request")
    for label, r in results.items():
        if label.startswith("Affinity,"):
            print(f"{label}: {r['rps'] / echo:.1f}x the echo bot's throughput (target >= 5x), p99 {r['p99']:.1f} ms (target < 150 ms)")


async def _empty_database(url: str) -> None:
    from sqlalchemy import text

    from storage.engine import open_engine, upgrade

    engine = open_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await upgrade(engine)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    main()
