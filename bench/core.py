"""Core latency at district scale: p50/p99 of `groups <query>`, `groups mine`, `groups join`, and roster import.

    python -m bench.core                       # SQLite (a file under /tmp) and, if reachable, PostgreSQL
    python -m bench.core --backend sqlite --samples 300
    BENCH_PG_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/affinity_bench python -m bench.core --backend postgresql
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.district import NOW, TOPICS, build
from bot.clock import FrozenClock
from bot.config import Settings
from bot.core import Bot
from bot.imports import import_roster
from bot.types import Inbound, Profile, UserRef
from storage.engine import open_engine, session_maker, upgrade


def _slug(group_id: int) -> str:
    return f"{TOPICS[group_id % len(TOPICS)]}-group-{group_id}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def measure(url: str, samples: int, people: int) -> dict[str, tuple[float, float]]:
    engine = await build(url, people=people, groups=500, memberships=int(people * 20 / 3))
    bot = Bot(session_maker(engine), Settings(database_url=url), FrozenClock(NOW))
    rng = random.Random(11)

    async def say(person: int, words: str):
        email = f"person{person}@district.example"
        return await bot.handle(Inbound(actor=UserRef("console", "local", email), text=words, profile=Profile(email=email)))

    results: dict[str, tuple[float, float]] = {}
    scenarios = {
        "groups <query>": lambda p: f"groups {rng.choice(TOPICS)}",
        "groups mine": lambda p: "groups mine",
        "groups join": lambda p: f"groups join {_slug(rng.randint(1, 500))} --yes",
    }
    for name, make in scenarios.items():
        for _ in range(20):  # warm caches and the connection pool
            await say(rng.randint(1, people), make(0))
        timings = []
        for _ in range(samples):
            person = rng.randint(1, people)
            words = make(person)
            start = time.perf_counter()
            reply = await say(person, words)
            timings.append((time.perf_counter() - start) * 1000)
            assert reply.text, words
        results[name] = (statistics.median(timings), percentile(timings, 0.99))
    await engine.dispose()
    return results


async def roster_import(url: str, rows: int) -> float:
    engine = open_engine(url)
    await upgrade(engine)
    directory = Path(tempfile.mkdtemp())
    path = directory / "roster.csv"
    with path.open("w") as f:
        f.write("email,name,role,site,start_date,supervisor_email,language,timezone\n")
        for i in range(1, rows + 1):
            boss = f"staff{(i // 20) + 1}@district.example" if i > 20 else ""
            f.write(f"staff{i}@district.example,Staff {i},teacher,Site {i % 200},2020-08-{(i % 28) + 1:02d},{boss},en,America/Chicago\n")
    sessions = session_maker(engine)
    start = time.perf_counter()
    async with sessions() as session:
        result = await import_roster(session, path, date(2026, 9, 14), NOW)
        assert result.ok, result.problems[:3]
        await session.commit()
    elapsed = time.perf_counter() - start
    await engine.dispose()
    path.unlink()
    return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--people", type=int, default=150_000)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        if backend == "sqlite":
            folder = Path(tempfile.mkdtemp())
            url, import_url = f"sqlite+aiosqlite:///{folder}/bench.db", f"sqlite+aiosqlite:///{folder}/import.db"
        else:
            url = os.environ.get("BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/affinity_bench")
            await _ensure_pg_database(url)
            import_url = url
        build_start = time.perf_counter()
        figures = await measure(url, args.samples, args.people)
        print(f"[{backend}] district of {args.people:,} people, 500 groups, {int(args.people * 20 / 3):,} memberships built in {time.perf_counter() - build_start:.1f} s (incl. {args.samples} samples per command)")
        for name, (p50, p99) in figures.items():
            print(f"[{backend}] {name:16} p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   ({args.samples} requests, one at a time)")
        if backend == "postgresql":
            await _reset_pg(import_url)
        seconds = await roster_import(import_url, args.people)
        print(f"[{backend}] roster import of {args.people:,} rows: {seconds:.1f} s")


async def _ensure_pg_database(url: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    conn = await asyncpg.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username, password=parsed.password, database="postgres")
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", parsed.database):
            await conn.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await conn.close()


async def _reset_pg(url: str) -> None:
    from sqlalchemy import text

    engine = open_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
