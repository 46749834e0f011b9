"""Peer intros at district scale: one round for a 5,000-member group, pure pairing and through the database.

    python -m bench.intros                      # 5,000 members, 6 remembered rounds, SQLite
    python -m bench.intros --members 20000 --rounds 12

The pure figure is `pair_round` alone, with six past rounds and a do-not-pair list in place. The
database figure is the job a scheduler tick runs (`intros.rounds`): reading who opted in, the
history and the do-not-pair rows, pairing, and writing the round and its group-DM outbox items, on
a fresh SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from bot.intros.pairing import pair_round, round_seed


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pure(members: int, remembered: int, avoid_share: float, seed: int) -> None:
    rng = random.Random(seed)
    people = list(range(1, members + 1))
    avoid = [(rng.choice(people), rng.choice(people)) for _ in range(int(members * avoid_share))]
    history: list = []
    timings = []
    relaxed = 0
    for number in range(1, remembered + 4):
        present = [p for p in people if rng.random() > 0.05]  # some snoozed or away each round
        started = time.perf_counter()
        plan = pair_round(present, history[:remembered], avoid, round_seed(1, number))
        timings.append(time.perf_counter() - started)
        relaxed = max(relaxed, plan.relaxed)
        assert sorted(p for g in plan.groups for p in g) + list(plan.alone) == sorted(present) or plan.alone
        history.insert(0, plan.groups)
    print(
        f"pure pair_round, {members} members ({remembered} rounds remembered, {len(avoid)} do-not-pair rows): "
        f"median {statistics.median(timings) * 1000:.0f} ms, worst {max(timings) * 1000:.0f} ms over {len(timings)} rounds; "
        f"most history set aside {relaxed}; peak RSS {_peak_mb():.0f} MB"
    )


async def through_the_database(members: int, remembered: int) -> None:
    from sqlalchemy import insert

    from bot import registry
    from bot.bootstrap import open_runtime
    from bot.clock import FrozenClock
    from bot.config import Settings
    from storage.models import Group, IntroOptIn, IntroPair, IntroPairMember, IntroRound, Membership, Person

    now = datetime(2026, 9, 14, 15, 0, tzinfo=timezone.utc)
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
        runtime = await open_runtime(Settings(database_url=url), FrozenClock(now))
        try:
            async with runtime.sessions() as s:
                s.add(Group(id=1, slug="big", name="Big Group", intros_enabled=True, intros_cadence="weekly", created_on=date(2026, 1, 1)))
                await s.flush()
                await s.execute(insert(Person), [dict(id=i, name=f"Person {i}", email=f"p{i}@district.example", language="en", created_on=date(2026, 1, 1)) for i in range(1, members + 1)])
                await s.execute(insert(Membership), [dict(person_id=i, group_id=1, status="active", requested_at=now, joined_at=now) for i in range(1, members + 1)])
                await s.execute(insert(IntroOptIn), [dict(person_id=i, group_id=None, created_at=now) for i in range(1, members + 1)])
                # Past rounds, so the history is read and honoured as it would be after months of intros.
                history: list = []
                for number in range(1, remembered + 1):
                    plan = pair_round(range(1, members + 1), history, (), round_seed(1, number))
                    history.insert(0, plan.groups)
                    held = IntroRound(group_id=1, number=number, held_on=date(2026, 9, 14) - timedelta(days=7 * (remembered - number + 1)),
                                      held_at=now - timedelta(days=7 * (remembered - number + 1)), relaxed=0, followed_up=True)
                    s.add(held)
                    await s.flush()
                    pairs = [IntroPair(round_id=held.id) for _ in plan.groups]
                    s.add_all(pairs)
                    await s.flush()
                    await s.execute(insert(IntroPairMember), [dict(pair_id=pair.id, person_id=p) for pair, g in zip(pairs, plan.groups) for p in g])
                await s.commit()
            job = registry.jobs()["intros.rounds"]
            # A running bot has its catalogues loaded long before a round: load them first, so the
            # figure is the round's and not the YAML parser's.
            from bot.catalogue import catalogue

            catalogue("en"), catalogue("es")
            async with runtime.sessions() as s:
                started = time.perf_counter()
                queued = await job(s, runtime.settings, now)
                await s.commit()
                seconds = time.perf_counter() - started
            print(f"intros.rounds job on SQLite, {members} members, {remembered} past rounds: {seconds:.2f} s, {queued} group DMs queued; peak RSS {_peak_mb():.0f} MB")
        finally:
            await runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=6, help="rounds remembered (intro_avoid_rounds)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    pure(args.members, args.rounds, 0.02, args.seed)
    asyncio.run(through_the_database(args.members, args.rounds))


if __name__ == "__main__":
    main()
