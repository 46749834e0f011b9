"""The whole database as text, for privacy tests that search it for a person."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Base


async def dump_rows(runtime) -> list[tuple[str, dict]]:
    """Every row of every table as (table, {column: value})."""
    rows: list[tuple[str, dict]] = []
    async with runtime.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            result = await conn.execute(select(table))
            for row in result.mappings():
                rows.append((table.name, dict(row)))
    return rows


def mentions(rows: list[tuple[str, dict]], needles: list[str]) -> list[tuple[str, dict]]:
    """Rows whose text holds any needle (case-insensitive)."""
    lowered = [n.lower() for n in needles if n]
    return [(table, row) for table, row in rows if any(n in repr(row).lower() for n in lowered)]
