"""Onboarding and announcements at district scale: roster import with new staff, the onboarding
job, and sending one announcement to a large group.

    python -m bench.onboarding                       # SQLite (a file under /tmp) and, if reachable, PostgreSQL
    python -m bench.onboarding --backend sqlite --rows 150000 --new-share 0.03
    BENCH_PG_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/affinity_bench python -m bench.onboarding --backend postgresql
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

from bench.core import _ensure_pg_database
from bench.district import NOW, TOPICS
from bot.clock import FrozenClock
from bot.config import Settings
from bot.core import Bot
from bot.imports import import_roster
from bot.onboarding import queue_onboarding
from bot.types import Action, Inbound, Profile, UserRef
from storage.engine import is_sqlite, open_engine, session_maker, upgrade
from storage.models import Group, Membership, OnboardingJourney, OutboxItem, PlatformLink, RoleGrant

TODAY = date(2026, 9, 14)


def write_roster(path: Path, rows: int, new_share: float, rng: random.Random) -> int:
    """A roster whose `new_share` of rows started in the last 30 days or start soon."""
    new = 0
    with path.open("w") as f:
        f.write("email,name,role,site,start_date,supervisor_email,language,timezone\n")
        for i in range(1, rows + 1):
            if rng.random() < new_share:
                start, new = TODAY + timedelta(days=rng.randint(-30, 14)), new + 1
            else:
                start = TODAY - timedelta(days=rng.randint(31, 8000))
            zone = rng.choice(("America/Chicago", "America/New_York", "America/Los_Angeles"))
            language = "es" if rng.random() < 0.15 else "en"
            f.write(f"staff{i}@district.example,Staff {i},teacher,Site {i % 200},{start.isoformat()},,{language},{zone}\n")
    return new


async def add_groups(engine, count: int) -> None:
    rows = [
        dict(slug=f"{TOPICS[g % len(TOPICS)]}-group-{g}", name=f"{TOPICS[g % len(TOPICS)].title()} Group {g}", description=f"About {TOPICS[g % len(TOPICS)]}.",
             kind="identity", tags=[], listed=True, join_policy="open", eligibility={"exclude_job_roles": ["administrator"]} if g % 5 == 0 else {},
             resources=[], search_text="", active_count=0, intros_enabled=False, intros_cadence="biweekly", created_on=TODAY)
        for g in range(1, count + 1)
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(Group), rows)


async def big_group(engine, members: int) -> None:
    """Group 1 gets `members` active members and staff1 as its facilitator."""
    async with engine.begin() as conn:
        await conn.execute(
            insert(Membership),
            [dict(person_id=p, group_id=1, status="active", dm_ok=True, nudges_ok=True, requested_at=NOW, joined_at=NOW) for p in range(1, members + 1)],
        )
        await conn.execute(insert(RoleGrant), [dict(person_id=1, role="facilitator", group_id=1, granted_on=TODAY)])
        await conn.execute(insert(PlatformLink), [dict(person_id=1, platform="console", tenant="local", user_id="staff1@district.example")])
        await conn.execute(text("ANALYZE"))


async def run(url: str, rows: int, new_share: float, members: int) -> None:
    rng = random.Random(5)
    engine = open_engine(url)
    if not is_sqlite(engine):
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    backend = "sqlite" if is_sqlite(engine) else "postgresql"
    await add_groups(engine, 500)
    path = Path(tempfile.mkdtemp()) / "roster.csv"
    new = write_roster(path, rows, new_share, rng)
    sessions = session_maker(engine)

    start = time.perf_counter()
    async with sessions() as session:
        result = await import_roster(session, path, TODAY, NOW)
        assert result.ok, result.problems[:3]
        await session.commit()
    seconds = time.perf_counter() - start
    async with sessions() as session:
        journeys = (await session.execute(select(func.count()).select_from(OnboardingJourney))).scalar()
    path.unlink()
    print(f"[{backend}] roster import of {rows:,} rows ({new:,} new staff): {seconds:.1f} s, {journeys:,} journeys started")

    settings = Settings(database_url=url)
    for label in ("first run", "same moment again"):
        start = time.perf_counter()
        async with sessions() as session:
            written = await queue_onboarding(session, settings, NOW)
            await session.commit()
        print(f"[{backend}] onboarding job, {label}: {written:,} messages queued in {time.perf_counter() - start:.2f} s")

    await big_group(engine, members)
    bot = Bot(sessions, settings, FrozenClock(NOW))
    actor, profile = UserRef("console", "local", "staff1@district.example"), Profile(email="staff1@district.example")
    start = time.perf_counter()
    preview = await bot.handle(Inbound(actor=actor, text=f"announce {TOPICS[1 % len(TOPICS)]}-group-1 " + "Our meeting moves to Thursday. " * 20, profile=profile))
    previewed = time.perf_counter() - start
    assert preview.card is not None, preview.text
    send = next(b for b in preview.card.actions if b.value.startswith("announce send"))
    start = time.perf_counter()
    sent = await bot.handle(Inbound(actor=actor, action=Action(send.action_id, send.value), profile=profile))
    sending = time.perf_counter() - start
    assert not sent.refused, sent.text
    async with sessions() as session:
        queued = (await session.execute(select(func.count()).select_from(OutboxItem).where(OutboxItem.kind == "announcement"))).scalar()
    print(f"[{backend}] announce to a group of {members:,}: preview {previewed * 1000:.0f} ms, Send {sending:.2f} s ({queued:,} messages queued)")
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rows", type=int, default=150_000)
    parser.add_argument("--new-share", type=float, default=0.03)
    parser.add_argument("--members", type=int, default=20_000)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/onboarding.db"
        else:
            url = os.environ.get("BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/affinity_bench_onboarding")
            await _ensure_pg_database(url)
        await run(url, args.rows, args.new_share, args.members)


if __name__ == "__main__":
    asyncio.run(main())
