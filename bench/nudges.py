"""A week of meeting reminders at district scale: 150,000 people, 1,000,000 memberships, 2,000 meetings.

    python -m bench.nudges                                  # SQLite (a file under /tmp) and PostgreSQL
    python -m bench.nudges --backend sqlite --tick 60       # one run per hour instead of per minute
    BENCH_PG_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/affinity_bench_nudges python -m bench.nudges --backend postgresql

The district is bench/district.py's (the core benchmark's). 2,000 meetings are added to its groups
with bulk inserts: a quarter weekly, a quarter every other week, 40 % monthly, a tenth one-off in
the coming five weeks, on weekdays between 07:00 and 18:30 in Chicago. Then the nudge job runs the
way the scheduler runs it — every `--tick` minutes across one week, each run in its own transaction
— and the script prints the time spent in each of its two steps, summed over the week:

- *planning*: computing the week's reminders — every occurrence, offset and time zone and the
  moment it is due (`plan`); the first run plans the whole week for every meeting;
- *sending*: as each planned reminder comes due, reading its group's members and answers and
  writing one outbox item per member (`due_nudges` + `enqueue_many` + commit),

with the number of reminders queued and the cost of the runs that had nothing to do.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text, update

from bench.core import _ensure_pg_database, percentile
from bench.district import NOW, _bulk, build
from bot.config import Settings
from bot.meetings.nudges import due_nudges, plan, probe
from bot.meetings.offsets import offsets
from bot.outbox import enqueue_many
from storage.engine import is_sqlite, session_maker
from storage.models import Meeting, Membership, NudgePlan, OutboxItem

MEETINGS = 2_000
WEEK = timedelta(days=7)


def meeting_rows(groups: int, count: int, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    today = NOW.astimezone(ZoneInfo("America/Chicago")).date()
    rows = []
    for n in range(1, count + 1):
        kind = rng.choices(["weekly", "biweekly", "monthly", "once"], weights=[25, 25, 40, 10])[0]
        hour, minute = rng.randint(7, 18), rng.choice([0, 30])
        if kind == "once":
            day = today + timedelta(days=rng.randint(1, 35))
        else:
            day = today - timedelta(days=rng.randint(0, 120))  # series that began some time ago
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        rows.append(
            dict(
                id=n, group_id=rng.randint(1, groups), local_start=datetime(day.year, day.month, day.day, hour, minute),
                timezone="America/Chicago", recurrence=kind, duration_minutes=60, location=f"Room {rng.randint(100, 400)}",
                created_by=None, created_at=NOW - timedelta(days=150), cancelled_at=None,
            )
        )
    return rows


async def measure(url: str, people: int, memberships: int, tick: timedelta) -> dict:
    engine = await build(url, people=people, groups=500, memberships=memberships)
    async with engine.begin() as conn:
        await _bulk(conn, Meeting, meeting_rows(500, MEETINGS))
        # Members joined long before this week (bench/district.py dates every membership NOW).
        await conn.execute(update(Membership).values(joined_at=NOW - timedelta(days=200)))
        if not is_sqlite(engine):
            await conn.execute(text("SELECT setval(pg_get_serial_sequence('meeting', 'id'), (SELECT max(id) FROM meeting))"))
        await conn.execute(text("ANALYZE"))
    sessions = session_maker(engine)
    settings = Settings(database_url=url)
    lengths = offsets(settings.district.nudge_offsets)
    planning, first_plan, planning_runs, decide, write, per_run, idle, queued, plan_rows = 0.0, 0.0, 0, 0.0, 0.0, [], [], 0, 0
    runs_at: list[datetime] = []
    moment, end = NOW, NOW + WEEK
    while moment < end:
        async with sessions() as session:
            start = time.perf_counter()
            # What `queue_nudges` does, step by step.
            probed = await probe(session)
            planned = await plan(session, settings, moment, lengths, probed)
            if planned:
                probed = await probe(session)
            planned_at = time.perf_counter()
            due = await due_nudges(session, settings, moment, lengths) if probed.due_at is not None and probed.due_at <= moment else []
            middle = time.perf_counter()
            queued += await enqueue_many(session, due, moment)
            await session.commit()
            finish = time.perf_counter()
        if planned:
            planning_runs += 1
            plan_rows += planned
            if not first_plan:
                first_plan = finish - start if not due else planned_at - start
            planning += planned_at - start
        decide += middle - planned_at
        write += finish - middle
        per_run.append((finish - start) * 1000)
        runs_at.append(moment)
        if not due and not planned:
            idle.append((finish - start) * 1000)
        moment += tick
    async with sessions() as session:
        stored = (await session.execute(select(func.count()).select_from(OutboxItem).where(OutboxItem.kind == "nudge"))).scalar()
        plans = (await session.execute(select(func.count()).select_from(NudgePlan))).scalar()
    await engine.dispose()
    return dict(runs=len(per_run), planning=planning, first_plan=first_plan, planning_runs=planning_runs, plan_rows=plan_rows, plans=plans,
                decide=decide, write=write, queued=queued, stored=stored, p50=statistics.median(per_run),
                p99=percentile(per_run, 0.99), worst=max(per_run), worst_at=runs_at[per_run.index(max(per_run))] - NOW, second=sorted(per_run)[-2], idle=len(idle), idle_total=sum(idle) / 1000, idle_p50=statistics.median(idle) if idle else 0.0)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--people", type=int, default=150_000)
    parser.add_argument("--memberships", type=int, default=1_000_000)
    parser.add_argument("--tick", type=int, default=1, help="minutes between runs of the job")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp())}/bench.db"
        else:
            url = os.environ.get("BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/affinity_bench_nudges")
            await _ensure_pg_database(url)
        f = await measure(url, args.people, args.memberships, timedelta(minutes=args.tick))
        sending = f["decide"] + f["write"]
        print(f"[{backend}] {args.people:,} people, {args.memberships:,} memberships, {MEETINGS:,} meetings; "
              f"one week at a {args.tick}-minute tick = {f['runs']:,} runs")
        print(f"[{backend}] planning: the week at once {f['first_plan']:6.3f} s; over the week {f['planning']:6.3f} s in "
              f"{f['planning_runs']} runs with something to plan ({f['plan_rows']:,} planned reminders written, {f['plans']:,} kept)")
        print(f"[{backend}] sending:  {sending:7.2f} s   reading members {f['decide']:7.2f} s   writing {f['write']:7.2f} s   "
              f"({f['queued']:,} reminders queued, {f['stored']:,} in the outbox, {sending / max(f['queued'], 1) * 1e6:.1f} µs each)")
        print(f"[{backend}] per run: p50 {f['p50']:.2f} ms   p99 {f['p99']:.2f} ms   worst {f['worst']:.0f} ms ({f['worst_at']} into the week; next worst {f['second']:.0f} ms)")
        print(f"[{backend}] runs with nothing to plan or send: {f['idle']:,}, p50 {f['idle_p50']:.3f} ms each, {f['idle_total']:.2f} s in all")


if __name__ == "__main__":
    asyncio.run(main())
