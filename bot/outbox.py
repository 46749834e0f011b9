"""Writing proactive messages to the outbox: the core's only way to speak unprompted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.types import ConversationRef, Reply
from storage.models import OutboxItem


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
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = dialect_insert(OutboxItem).values(**values).on_conflict_do_nothing(index_elements=["key"])
    result = await session.execute(stmt)
    return bool(result.rowcount)


async def withdraw_for_group(session: AsyncSession, person_id: int, group_id: int) -> None:
    """Drop what is still queued for one person about one group (they left it)."""
    await session.execute(
        delete(OutboxItem).where(
            OutboxItem.person_id == person_id, OutboxItem.group_id == group_id, OutboxItem.state == "queued"
        )
    )


def _channel_dict(ref: ConversationRef) -> dict[str, Any]:
    return {"platform": ref.platform, "tenant": ref.tenant, "conversation_id": ref.conversation_id, "kind": ref.kind}


def channel_from(data: dict[str, Any]) -> ConversationRef:
    return ConversationRef(
        platform=data["platform"], tenant=data["tenant"], conversation_id=data["conversation_id"], kind=data.get("kind", "channel")
    )


__all__ = ["enqueue", "withdraw_for_group", "channel_from"]
