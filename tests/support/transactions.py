"""Watching a job's transactions: how many it commits and how many rows each one added.

`watch(session, engine)` replaces the session's `commit` with one that, after committing, counts
the rows of every table from a connection of its own (so it sees what was committed) and records
how many rows that transaction added. With `stop_after=n` it raises `Interrupted` right after the
n-th commit: the process dying between two chunks of a job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.support.fuzz import grown, row_counts


class Interrupted(Exception):
    """The job was cut off right after a commit."""


@dataclass
class Transactions:
    added: list[int] = field(default_factory=list)  # rows each committed transaction added

    @property
    def largest(self) -> int:
        return max(self.added, default=0)


async def watch(session, engine, stop_after: int | None = None) -> Transactions:
    seen = Transactions()
    original = session.commit
    last = [await row_counts(engine)]

    async def commit() -> None:
        await original()
        now = await row_counts(engine)
        seen.added.append(sum(grown(last[0], now).values()))
        last[0] = now
        if stop_after is not None and len(seen.added) >= stop_after:
            raise Interrupted

    session.commit = commit
    return seen
