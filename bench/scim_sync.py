"""An identity system's initial sync through `/scim/v2/`: one POST per user, 20 in flight, as Entra does.

    python -m bench.scim_sync                                   # SQLite, 150,000 users
    python -m bench.scim_sync --users 20000 --in-flight 20
    BENCH_PG_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/affinity_bench_scim python -m bench.scim_sync --backend postgresql

The server (`build_web_app`, what `affinity-bot serve` runs, with AFFINITY_SCIM_TOKEN) runs in its
own process; this process sends Entra-shaped users (core and enterprise schema, a hire date that
starts onboarding for some) over loopback in a closed loop. Prints users/s and the server's CPU
time per user: on a shared machine the rate moves with the neighbours, CPU time much less.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import tempfile
import time
from pathlib import Path

TOKEN = "b" * 48
ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def _serve(url: str, port_queue, stop) -> None:
    from aiohttp import web

    from bot.bootstrap import build_web_app, open_runtime
    from bot.config import Settings

    async def go() -> None:
        runtime = await open_runtime(Settings(database_url=url, scim_tokens=(TOKEN,)))
        runner = web.AppRunner(build_web_app(runtime), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port_queue.put(site._server.sockets[0].getsockname()[1])
        while not stop.is_set():
            await asyncio.sleep(0.2)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        port_queue.put(usage.ru_utime + usage.ru_stime)
        await runner.cleanup()
        await runtime.close()

    asyncio.run(go())


def _user(n: int) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
        "externalId": f"obj-{n:08d}", "userName": f"staff{n}@district.example", "active": True,
        "displayName": f"Staff Member {n}", "title": ("Teacher", "Aide", "Counselor", "Principal")[n % 4],
        "emails": [{"primary": True, "type": "work", "value": f"staff{n}@district.example"}],
        "name": {"givenName": "Staff", "familyName": f"Member {n}"},
        ENT: {"department": f"School {n % 60}", **({"employeeHireDate": "2026-12-01"} if n % 10 == 0 else {})},
    }


async def _load(port: int, users: int, in_flight: int) -> tuple[float, int]:
    import aiohttp

    numbers = iter(range(users))
    failures = 0
    headers = {"Authorization": f"Bearer {TOKEN}"}

    async def client(http) -> None:
        nonlocal failures
        for n in numbers:
            async with http.post(f"http://127.0.0.1:{port}/scim/v2/Users", json=_user(n), headers=headers) as response:
                await response.read()
                failures += response.status != 201

    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=in_flight)) as http:
        await asyncio.gather(*(client(http) for _ in range(in_flight)))
    return time.perf_counter() - started, failures


def run(url: str, users: int, in_flight: int) -> str:
    context = multiprocessing.get_context("spawn")
    queue, stop = context.Queue(), context.Event()
    server = context.Process(target=_serve, args=(url, queue, stop))
    server.start()
    port = queue.get(timeout=120)
    seconds, failures = asyncio.run(_load(port, users, in_flight))
    stop.set()
    cpu = queue.get(timeout=120)
    server.join(timeout=60)
    return f"{users:,} users, {in_flight} in flight: {seconds:.1f} s, {users / seconds:,.0f} users/s, server CPU {cpu / users * 1000:.2f} ms/user, {failures} not created"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--users", type=int, default=150_000)
    parser.add_argument("--in-flight", type=int, default=20)
    args = parser.parse_args()
    if args.backend == "postgresql":
        url = os.environ.get("BENCH_PG_URL")
        if not url:
            raise SystemExit("Set BENCH_PG_URL to an empty PostgreSQL database upgraded with `affinity-bot db upgrade`.")
        print("postgresql:", run(url, args.users, args.in_flight))
        return
    with tempfile.TemporaryDirectory() as folder:
        print("sqlite:", run(f"sqlite+aiosqlite:///{Path(folder) / 'affinity.db'}", args.users, args.in_flight))


if __name__ == "__main__":
    main()
