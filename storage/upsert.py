"""Inserts that keep what is already there: `INSERT … ON CONFLICT (…) DO NOTHING` on either database."""

from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

#: Rows per statement when many are written at once; well inside both databases' limits.
CHUNK = 5000


def insert_or_keep(session: AsyncSession, model: Any, unique: Sequence[str]):
    """An INSERT into `model`'s table that leaves a row alone when one with the same `unique`
    columns exists, in the dialect of the session's database."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model).on_conflict_do_nothing(index_elements=list(unique))


async def add_missing(session: AsyncSession, model: Any, unique: Sequence[str], rows: list[dict[str, Any]]) -> None:
    """Write the `rows` that are not there yet (by their `unique` columns), a chunk per statement."""
    if not rows:
        return
    statement = insert_or_keep(session, model, unique)
    connection = await session.connection()
    for start in range(0, len(rows), CHUNK):
        await connection.execute(statement, rows[start : start + CHUNK])
