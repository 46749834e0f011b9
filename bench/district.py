"""A district-scale database for benchmarks: 150,000 people, 500 groups, 1,000,000 memberships."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import insert, text

from storage.engine import is_sqlite, open_engine, upgrade
from storage.models import Group, Membership, Person, PlatformLink

SITES = [f"Site {i:03d}" for i in range(200)]
ROLES = ["teacher"] * 8 + ["counselor", "paraprofessional", "administrator", "librarian", "nurse"]
TOPICS = ["lgbtq", "bipoc", "black", "latinx", "asian", "new", "bilingual", "parents", "veterans", "women", "disability", "faith", "stem", "arts", "coaches"]
NOW = datetime(2026, 9, 14, 15, 0, tzinfo=timezone.utc)


async def build(url: str, people: int = 150_000, groups: int = 500, memberships: int = 1_000_000, seed: int = 7, fresh: bool = True):
    """Create (or reset) the database at `url` and fill it; returns the engine."""
    rng = random.Random(seed)
    engine = open_engine(url)
    if fresh and not is_sqlite(engine):
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    today = date(2026, 9, 14)
    person_rows = [
        dict(
            id=i,
            name=f"Person {i}",
            email=f"person{i}@district.example",
            job_role=rng.choice(ROLES),
            site=rng.choice(SITES),
            language="es" if rng.random() < 0.15 else "en",
            timezone="America/Chicago",
            start_date=today - timedelta(days=rng.randint(0, 8000)),
            dm_ok=True,
            nudges_ok=True,
            created_on=today,
        )
        for i in range(1, people + 1)
    ]
    group_rows = [
        dict(
            id=g,
            slug=f"{TOPICS[g % len(TOPICS)]}-group-{g}",
            name=f"{TOPICS[g % len(TOPICS)].title()} Group {g}",
            description=f"A district affinity group about {TOPICS[g % len(TOPICS)]} number {g}.",
            kind="identity",
            tags=[TOPICS[g % len(TOPICS)], f"tag{g % 37}"],
            listed=True,
            join_policy="open",
            eligibility={},
            resources=[],
            active_count=0,
            intros_enabled=False,
            intros_cadence="biweekly",
            created_on=today,
        )
        for g in range(1, groups + 1)
    ]
    # Group sizes follow a long tail, as real programs do: a few large groups, many small ones.
    weights = [1.0 / (g ** 0.8) for g in range(1, groups + 1)]
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < memberships:
        batch = rng.choices(range(1, groups + 1), weights=weights, k=memberships - len(pairs))
        for group_id in batch:
            pairs.add((rng.randint(1, people), group_id))
    counts: dict[int, int] = {}
    membership_rows = []
    for n, (person_id, group_id) in enumerate(sorted(pairs), start=1):
        counts[group_id] = counts.get(group_id, 0) + 1
        membership_rows.append(dict(id=n, person_id=person_id, group_id=group_id, status="active", dm_ok=True, nudges_ok=True, requested_at=NOW, joined_at=NOW))
    for row in group_rows:
        row["active_count"] = counts.get(row["id"], 0)
        row["search_text"] = " ".join([row["slug"], row["name"].lower(), row["description"].lower(), row["kind"], " ".join(row["tags"])])
    links = [dict(id=i, person_id=i, platform="console", tenant="local", user_id=f"person{i}@district.example") for i in range(1, people + 1)]
    async with engine.begin() as conn:
        for model, rows in ((Person, person_rows), (Group, group_rows), (PlatformLink, links), (Membership, membership_rows)):
            await _bulk(conn, model, rows)
        if not is_sqlite(engine):
            for table in ("person", "affinity_group", "platform_link", "membership"):
                await conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
            await conn.execute(text("ANALYZE"))
        else:
            await conn.execute(text("ANALYZE"))
    return engine


async def _bulk(conn, model, rows: list[dict], chunk: int = 20_000) -> None:
    if conn.dialect.name == "postgresql":
        raw = (await conn.get_raw_connection()).driver_connection
        table = model.__table__
        columns = list(rows[0].keys())
        import json

        json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
        records = [tuple(json.dumps(r[c]) if c in json_columns else r[c] for c in columns) for r in rows]
        await raw.copy_records_to_table(table.name, records=records, columns=columns)
        return
    for start in range(0, len(rows), chunk):
        await conn.execute(insert(model), rows[start : start + chunk])
