"""Scheduled jobs write in short transactions, so none holds the database's write lock for long.

SQLite has one writer at a time: while a job's transaction is open for writing, a person's
`groups join` waits for it. So a job that writes many rows (the first nudge planning of a
district, onboarding's first run after an import, a large intro round) writes them a chunk at a
time and commits after each, about ROWS rows a transaction: some tens of milliseconds on either
database. Reading is done before writing, because a read in SQLite's WAL mode blocks no writer
but a read after a write in the same transaction keeps the lock.

Every chunk leaves the database consistent on its own, and is safe to write again: outbox items
are written under their keys (a key already queued or sent is kept as it is), so a job stopped
between two chunks — a crash, a kill, a lost connection — is finished by its next run, and
everything it queues still goes out exactly once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox

#: Rows a job writes per transaction: about 40-70 ms of outbox inserts on either database.
ROWS = 1000


async def commit(session: AsyncSession) -> None:
    """End the chunk's transaction; the next statement starts the next one."""
    await session.commit()


async def enqueue_in_chunks(session: AsyncSession, items: Sequence[outbox.Outgoing], now: datetime, rows: int | None = None) -> int:
    """`outbox.enqueue_many`, committed every `rows` items; returns how many items were new."""
    size = rows or ROWS
    written = 0
    for start in range(0, len(items), size):
        written += await outbox.enqueue_many(session, items[start : start + size], now)
        await commit(session)
    return written


def chunks(values: Sequence, rows: int | None = None):
    """`values` a chunk at a time."""
    size = rows or ROWS
    for start in range(0, len(values), size):
        yield values[start : start + size]
