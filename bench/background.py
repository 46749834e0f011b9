"""Does a scheduled job stall a person? The heaviest jobs back to back at district scale while a
closed loop of commands goes through the core.

    python -m bench.background                      # SQLite
    python -m bench.background --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/affinity_bench_background

The district: bench/district.py's 150,000 people, 500 groups and 1,000,000 memberships; 2,000
meetings (bench/nudges.py's mix, made 150 days ago, members joined 200 days ago), 100,000 concerns
(bench/digest.py's), a 150,000-row roster imported (bench/onboarding.py's, 3 % new staff: the
journeys onboarding's first run starts from), and a group with 5,000 members opted in to intros.

Then, in a child process of its own (as a second `serve` on the database would be, with its own
connections; `--same-process` runs it on the jobs' own event loop instead, as in one `serve`), a
closed loop sends `groups join <group> --yes`, `groups mine` and `meeting list`
through `Bot.handle`, one at a time, each as a random person: first for `--idle` seconds with
no job running, then while this process runs, back to back and each as the scheduler runs it
(its own session, committed after): the first nudge run (planning the week, then every reminder
already due), onboarding's first run after the import, the intro round, and the digest. It
reports p50 / p99 / max of the loop with no job and while the jobs ran (and per job), and for
each job its time, and the longest write transaction it held (from its first INSERT, UPDATE or
DELETE to its commit) with the number of transactions that wrote.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import event, insert, select, text, update

from bench.core import _ensure_pg_database, _slug, percentile
from bench.digest import concern_rows
from bench.district import NOW, _bulk, build
from bench.nudges import MEETINGS, meeting_rows
from bench.onboarding import write_roster
from storage.engine import is_sqlite, open_engine, session_maker
from storage.models import Concern, Group, IntroOptIn, Meeting, Membership

TODAY = date(2026, 9, 14)
INTRO_GROUP = 1
JOBS = ("meetings.queue_nudges", "onboarding.queue_onboarding", "intros.rounds", "concerns.digest")


async def prepare(url: str, people: int, memberships: int, concerns: int, roster: int, intro_members: int) -> None:
    from bot.config import Settings
    from bot.imports import import_roster

    started = time.perf_counter()
    engine = await build(url, people=people, groups=500, memberships=memberships)
    rng = random.Random(17)
    async with engine.begin() as conn:
        await _bulk(conn, Meeting, meeting_rows(500, MEETINGS))
        await conn.execute(update(Membership).values(joined_at=NOW - timedelta(days=200)))
        await _bulk(conn, Concern, concern_rows(rng, concerns, [f"Person {i}" for i in range(1, 2001)], people))
        members = (await conn.execute(select(Membership.person_id).where(Membership.group_id == INTRO_GROUP).order_by(Membership.person_id).limit(intro_members))).scalars().all()
        await conn.execute(insert(IntroOptIn), [dict(person_id=p, group_id=INTRO_GROUP, created_at=NOW - timedelta(days=30)) for p in members])
        await conn.execute(update(Group).where(Group.id == INTRO_GROUP).values(intros_enabled=True, intros_cadence="weekly"))
        if not is_sqlite(engine):
            await conn.execute(text("SELECT setval(pg_get_serial_sequence('meeting', 'id'), (SELECT max(id) FROM meeting))"))
    path = Path(tempfile.mkdtemp()) / "roster.csv"
    new = write_roster(path, roster, 0.03, rng)
    async with session_maker(engine)() as session:
        result = await import_roster(session, path, TODAY, NOW)
        assert result.ok, result.problems[:3]
        await session.commit()
    path.unlink()
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
    await engine.dispose()
    print(f"district built in {time.perf_counter() - started:.0f} s: {people:,} people, {memberships:,} memberships, {MEETINGS:,} meetings, "
          f"{concerns:,} concerns, a {roster:,}-row roster imported ({new:,} new staff), {len(members):,} opted in to intros", flush=True)


def load(url: str, people: int, out: str, stop, ready) -> None:
    """The closed loop, in a child process: (wall clock, ms, command) of each request, to `out`."""
    asyncio.run(_load(url, people, out, stop, ready))


async def _load(url: str, people: int, out: str, stop, ready) -> None:
    from bot.bootstrap import settle_heap
    from bot.clock import FrozenClock
    from bot.config import Settings
    from bot.core import Bot
    from bot.types import Inbound, Profile, UserRef

    engine = open_engine(url)
    bot = Bot(session_maker(engine), Settings(database_url=url), FrozenClock(NOW))
    rng = random.Random(23)
    commands = (lambda: f"groups join {_slug(rng.randint(1, 500))} --yes", lambda: "groups mine", lambda: "meeting list")
    samples: list[tuple[float, float, str]] = []

    async def say(words: str):
        email = f"person{rng.randint(1, people)}@district.example"
        return await bot.handle(Inbound(actor=UserRef("console", "local", email), text=words, profile=Profile(email=email)))

    for n in range(60):  # warm the pool, the caches and the catalogues
        await say(commands[n % 3]())
    settle_heap()
    ready.set()
    n = 0
    while not stop.is_set():
        words = commands[n % 3]()
        n += 1
        start = time.perf_counter()
        reply = await say(words)
        samples.append((time.time(), (time.perf_counter() - start) * 1000, words.split()[1]))
        assert reply.text, words
    Path(out).write_text(json.dumps(samples))
    await engine.dispose()


class WriteWatch:
    """The longest write transaction on an engine: from its first INSERT / UPDATE / DELETE to its
    commit or rollback, per connection."""

    def __init__(self, engine) -> None:
        self.open: dict[int, float] = {}
        self.longest = 0.0
        self.rows_longest = 0
        self.writes = 0
        self._rows: dict[int, int] = {}
        sync = engine.sync_engine
        event.listen(sync, "after_cursor_execute", self._executed)
        event.listen(sync, "commit", self._ended)
        event.listen(sync, "rollback", self._ended)

    def reset(self) -> None:
        self.open.clear()
        self._rows.clear()
        self.longest, self.rows_longest, self.writes = 0.0, 0, 0

    def _executed(self, conn, cursor, statement, parameters, context, executemany) -> None:
        head = statement.lstrip()[:6].upper()
        if head not in ("INSERT", "UPDATE", "DELETE") and not (head.startswith("WITH") and "INSERT" in statement[:200].upper()):
            return
        key = id(conn)
        self.open.setdefault(key, time.perf_counter())
        rows = len(parameters) if executemany and parameters is not None else max(getattr(cursor, "rowcount", 0) or 0, 0)
        self._rows[key] = self._rows.get(key, 0) + rows

    def _ended(self, conn) -> None:
        started = self.open.pop(id(conn), None)
        rows = self._rows.pop(id(conn), 0)
        if started is None:
            return
        self.writes += 1
        held = time.perf_counter() - started
        if held > self.longest:
            self.longest, self.rows_longest = held, rows


async def run_jobs(url: str, windows: list) -> list[dict]:
    from bot import registry
    from bot.config import Settings

    engine = open_engine(url)
    sessions = session_maker(engine)
    settings = Settings(database_url=url, dei_channel="slack:T0BENCH:C0DEI")
    watch = WriteWatch(engine)
    jobs = registry.jobs()
    from bot.catalogue import catalogue

    catalogue("en"), catalogue("es")
    results = []
    for name in JOBS:
        watch.reset()
        began_wall, began = time.time(), time.perf_counter()
        async with sessions() as session:
            queued = int(await jobs[name](session, settings, NOW) or 0)
            await session.commit()
        seconds = time.perf_counter() - began
        windows.append((name, began_wall, time.time()))
        results.append(dict(job=name, seconds=seconds, queued=queued, longest_ms=watch.longest * 1000, longest_rows=watch.rows_longest, transactions=watch.writes))
        print(f"  {name}: {seconds:.1f} s, {queued:,} queued; longest write transaction {watch.longest * 1000:.0f} ms "
              f"({watch.rows_longest:,} rows), {watch.writes:,} transactions that wrote", flush=True)
    await engine.dispose()
    return results


def summary(latencies: list[float]) -> str:
    if not latencies:
        return "no requests"
    return f"p50 {statistics.median(latencies):6.1f} ms  p99 {percentile(latencies, 0.99):6.1f} ms  max {max(latencies):7.1f} ms  ({len(latencies):,} requests)"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--people", type=int, default=150_000)
    parser.add_argument("--memberships", type=int, default=1_000_000)
    parser.add_argument("--concerns", type=int, default=100_000)
    parser.add_argument("--roster", type=int, default=150_000)
    parser.add_argument("--intro-members", type=int, default=5_000)
    parser.add_argument("--same-process", action="store_true", help="run the loop on this process's event loop, as `serve` runs its jobs next to its requests")
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of the loop with no job running")
    args = parser.parse_args()
    url = args.database_url or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'background.db'}"
    if not url.startswith("sqlite"):
        await _ensure_pg_database(url)
    backend = ("SQLite" if url.startswith("sqlite") else "PostgreSQL") + (", one process" if args.same_process else "")
    await prepare(url, args.people, args.memberships, args.concerns, args.roster, args.intro_members)

    out = str(Path(tempfile.mkdtemp()) / "samples.json")
    if args.same_process:
        import threading

        stop, ready = threading.Event(), threading.Event()
        child = asyncio.ensure_future(_load(url, args.people, out, stop, ready))
        while not ready.is_set():
            await asyncio.sleep(0.05)
    else:
        context = multiprocessing.get_context("spawn")
        stop, ready = context.Event(), context.Event()
        child = context.Process(target=load, args=(url, args.people, out, stop, ready))
        child.start()
        ready.wait()
    idle_from = time.time()
    await asyncio.sleep(args.idle)
    idle_to = time.time()
    windows: list = []
    print(f"[{backend}] jobs, back to back:", flush=True)
    results = await run_jobs(url, windows)
    await asyncio.sleep(1.0)
    stop.set()
    if args.same_process:
        await child
    else:
        child.join()
    samples = json.loads(Path(out).read_text())
    idle = [ms for at, ms, _ in samples if idle_from <= at - ms / 1000 and at <= idle_to]
    busy = [ms for at, ms, _ in samples if windows[0][1] <= at and at - ms / 1000 <= windows[-1][2]]
    print(f"[{backend}] no job running:        {summary(idle)}")
    print(f"[{backend}] while the jobs ran:    {summary(busy)}")
    if idle and busy:
        print(f"[{backend}] p99 ratio, jobs / none: {percentile(busy, 0.99) / percentile(idle, 0.99):.2f}")
    for name, began, ended in windows:
        during = [ms for at, ms, _ in samples if began <= at and at - ms / 1000 <= ended]
        print(f"[{backend}]   during {name:28} {summary(during)}")
    for command in ("join", "mine", "list"):
        print(f"[{backend}]   {command:5} while the jobs ran: {summary([ms for at, ms, c in samples if c == command and windows[0][1] <= at and at - ms / 1000 <= windows[-1][2]])}")


if __name__ == "__main__":
    asyncio.run(main())
