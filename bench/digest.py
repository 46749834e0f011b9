"""The DEI office's concern digest at scale: 100,000 concerns over 200 sites × 6 categories × 52 weeks.

    python -m bench.digest                      # SQLite (a file under /tmp) and, if reachable, PostgreSQL
    python -m bench.digest --backend sqlite --runs 10
    BENCH_PG_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/affinity_digest_bench python -m bench.digest --backend postgresql

Target: the whole digest (counting in SQL, merging, suppression, excerpts with the scrubber over the
directory, rendering) in under 2 s. Sites have long-tailed sizes, as districts do, so some
cells reach the excerpt threshold and the scrubber has real work.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import delete, text

from bench.core import _ensure_pg_database
from bench.district import _bulk
from bot.catalogue import Translator
from bot.concerns.digest import gather_digest, queue_digest, render_digest, weekly_counts
from bot.config import Settings
from storage.engine import is_sqlite, open_engine, session_maker, upgrade
from storage.models import Concern, OutboxItem, Person

CATEGORIES = ("harassment", "discrimination", "inclusion", "workload", "safety", "other")
SITES = [f"Site {i:03d}" for i in range(200)]
WEEK = date(2026, 9, 7)  # the Monday of the week the digest reports on (2026-W37)
NOW = datetime(2026, 9, 14, 13, 0, tzinfo=timezone.utc)  # Monday 08:00 in Chicago
FIRST = ["Maria", "José", "Aisha", "Kenji", "Grace", "Luis", "Priya", "Tom", "Fatima", "Noah", "Sofia", "Mei", "Daniel", "Hannah", "Ibrahim", "Carmen", "Ethan", "Zoe", "Gabriel", "Nia"]
LAST = ["Lopez", "Núñez", "Bello", "Watanabe", "Kim", "Hernandez", "Shah", "Becker", "Haddad", "Williams", "Ramirez", "Chen", "Cruz", "Lee", "Yusuf", "Ortiz", "Davis", "Thompson", "Silva", "Jackson"]
WORDS = "in the staff meeting a colleague said something about my accent and nobody answered again after school hallway duty schedule unfair".split()


def concern_rows(rng: random.Random, concerns: int, names: list[str], people: int) -> list[dict]:
    """`concerns` concerns over the 52 weeks up to WEEK, long-tailed over sites, some texts with
    planted names, phone numbers and e-mails."""
    first_day = WEEK - timedelta(weeks=51)
    site_weights = [1.0 / (i + 1) ** 0.7 for i in range(len(SITES))]
    category_weights = [5, 4, 3, 6, 2, 1]
    rows = []
    for n in range(concerns):
        words = rng.choices(WORDS, k=rng.randint(12, 60))
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words)), rng.choice(names))
        if rng.random() < 0.1:
            words.insert(rng.randrange(len(words)), f"{rng.randint(200, 999)}-555-{rng.randint(0, 9999):04d}")
        if rng.random() < 0.1:
            words.insert(rng.randrange(len(words)), f"person{rng.randrange(people)}@district.example")
        rows.append(
            dict(
                id=secrets.token_hex(16),
                code_hash=secrets.token_hex(32),
                reference=f"R-{n >> 16:04X}-{n & 0xFFFF:04X}",
                category=rng.choices(CATEGORIES, weights=category_weights)[0],
                site=rng.choices(SITES, weights=site_weights)[0] if rng.random() < 0.9 else None,
                text=" ".join(words).capitalize() + ".",
                status="open",
                filed_on=first_day + timedelta(days=rng.randrange(52 * 7)),
            )
        )
    return rows


async def build(url: str, concerns: int, people: int, seed: int = 3):
    rng = random.Random(seed)
    engine = open_engine(url)
    if not is_sqlite(engine):
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    names = [f"{rng.choice(FIRST)} {rng.choice(LAST)}-{i}" if i % 3 == 0 else f"{rng.choice(FIRST)} {rng.choice(LAST)}" for i in range(people)]
    person_rows = [dict(id=i + 1, name=name, email=f"person{i}@district.example", language="en", dm_ok=True, nudges_ok=True, created_on=WEEK) for i, name in enumerate(names)]
    rows = concern_rows(rng, concerns, names, people)
    async with engine.begin() as conn:
        await _bulk(conn, Person, person_rows)
        await _bulk(conn, Concern, rows)
        await conn.execute(text("ANALYZE"))
    return engine


async def measure(url: str, runs: int, concerns: int, people: int) -> None:
    backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    started = time.perf_counter()
    engine = await build(url, concerns, people)
    print(f"[{backend}] {concerns:,} concerns over {len(SITES)} sites × {len(CATEGORIES)} categories × 52 weeks, {people:,} people in the directory, built in {time.perf_counter() - started:.1f} s")
    sessions = session_maker(engine)
    settings = Settings(database_url=url, dei_channel="slack:T0BENCH:C0DEI")
    t = Translator("en")
    totals: list[float] = []
    digest = None
    for run in range(runs + 1):
        async with sessions() as session:
            start = time.perf_counter()
            digest = await gather_digest(session, settings, WEEK)
            reply = render_digest(digest, t)
            elapsed = time.perf_counter() - start
        if run:  # the first run warms the connection pool and the database's caches
            totals.append(elapsed)
    # Counting alone, in SQL, for the breakdown.
    counting: list[float] = []
    for _ in range(runs):
        async with sessions() as session:
            start = time.perf_counter()
            await weekly_counts(session, WEEK - timedelta(weeks=11), WEEK)
            counting.append(time.perf_counter() - start)
    async with sessions() as session:
        await session.execute(delete(OutboxItem))
        await session.commit()
        start = time.perf_counter()
        queued = await queue_digest(session, settings, NOW)
        await session.commit()
        job = time.perf_counter() - start
    assert digest is not None and queued == 1
    week, trailing = digest.this_week, digest.trailing
    print(f"[{backend}] digest (count in SQL, merge, suppress, excerpts, render): median {statistics.median(totals) * 1000:.0f} ms, max {max(totals) * 1000:.0f} ms over {runs} runs  (target < 2000 ms)")
    print(f"[{backend}]   of which GROUP BY category, site, week over 12 weeks: median {statistics.median(counting) * 1000:.0f} ms")
    print(f"[{backend}] weekly job (the same, plus writing it to the outbox): {job * 1000:.0f} ms")
    print(
        f"[{backend}] week: {week.grand_total:,} concerns, {len(week.sites)} site columns, {len(week.hidden)} figures hidden; "
        f"12 weeks: {trailing.grand_total:,} concerns, {len(trailing.sites)} site columns, {len(trailing.hidden)} hidden; "
        f"{len(digest.excerpts)} excerpts; text {len(reply.text):,} characters"
    )
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--concerns", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=20_000)
    args = parser.parse_args()
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp())}/digest.db"
        else:
            url = os.environ.get("BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/affinity_digest_bench")
            try:
                await _ensure_pg_database(url)
            except OSError as exc:
                print(f"[PostgreSQL] skipped: {type(exc).__name__}: {exc}")
                continue
        await measure(url, args.runs, args.concerns, args.people)


if __name__ == "__main__":
    asyncio.run(main())
