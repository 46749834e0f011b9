"""Writing proactive messages to the outbox: the core's only way to speak unprompted."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Iterable, NamedTuple

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.types import ConversationRef, Reply
from storage.models import OutboxItem
from storage.upsert import insert_or_keep


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    kind: str,
    reply: Reply,
    now: datetime,
    person_id: int | None = None,
    channel: ConversationRef | None = None,
    people: list[int] | None = None,
    group_id: int | None = None,
    about_id: int | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Queue one message under an idempotency key; a key already queued or sent is kept as is.

    Returns whether a new item was written.
    """
    if sum(x is not None for x in (person_id, channel, people)) != 1:
        raise ValueError("an outbox item goes to exactly one person, channel or group of people")
    values: dict[str, Any] = dict(
        key=key,
        kind=kind,
        person_id=person_id,
        channel=_channel_dict(channel) if channel else None,
        people=sorted(people) if people else None,
        group_id=group_id,
        about_id=about_id,
        payload=reply.to_payload(),
        state="queued",
        attempts=0,
        not_before=not_before or now,
        next_attempt_at=not_before or now,
        created_at=now,
    )
    result = await session.execute(insert_or_keep(session, OutboxItem, ("key",)).values(**values))
    return bool(result.rowcount)


class Outgoing(NamedTuple):
    """One message for `enqueue_many`, with the same meaning as `enqueue`'s arguments: to one
    person (`person_id`) or to several together (`people`, a group DM), never both.

    A tuple rather than a dataclass: a group's reminders are hundreds of thousands of these.
    """

    key: str
    kind: str
    reply: Reply
    person_id: int | None
    group_id: int | None = None
    about_id: int | None = None
    not_before: datetime | None = None
    people: tuple[int, ...] | None = None


#: Rows per statement; well inside both databases' limits.
_CHUNK = 5000
_COLUMNS = "key, kind, person_id, group_id, about_id, people, payload, state, attempts, not_before, next_attempt_at, created_at"


async def enqueue_many(session: AsyncSession, items: Iterable[Outgoing], now: datetime) -> int:
    """Queue many messages at once (the reminders for a whole group, the pairs of an intro round);
    keys already queued or sent are kept as they are. Returns how many new items were written.

    It writes what `enqueue` writes, at a small fraction of the cost per item: items that share
    one Reply object share its encoded payload, values are encoded once by the columns' own types,
    and the rows go in a few statements (SQLite: one prepared INSERT run for each row; PostgreSQL:
    one INSERT … SELECT FROM unnest(arrays) per chunk, each distinct payload sent once).
    """
    connection = await session.connection()
    dialect = connection.dialect
    table = OutboxItem.__table__
    encode_time = table.c.created_at.type.bind_processor(dialect) or (lambda v: v)
    encode_payload = table.c.payload.type.bind_processor(dialect) or (lambda v: v)
    encode_people = table.c.people.type.bind_processor(dialect) or (lambda v: v)
    postgresql = dialect.name == "postgresql"
    payloads: dict[int, int] = {}  # id(reply) → index into `encoded`
    encoded: list[Any] = []
    times: dict[datetime, Any] = {}
    written = 0
    chunk: list[tuple] = []

    def time_value(moment: datetime) -> Any:
        if moment not in times:
            times[moment] = moment.astimezone(timezone.utc) if postgresql else encode_time(moment)
        return times[moment]

    for item in items:
        if (item.person_id is None) == (item.people is None):
            raise ValueError("an outbox item goes to exactly one person or one group of people")
        people = None
        if item.people is not None:
            people = json.dumps(sorted(item.people)) if postgresql else encode_people(sorted(item.people))
        index = payloads.get(id(item.reply))
        if index is None:
            index = payloads[id(item.reply)] = len(encoded)
            encoded.append(json.dumps(item.reply.to_payload()) if postgresql else encode_payload(item.reply.to_payload()))
        chunk.append((item.key, item.kind, item.person_id, item.group_id, item.about_id, people, index, time_value(item.not_before or now)))
        if len(chunk) >= _CHUNK:
            written += await (_write_pg(connection, chunk, encoded, now) if postgresql else _write_sqlite(connection, chunk, encoded, time_value(now)))
            chunk = []
    if chunk:
        written += await (_write_pg(connection, chunk, encoded, now) if postgresql else _write_sqlite(connection, chunk, encoded, time_value(now)))
    return written


async def _write_sqlite(connection, chunk: list[tuple], encoded: list[Any], created: Any) -> int:
    before = (await connection.exec_driver_sql("SELECT total_changes()")).scalar()
    await connection.exec_driver_sql(
        f"INSERT INTO outbox_item ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
        [(key, kind, person, group, about, together, encoded[n], due, due, created) for key, kind, person, group, about, together, n, due in chunk],
    )
    return (await connection.exec_driver_sql("SELECT total_changes()")).scalar() - before


async def _write_pg(connection, chunk: list[tuple], encoded: list[Any], now: datetime) -> int:
    keys, kinds, persons, groups, abouts, together, indexes, dues = (list(column) for column in zip(*chunk))
    result = await connection.exec_driver_sql(
        "WITH written AS ("
        f" INSERT INTO outbox_item ({_COLUMNS})"
        " SELECT u.key, u.kind, u.person_id, u.group_id, u.about_id, u.people::json, ($6::json[])[u.n + 1], 'queued', 0, u.due, u.due, $8::timestamptz"
        " FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::int[], $7::int[], $9::timestamptz[], $10::text[])"
        "  AS u(key, kind, person_id, group_id, about_id, n, due, people)"
        " ON CONFLICT (key) DO NOTHING RETURNING 1)"
        " SELECT count(*) FROM written",
        (keys, kinds, persons, groups, abouts, encoded, indexes, now.astimezone(timezone.utc), dues, together),
    )
    return int(result.scalar())


async def withdraw_for_group(session: AsyncSession, person_id: int, group_id: int) -> None:
    """Drop what is still queued for one person about one group (they left it)."""
    await session.execute(
        delete(OutboxItem).where(
            OutboxItem.person_id == person_id, OutboxItem.group_id == group_id, OutboxItem.state == "queued"
        )
    )


async def forget_recipient(session: AsyncSession, person_id: int) -> None:
    """Take a forgotten person out of every group message's recipients (forget-me).

    One-person items cascade with the person; a group DM lists its people as ids, which no
    foreign key can reach. A queued group DM left with fewer than two people has nobody to
    introduce and is dropped; the others keep only the remaining ids.
    """
    rows = (await session.execute(select(OutboxItem.id, OutboxItem.people, OutboxItem.state).where(OutboxItem.people.is_not(None)))).all()
    for item_id, people, state in rows:
        if person_id not in (people or []):
            continue
        rest = [p for p in people if p != person_id]
        if len(rest) < 2 and state in ("queued", "unreachable") or not rest:
            await session.execute(delete(OutboxItem).where(OutboxItem.id == item_id))
        else:
            await session.execute(update(OutboxItem).where(OutboxItem.id == item_id).values(people=rest))


def _channel_dict(ref: ConversationRef) -> dict[str, Any]:
    return {"platform": ref.platform, "tenant": ref.tenant, "conversation_id": ref.conversation_id, "kind": ref.kind}


def channel_from(data: dict[str, Any]) -> ConversationRef:
    return ConversationRef(
        platform=data["platform"], tenant=data["tenant"], conversation_id=data["conversation_id"], kind=data.get("kind", "channel")
    )


__all__ = ["enqueue", "enqueue_many", "forget_recipient", "Outgoing", "withdraw_for_group", "channel_from"]
